"""The HTTP API mounted on the Dash server's Flask app (/api/v1)."""
