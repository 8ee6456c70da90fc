"""Every component id shared by a layout and a callback."""

LANGUAGE = "language"
LANG_ZH = "lang-zh"
LANG_EN = "lang-en"
NAVBAR = "navbar"
URL = "url"

OVERVIEW_BODY = "overview-body"
OVERVIEW_TICK = "overview-tick"

# --- accounts and audit (issue 9) ---
AUDIT_FILTER = "audit-filter"
AUDIT_TABLE = "audit-table"
AUDIT_TICK = "audit-tick"
AUDIT_HEADING = "audit-heading"
SIGN_OUT = "sign-out"
