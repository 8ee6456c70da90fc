"""The leaders' daily brief (日报): a DailyBrief computed for one city-local day purely from history,
rendered as the /summary page, a self-contained HTML file and an A4 PDF. See docs/DAILY_BRIEF.md."""
