"""Take a screenshot of a page of the running product, for the documentation.

    python scripts/screenshot.py --db var/city.duckdb --at 2026-11-20T15:30 --out docs/images/overview.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import chromium_page, running_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--at", default=None, help="freeze the page at this instant")
    parser.add_argument("--path", default="/")
    parser.add_argument("--language", choices=("zh", "en"), default="zh")
    parser.add_argument("--out", required=True)
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    extra = ("--at", args.at) if args.at else ("--no-simulator",)
    with running_server(Path(args.db).resolve(), *extra) as url, chromium_page((width, height)) as (page, watch):
        page.goto(url + args.path)
        if args.language == "en":
            page.click("#lang-en")
        page.wait_for_selector(".js-plotly-plot canvas, .js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_timeout(2500)          # MapLibre draws in a worker after the DOM is ready
        page.screenshot(path=args.out, full_page=True)
    print(f"wrote {args.out}; console errors: {len(watch.errors)}; outside requests: {len(watch.outside_requests)}")
    return 0 if not watch.errors and not watch.outside_requests else 1


if __name__ == "__main__":
    sys.exit(main())
