"""Callback of the wall's optional red-alert sound: on each refresh tick, whether the sound is
configured (setting ``wall_alert_sound``) and, only then, the red alerts firing now.
assets/screen_sound.js compares them with those it has seen and plays the tone for a new one."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, callback, clientside_callback

from callbacks import context
from data import settings
from layouts import ids
from layouts.pages import page_named
from layouts.screen_sound import sound_state
from queries.screen_sound import red_alert_keys

ROLES = page_named("screen").roles


@callback(Output(ids.SCREEN_SOUND, "data"), Input(ids.SCREEN_TICK, "n_intervals"))
def sound_alerts(_tick):
    """Return the sound's state: off, or on with the keys of the red alerts firing now."""
    app = context.current()
    con = app.cursor()
    if not settings.resolve("wall_alert_sound", con=con):
        return sound_state(False)
    return sound_state(True, app.remember("screen_sound.red", lambda: red_alert_keys(con), families=("alerts",)))


clientside_callback(ClientsideFunction("screenSound", "update"), Output(ids.SCREEN_SOUND_HINT, "hidden"),
                    Output(ids.SCREEN_SOUND_HINT, "children"), Input(ids.SCREEN_SOUND, "data"))
