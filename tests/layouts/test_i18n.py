"""Every UI text exists in both languages, and unknown languages fall back to Chinese."""

from layouts import i18n


def test_every_text_has_both_languages():
    for key, (zh, en) in i18n.TEXT.items():
        assert zh.strip(), key
        assert en.strip() or key.startswith("unit."), key


def test_language_fallback():
    assert i18n.t("nav.overview", "fr") == i18n.t("nav.overview", "zh") == "今日概况"
    assert i18n.t("nav.overview", "en") == "Today"
    assert i18n.t("no.such.key", "en") == "no.such.key"
