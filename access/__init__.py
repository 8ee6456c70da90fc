"""Access control: accounts, sessions, roles, personal-data masking and the audit log."""
