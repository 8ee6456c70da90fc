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
ALERTS_SILENCES_HEADING = "alerts-silences-heading"
ALERTS_SILENCE_MATCH = "alerts-silence-match"
ALERTS_SILENCE_UNIT = "alerts-silence-unit"
ALERTS_SILENCE_RULE_HOURS = "alerts-silence-rule-hours"
ALERTS_SILENCE_REASON = "alerts-silence-reason"
ALERTS_SILENCE_ADD = "alerts-silence-add"
ALERTS_SILENCE_MESSAGE = "alerts-silence-message"
ALERTS_SILENCES_LIST = "alerts-silences-list"
ALERTS_SILENCE_EXPIRE = "alerts-silence-expire"     # pattern-matching type of each silence's expire button
ALERTS_SILENCE_REMOVE = "alerts-silence-remove"     # and of its remove button
