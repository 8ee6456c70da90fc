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

# --- alerts (issue 5) ---
ALERTS_TICK = "alerts-tick"
ALERTS_LEVEL = "alerts-level"
ALERTS_DOMAIN = "alerts-domain"
ALERTS_UNIT = "alerts-unit"
ALERTS_LIST = "alerts-list"
ALERTS_OPEN = "alerts-open"                 # pattern-matching type of each row's open button
ALERTS_SELECTED = "alerts-selected"
ALERTS_CHANGED = "alerts-changed"
ALERTS_DETAIL = "alerts-detail"
ALERTS_ACTOR = "alerts-actor"
ALERTS_COMMENT = "alerts-comment"
ALERTS_SILENCE_HOURS = "alerts-silence-hours"
ALERTS_ASSIGN_LEVEL = "alerts-assign-level"
ALERTS_DEPARTMENT = "alerts-department"
ALERTS_ACK = "alerts-ack"
ALERTS_SILENCE = "alerts-silence"
ALERTS_ASSIGN = "alerts-assign"
ALERTS_ESCALATE = "alerts-escalate"
ALERTS_CLOSE = "alerts-close"
ALERTS_MESSAGE = "alerts-message"
