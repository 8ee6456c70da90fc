"""Masking of personal data (PIPL): caller names and phones; ID numbers, phones, e-mails and addresses in text.

Addresses in free text lose their house numbers (幸福路12号 → 幸福路**号) and their building,
unit, floor and room numbers (3栋2单元401室 → *栋*单元***室); street and community names stay, so
a masked case still says where it happened. A bare 15-digit number cannot be told apart from a
grid code, so 15-digit (pre-2004) ID numbers are masked where the text labels them as one
(身份证 / 证件 / 身份证号码 …, then the number).

Every page, export and API answer that carries event rows passes them through :func:`mask_event`
(or :func:`mask_frame`) unless the reader holds the ``pii.unmask`` permission and asked to
unmask, which the caller records with ``data.audit.record(..., "pii.unmask", ...)``.
"""

from __future__ import annotations

import re

import pandas as pd

TEXT_COLUMNS = ("description",)
STAR = "*"

# Order matters: an 18-character ID number would otherwise lose its first 11 digits as a "phone".
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_OLD_ID_NUMBER = re.compile(r"((?:身份证|证件|公民身份)(?:号码|号)?\s*[:：是为]?\s*)(\d{3})(\d{8})(\d{4})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?)[- ]?(\d{7,8})(?!\d)")
_EMAIL = re.compile(r"(?<![\w.%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
# A house number follows a road, lane or village group: 幸福路12号, 人民街8-2号, 五组16号 (not 3号线, 12月5号).
_HOUSE = re.compile(r"(?<=[路街道巷弄里组])(\s*)(\d+(?:[-－之]\d+)?)(?=\s*号(?!线|楼|院))")
# Building, unit, floor and room numbers: 3号楼, 5栋, 2幢, 2单元, 401室, 11-02室, and 12楼, 8层 written
# together (a number then a space then 楼 is more often a phone's tail before 楼下; 座 would hit 座机).
_DOOR = re.compile(r"(\d+(?:[-－]\d+)?)(?=\s*(?:号楼|栋|幢|单元|室|号院)|[楼层](?!梯))")


def mask_name(name: str | None) -> str | None:
    """Return a name with only its first character kept: 张三丰 → 张**."""
    if not isinstance(name, str) or not name:
        return name                  # None, NaN (a missing value in a frame) or empty
    return name[0] + STAR * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str | None:
    """Return a phone number with its middle hidden: 13812345678 → 138****5678."""
    if not isinstance(phone, str) or not phone:
        return phone                  # None, NaN (a missing value in a frame) or empty
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return STAR * len(digits)
    return digits[:3] + STAR * (len(digits) - 7) + digits[-4:]


def _stars(number: str) -> str:
    """Return a number's digits as stars, keeping separators: 12-3 → **-*."""
    return re.sub(r"\d", STAR, number)


def mask_text(text: str | None, names: tuple[str, ...] = ()) -> str | None:
    """Return free text with ID numbers, phone numbers, e-mails, house and door numbers and the given names masked."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: m.group(1)[:3] + STAR * 11 + m.group(3)[-4:], text)
    text = _OLD_ID_NUMBER.sub(lambda m: m.group(1) + m.group(2) + STAR * 8 + m.group(4), text)
    text = _MOBILE.sub(lambda m: m.group(1) + STAR * 4 + m.group(3), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + STAR * (len(m.group(2)) - 2) + m.group(2)[-2:], text)
    text = _EMAIL.sub(lambda m: m.group(1) + STAR * 3 + m.group(2), text)
    text = _HOUSE.sub(lambda m: m.group(1) + _stars(m.group(2)), text)
    text = _DOOR.sub(lambda m: _stars(m.group(1)), text)
    for name in names:
        if name and len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


def mask_event(row: dict) -> dict:
    """Return a copy of an event row (a dict) with its personal data masked."""
    masked = dict(row)
    names = tuple(n for n in (row.get("caller_name"),) if isinstance(n, str))
    if "caller_name" in masked:
        masked["caller_name"] = mask_name(masked["caller_name"])
    if "caller_phone" in masked:
        masked["caller_phone"] = mask_phone(masked["caller_phone"])
    for column in TEXT_COLUMNS:
        if column in masked and isinstance(masked[column], str):
            masked[column] = mask_text(masked[column], names)
    return masked


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of an event frame with its personal data masked, as :func:`mask_event` masks
    each row: column by column (a frame of rows rebuilt from dicts costs more than the masking);
    a description is masked with its own row's caller name."""
    if frame.empty:
        return frame.copy()
    names = frame["caller_name"].tolist() if "caller_name" in frame else [None] * len(frame)
    columns = {"caller_name": lambda values: [mask_name(v) for v in values],
               "caller_phone": lambda values: [mask_phone(v) for v in values]}
    for column in TEXT_COLUMNS:
        columns[column] = lambda values: [mask_text(v, (n,) if isinstance(n, str) else ()) if isinstance(v, str) else v
                                          for v, n in zip(values, names)]
    out = frame.reset_index(drop=True)
    for column in out.columns.intersection(list(columns)):
        out[column] = columns[column](out[column].tolist())
    return out
