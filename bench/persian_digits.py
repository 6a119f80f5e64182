"""What writing a Persian page's numbers in Persian digits costs (core.persian, applied to every
Persian HTML response by PersianDigitsMiddleware).

Builds pages like the case list and deadlines page (rows of names, dates in both calendars,
counts, codes marked translate="no", an SVG chart) of about 20 KB, 100 KB and 500 KB, and prints
the median time of the rewrite per page and per 100 KB. Aim: under 5 ms for a 100 KB page (a
signed-in page's p95 target under load is 150 ms). Measured on the loaded shared machine:
about 10.5 ms per 100 KB of these digit-dense rows, 2.9 ms for a 26 KB page: the aim is not met
yet (the cost is one Python call per digit run and per tag holding a digit).

Run with `.venv/bin/python bench/persian_digits.py`. In-process; nothing is written.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panah.settings")
os.environ.setdefault("PANAH_MODE", "demo")

import django  # noqa: E402

django.setup()

from panah.core import charts  # noqa: E402
from panah.core.persian import html_in_persian_digits  # noqa: E402

ROW = (
    '<li class="binding soon"><a class="case-link" href="/cases/5155b0d0-1c2d-4e5f-8a9b-{n:012d}/">'
    '<span class="person-name"><bdi lang="fa" dir="rtl">نرگس حسینی</bdi> · <bdi dir="ltr">Narges '
    'Hosseini</bdi></span></a><div class="meta">درخواست نخست · <bdi dir="ltr" translate="no">'
    'CGRS 24/{n}</bdi></div><div><span class="due soon">اعتراض: <time datetime="2026-12-31">'
    '<span class="jalali">۱۰ دی ۱۴۰۵</span> <bdi class="gregorian">(31 دسامبر 2026)</bdi></time>'
    " (in {n} days, 45%)</span></div></li>\n"
)


def page(kilobytes: int) -> str:
    chart = str(charts.bar_chart([f"2026-{m:02d}" for m in range(1, 13)], list(range(12)),
                                 title="t", desc="d"))  # fmt: skip
    rows, n = [], 0
    while sum(len(r) for r in rows) < kilobytes * 1024:
        rows.append(ROW.format(n=n))
        n += 1
    return f'<html dir="rtl"><body><main>{chart}<ul>{"".join(rows)}</ul></main></body></html>'


def main() -> None:
    print("Persian digits over a page (median of 30 runs, one thread):")
    for size in (20, 100, 500):
        html = page(size)
        times = []
        for _ in range(30):
            start = time.perf_counter()
            html_in_persian_digits(html)
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1000
        kb = len(html.encode()) / 1024
        print(f"  {kb:6.0f} KB page: {median:6.2f} ms ({median * 100 / kb:5.2f} ms per 100 KB)")


if __name__ == "__main__":
    main()
