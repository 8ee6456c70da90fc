"""The demo city's profile: 云江市 declares its channels, taxonomy and zone like any other city.

Built from the demo's own tables (its sources and categories) rather than a YAML file, and written
to the store with data.profile.write_profile, the function ``python cli.py city init`` uses.
"""

from __future__ import annotations

from data.alarm_types import CAMERA_CHANNEL
from data.demo.categories import CATEGORIES
from data.demo.names import CITY_NAME_EN, CITY_NAME_ZH
from data.demo.sources import SOURCES
from data.profile import Category, Channel, CityProfile, Department

# the demo's source id → (channel role in the catalog, Chinese name, English name)
CHANNELS: dict[str, tuple[str, str, str]] = {
    "hotline_12345": ("hotline", "12345热线", "12345 hotline"),
    "grid_report": ("grid", "网格上报", "grid reports"),
    "police_110": ("police", "110警情", "110 police calls"),
    "city_app": ("city_app", "市民城管通", "city management app"),
    "petition": ("petition", "信访", "petitions"),
    "enterprise": ("enterprise", "企业诉求", "enterprise requests"),
}

# The departments the demo's categories name, with their English names (work orders go to them).
DEPARTMENTS_EN: dict[str, str] = {
    "交警支队": "Traffic police", "交通运输局": "Transport bureau", "人社局": "Human resources and social security",
    "住建局": "Housing and construction bureau", "供电公司": "Power supply company", "公安局": "Public security bureau",
    "农业农村局": "Agriculture and rural affairs bureau", "卫健委": "Health commission", "司法局": "Justice bureau",
    "城管局": "Urban management bureau", "工信局": "Industry and IT bureau",
    "市场监管局": "Market regulation bureau", "应急管理局": "Emergency management bureau",
    "政务服务办": "Government services office", "政法委": "Political and legal affairs commission",
    "教育局": "Education bureau", "民政局": "Civil affairs bureau", "水务局": "Water affairs bureau",
    "消防救援支队": "Fire and rescue brigade", "燃气公司": "Gas company", "生态环境局": "Ecology and environment bureau",
    "纪委监委": "Discipline inspection commission", "自来水公司": "Water supply company",
    "自然资源和规划局": "Natural resources and planning bureau", "行政审批局": "Administrative approval bureau",
    "通信管理局": "Communications administration", "金融管理局": "Financial regulation bureau",
}


def demo_profile(tz: str) -> CityProfile:
    """Return the demo city's profile in time zone ``tz``."""
    cameras = Channel(CAMERA_CHANNEL["code"], CAMERA_CHANNEL["role"], CAMERA_CHANNEL["name_zh"], CAMERA_CHANNEL["name_en"])
    channels = tuple(Channel(s.id, *CHANNELS[s.id]) for s in SOURCES) + (cameras,)     # confirmed camera alarms
    categories = tuple(Category(c.code, c.name_zh, c.name_en, c.domain, c.sla_hours, c.default_level, c.department)
                       for c in CATEGORIES)
    departments = tuple(Department(code, code, DEPARTMENTS_EN.get(code, code))
                        for code in sorted({c.department for c in CATEGORIES}))
    return CityProfile(CITY_NAME_ZH, CITY_NAME_EN, tz, channels, categories, departments=departments)
