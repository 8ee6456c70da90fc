"""Every component id shared by a layout and a callback."""

LANGUAGE = "language"
LANG_ZH = "lang-zh"
LANG_EN = "lang-en"
NAVBAR = "navbar"
URL = "url"

OVERVIEW_BODY = "overview-body"
OVERVIEW_TICK = "overview-tick"
