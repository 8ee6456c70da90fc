"""The analysts' map side panel shared across users: one prepared answer per question and data version.

Analysts who open the same unit's panel (same indicator, level, unit, selection, comparison and
hour, in the same language, with the same right to dispatch work orders) get the same panel, so
it is computed once per store data version (callbacks/answers.py) and the others wait for that
result. The panel of the latest values also shows the cases and sensor readings up to the current
instant, so its stamp carries that second as well; a past hour's panel is kept across seconds.
"""

from __future__ import annotations

import json
from typing import Callable

from access.roles import current_principal
from callbacks import answers, context
from layouts import map_state
from layouts.map_state import MapView

PANELS_KEPT = 256           # answers of a few hundred views; a panel is up to ~100 KB (200 cases)


def shared_panel(shown: MapView, language: str, grid_options: dict | None, hours: list[int],
                 compute: Callable[[], tuple]) -> tuple:
    """Return the side panel's outputs for the view (``hours``: the stored history hours), computed by
    ``compute()`` once per question and stamp."""
    app = context.current()
    con = app.cursor()
    principal = current_principal()
    may_dispatch = principal is not None and principal.may("orders.dispatch")
    options = json.dumps(grid_options, sort_keys=True, default=str)       # the events grid's state (browser's)
    key = (shown.to_query(), language, may_dispatch, options)
    latest = map_state.hour_instant(shown, hours, app.tz) is None
    return answers.shared("map_panel", PANELS_KEPT).get(key, answers.data_stamp(con, app.now_s() if latest else None),
                                                        compute)
