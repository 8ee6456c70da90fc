"""Work orders (工单): dispatch to departments, report-in and finish deadlines, reminders, escalation."""
