"""The demo city's profile: 云江市 declares its channels, taxonomy and zone like any other city.

Built from the demo's own tables (its sources and categories) rather than a YAML file, and written
to the store with data.profile.write_profile, the function ``python cli.py city init`` uses.
"""

from __future__ import annotations

from data.alarm_types import CAMERA_CHANNEL
from data.demo.categories import CATEGORIES
from data.demo.names import CITY_NAME_EN, CITY_NAME_ZH
from data.demo.sources import SOURCES
from data.profile import Category, Channel, CityProfile

# the demo's source id → (channel role in the catalog, Chinese name, English name)
CHANNELS: dict[str, tuple[str, str, str]] = {
    "hotline_12345": ("hotline", "12345热线", "12345 hotline"),
    "grid_report": ("grid", "网格上报", "grid reports"),
    "police_110": ("police", "110警情", "110 police calls"),
    "city_app": ("city_app", "市民城管通", "city management app"),
    "petition": ("petition", "信访", "petitions"),
    "enterprise": ("enterprise", "企业诉求", "enterprise requests"),
}


def demo_profile(tz: str) -> CityProfile:
    """Return the demo city's profile in time zone ``tz``."""
    cameras = Channel(CAMERA_CHANNEL["code"], CAMERA_CHANNEL["role"], CAMERA_CHANNEL["name_zh"], CAMERA_CHANNEL["name_en"])
    channels = tuple(Channel(s.id, *CHANNELS[s.id]) for s in SOURCES) + (cameras,)     # confirmed camera alarms
    categories = tuple(Category(c.code, c.name_zh, c.name_en, c.domain, c.sla_hours, c.default_level, c.department)
                       for c in CATEGORIES)
    return CityProfile(CITY_NAME_ZH, CITY_NAME_EN, tz, channels, categories)
