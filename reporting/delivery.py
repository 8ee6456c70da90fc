"""Pushing briefs to the groups leaders read (WeCom and DingTalk robots, or any JSON receiver)
through the notification outbox (data/outbox.py): a message is queued once per brief and group
(its dedupe key names both) and the outbox's sender delivers it, retrying what failed.

The groups are the setting ``report_push`` (data/settings.py; stored key ``report.push``), a JSON list:

    [{"name": "leaders", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…", "format": "wecom",
      "briefs": [{"kind": "day"}, {"kind": "month", "area": "320102", "lang": "zh"}]}]

Each message carries the brief's summary (title, headline, matters needing attention) and a signed
link to its phone page and PDF (reporting/links.py) on the server's address as leaders reach it,
the setting ``public_url``; links open for ``report_link_days`` days (default 7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from data import outbox, settings
from data.delivery import FORMATS, OutboxSender, Receiver
from reporting.archive import reports_dir
from reporting.headline import headline
from reporting.labels import label
from reporting.links import BriefLink, link_secret, sign
from reporting.render import title
from reporting.span import BRIEF_KINDS

TOPIC = "brief"
RECEIVER_PREFIX = "brief:"       # the outbox receivers of brief groups, apart from alert webhooks
MAX_ATTENTION = 5


@dataclass(frozen=True)
class BriefOrder:
    """One brief a group receives every time a period of its kind ends."""

    kind: str
    area: str = ""
    lang: str = "zh"


@dataclass(frozen=True)
class PushGroup:
    """A group chat's robot and the briefs it receives."""

    name: str
    url: str
    format: str
    briefs: tuple[BriefOrder, ...]

    @property
    def receiver(self) -> Receiver:
        """Return the outbox receiver of the group."""
        return Receiver(RECEIVER_PREFIX + self.name, self.url, self.format, (TOPIC,))


def parse_groups(text: str | None) -> tuple[PushGroup, ...]:
    """Return the groups of the setting's JSON; ValueError naming every bad entry."""
    if not text:
        return ()
    problems, groups = [], []
    for n, entry in enumerate(json.loads(text), 1):
        try:
            orders = tuple(BriefOrder(str(b["kind"]), str(b.get("area") or ""), str(b.get("lang") or "zh"))
                           for b in entry["briefs"])
            group = PushGroup(str(entry["name"]), str(entry["url"]), str(entry.get("format", "json")), orders)
        except (KeyError, TypeError) as exc:
            problems.append(f"group {n}: missing {exc}")
            continue
        if group.format not in FORMATS:
            problems.append(f"{group.name}: format must be one of {FORMATS}")
        problems += [f"{group.name}: kind {o.kind!r} is not one of {tuple(map(str, BRIEF_KINDS))}"
                     for o in orders if o.kind not in BRIEF_KINDS]
        problems += [f"{group.name}: lang {o.lang!r} is not zh or en" for o in orders if o.lang not in ("zh", "en")]
        groups.append(group)
    if problems:
        raise ValueError("report.push: " + "; ".join(problems))
    return tuple(groups)


def push_groups(con) -> tuple[PushGroup, ...]:
    """Return the configured groups (setting report.push)."""
    return parse_groups(settings.resolve("report_push", con=con))


def link_url(con, period: str, area: str, lang: str, now_s: float, base_url: str | None = None,
             days: int | None = None) -> str:
    """Return a signed link to the phone page of one brief; ValueError without the server's address."""
    base = base_url or settings.resolve("public_url", con=con)
    if not base:
        raise ValueError("public_url (report.public_url): set the server's address as leaders reach it to send links")
    days = days or settings.resolve("report_link_days", con=con)
    token = sign(BriefLink(period, area, lang, int(now_s + days * 86_400)), link_secret(reports_dir(con)))
    return f"{base.rstrip('/')}/brief/{token}"


def summary_text(document, language: str, url: str) -> str:
    """Return the group message: title and period, headline, matters needing attention, links."""
    brief = document.brief
    lines = [f"【{title(brief, language)}】{brief.span.period.label(language)}" if language == "zh"
             else f"[{title(brief, language)}] {brief.span.period.label(language)}", headline(brief, language)]
    if brief.attention:
        lines.append(label("attention", language) + ("：" if language == "zh" else ":"))
        lines += [f"{n}. {item.text(language)}" for n, item in enumerate(brief.attention[:MAX_ATTENTION], 1)]
    lines += [url, f"PDF: {url}.pdf"]
    return "\n".join(lines)


def dedupe_key(period, order: BriefOrder) -> str:
    """Return the key that makes a brief's message to a group unique (period, area, language)."""
    return f"{period}@{order.area}.{order.lang}"


def is_queued(con, group: PushGroup, period, order: BriefOrder) -> bool:
    """Return True when the brief's message to the group is already in the outbox (any status)."""
    return con.execute("SELECT count(*) FROM outbox WHERE topic = ? AND receiver = ? AND dedupe_key = ?",
                       [TOPIC, group.receiver.name, dedupe_key(period, order)]).fetchone()[0] > 0


def queue_brief(con, document, group: PushGroup, order: BriefOrder, now_s: float) -> int:
    """Queue one brief for one group (once: the dedupe key names the brief and its language)."""
    period = str(document.brief.span.period)
    url = link_url(con, period, order.area, order.lang, now_s)
    body = {"text": summary_text(document, order.lang, url), "period": period, "area": order.area,
            "lang": order.lang, "link": url, "pdf": f"{url}.pdf"}
    return outbox.queue_message(con, topic=TOPIC, receiver=group.receiver.name, body=body,
                                dedupe_key=dedupe_key(period, order))


def start_brief_sender(con, groups: tuple[PushGroup, ...], poll_s: float = 5.0) -> OutboxSender | None:
    """Start the outbox sender of the brief groups (None when there are none)."""
    if not groups:
        return None
    sender = OutboxSender(con, {g.receiver.name: g.receiver for g in groups}, poll_s=poll_s)
    sender.start()
    return sender
