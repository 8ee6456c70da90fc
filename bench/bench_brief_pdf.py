"""The briefs' PDF engines side by side: WeasyPrint (what reporting/render.py uses) and headless
Chromium printing the same HTML, for a brief of each period kind given, with the fonts each embeds.

    python bench/bench_brief_pdf.py --db var/city.duckdb --periods 2026-11-19 2026-W46 2026-10 [--repeat 3]

Prints seconds per run, pages and Type 3 fonts (no assertions: figures for docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import db  # noqa: E402
from data.clock import DEFAULT_TZ  # noqa: E402
from reporting.archive import load_engine  # noqa: E402
from reporting.area import resolve_area  # noqa: E402
from reporting.document import build_document  # noqa: E402
from reporting.render import html_to_pdf, render_html  # noqa: E402
from reporting.span import brief_span, first_data_s, parse_period  # noqa: E402

CHROMIUM = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]


def _seconds(step) -> tuple[object, float]:
    started = time.perf_counter()
    result = step()
    return result, round(time.perf_counter() - started, 2)


def _chromium(html: str, folder: Path) -> bytes:
    source, target = folder / "b.html", folder / "b.pdf"
    source.write_text(html, encoding="utf-8")
    subprocess.run([*CHROMIUM, f"--user-data-dir={folder}/profile", f"--print-to-pdf={target}", source.as_uri()],
                   capture_output=True, check=False)
    return target.read_bytes()


def _facts(pdf: bytes, folder: Path) -> dict:
    path = folder / "facts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return {"pages": int(info.split("Pages:")[1].split()[0]), "type3_fonts": fonts.count("Type 3"),
            "cjk_fonts": sum(1 for line in fonts.splitlines() if "CJK" in line)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--periods", nargs="+", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    until = int(db.get_setting(con, "data.until_s") or time.time())
    engine, city = load_engine(con, tz), resolve_area(con, None)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        folder = Path(tmp)
        for key in args.periods:
            span = brief_span(parse_period(key), tz, until, first_data_s(con))
            doc, build_s = _seconds(lambda: build_document(con, span, city, engine))
            html = render_html(doc, "zh")
            weasy = [_seconds(lambda: html_to_pdf(html)) for _ in range(args.repeat)]
            chrome = [_seconds(lambda: _chromium(html, folder)) for _ in range(args.repeat)]
            rows.append({"period": key, "build_s": build_s,
                         "weasyprint_s": [s for _, s in weasy], "weasyprint": _facts(weasy[-1][0], folder),
                         "chromium_s": [s for _, s in chrome], "chromium": _facts(chrome[-1][0], folder)})
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
