"""A sender process for the kill -9 drill: ``python -m tests.data.outbox_child DB URL`` sends until killed,
printing ``drained`` once every message is sent."""

from __future__ import annotations

import sys
import time

from data import db
from data.delivery import OutboxSender, Receiver


def main(path: str, url: str) -> None:
    con = db.open_store(path)
    OutboxSender(con, {"hook": Receiver("hook", url)}, poll_s=0.2, timeout_s=60).start()
    print("started", flush=True)
    cursor = con.cursor()
    while cursor.execute("SELECT count(*) FROM outbox WHERE status <> 'sent'").fetchone()[0]:
        time.sleep(0.05)
    print("drained", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    main(*sys.argv[1:3])
