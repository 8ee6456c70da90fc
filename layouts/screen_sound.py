"""The wall's optional sound for a new red alert (setting ``wall_alert_sound``, off unless an operator
turns it on).

The tone is assets/alert-red.wav, served by the app itself. assets/screen_sound.js plays it once for
each red alert that fires while the wall is open, never for those already open when it loaded.
Browsers play sound only after a click or key on the page: until the wall has had one, a configured
wall says so ("click to enable sound") instead of staying silent without a word.
"""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.i18n import add_texts, t

SOUND_FILE = "/assets/alert-red.wav"

add_texts({
    "screen_sound.enable": ("点击或按任意键启用红色预警提示音", "Click or press a key to enable the red-alert sound"),
    "screen_sound.on": ("红色预警提示音已开启", "Red-alert sound on"),
})


def sound_parts(language: str) -> list:
    """Return the sound's store (filled by callbacks.screen_sound) and its hint, hidden until the
    sound is configured."""
    return [dcc.Store(id=ids.SCREEN_SOUND),
            html.Div(t("screen_sound.enable", language), id=ids.SCREEN_SOUND_HINT, className="screen-sound-hint",
                     hidden=True, role="status", **{"data-testid": "screen-sound-hint",
                                                    "data-on": t("screen_sound.on", language),
                                                    "data-enable": t("screen_sound.enable", language)})]


def sound_state(enabled: bool, red_alerts: list[str] | None = None) -> dict:
    """Return what the wall's sound needs: whether it is configured, the tone's address and the keys of
    the red alerts firing now (none when the sound is off: nothing is read for it)."""
    if not enabled:
        return {"enabled": False}
    return {"enabled": True, "src": SOUND_FILE, "red": list(red_alerts or [])}
