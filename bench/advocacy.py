"""Advocacy: the time to render a long brief in each language, and the public pages under load.

1. In-process: a scratch SQLite database (bench/settings.py) gets eight years of documented
   executions from two sources, other organisations' published figures, 60 asylum cases with
   their histories, and the association's year (rally, demands, meeting). One brief over the
   eight years is generated (six charts; its monthly table makes it about ten A4 pages), then
   rendered to PDF in English, French, Dutch and Persian, three times each; the best and the
   median time per language are printed with the page count. Target: under 10 s a language.
2. Over HTTP: gunicorn on 127.0.0.1 serves the public event page (Persian), the demands'
   progress page (French) and a static file (advocacy.css, through WhiteNoise) to 1, 4 and 16
   concurrent clients, a bounded number of requests each; requests per second and p50/p95
   latency are printed side by side.

    .venv/bin/python bench/advocacy.py [--requests 400] [--cap 15]

It stops by itself, removes its scratch folder and stops gunicorn. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "fr", "nl", "fa")
TARGET_SECONDS = 10.0
LEVELS = (1, 4, 16)


def seed() -> dict:
    """The organisation's records; returns the paths and the brief the benchmark uses."""
    import random

    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    from bench.pages import EMAIL
    from panah.advocacy import briefs
    from panah.advocacy.tests.scenario import document_executions, typical_year
    from panah.cases.demo import create_demo_cases
    from panah.core.models import Organisation, User
    from panah.evidence.services import seed_published_figures
    from panah.people.demo import create_demo_people

    with scopes_disabled():
        organisation = Organisation.objects.get()
        coordinator = User.objects.get(email=EMAIL)
    rng = random.Random(2026)
    today = timezone.localdate()
    first = dt.date(today.year - 7, 1, 1)
    with scope(organisation=organisation):
        days: dict[dt.date, int] = {}
        day = first
        while day < today:
            days[day] = rng.randint(0, 3)  # about 300 a year, unevenly
            day += dt.timedelta(days=3)
        document_executions(organisation, days)
        seed_published_figures(organisation=organisation, by=coordinator)
        people = create_demo_people(organisation, 60)
        create_demo_cases(organisation, people, [coordinator])
        year = typical_year(organisation, coordinator)
        brief = briefs.generate_brief(
            organisation=organisation, by=coordinator, title="Executions in Iran and refugees",
            audience="the minister's adviser", start=first, end=today - dt.timedelta(days=1),
            meeting=year.meeting,
        )  # fmt: skip
    return {
        "slug": organisation.slug,
        "event": str(year.rally.pk),
        "brief": brief,
        "organisation": organisation,
    }


def page_count(path: Path) -> int:
    """Pages of a PDF, through pdfinfo (poppler-utils); 0 when it is not installed."""
    import subprocess

    try:
        out = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, check=True, timeout=30
        ).stdout.decode(errors="replace")
    except (OSError, subprocess.SubprocessError):
        return 0
    return next((int(line.split()[1]) for line in out.splitlines() if line.startswith("Pages:")), 0)


def time_pdfs(brief, organisation, rounds: int) -> list[tuple[str, float, float, int, int]]:
    """(language, best s, median s, pages, charts) per language."""
    from django_scopes import scope

    from panah.advocacy.rendering import brief_context, brief_pdf_bytes

    rows = []
    with scope(organisation=organisation):
        charts = len(brief_context(brief)["charts"])
        for language in LANGUAGES:
            times, pdf = [], b""
            for _ in range(rounds):
                start = time.perf_counter()
                pdf = brief_pdf_bytes(brief, language)
                times.append(time.perf_counter() - start)
            path = Path(os.environ["PANAH_VAR_DIR"], f"brief-{language}.pdf")
            path.write_bytes(pdf)
            if os.environ.get("PANAH_BENCH_KEEP_PDFS"):
                shutil.copy(path, os.environ["PANAH_BENCH_KEEP_PDFS"])
            rows.append((language, min(times), statistics.median(times), page_count(path), charts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="per page and level")
    parser.add_argument("--cap", type=float, default=15.0, help="seconds per page and level")
    parser.add_argument("--rounds", type=int, default=3, help="PDF renderings per language")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="panah-bench-advocacy-"))
    env = {k: v for k, v in os.environ.items() if k != "PANAH_DATABASE_URL"}
    env.update(
        PANAH_VAR_DIR=str(var_dir),
        PANAH_MODE="demo",
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    os.environ.update(env)
    os.environ.pop("PANAH_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))

    from bench.pages import free_port, load, merge, prepare, start_gunicorn, stop

    server = None
    try:
        print(f"Preparing a scratch database in {var_dir} ...", flush=True)
        prepare()
        started = time.perf_counter()
        data = seed()
        print(f"Seeded in {time.perf_counter() - started:.1f} s.", flush=True)
        pdf_rows = time_pdfs(data["brief"], data["organisation"], args.rounds)
        views = (
            ("static file", "/static/advocacy/advocacy.css", b"logical properties"),
            ("event page (fa)", f"/e/{data['slug']}/events/{data['event']}/?lang=fa", b"<h1>"),
            ("demands page (fr)", f"/e/{data['slug']}/demands/?lang=fr", b"<h1>"),
        )
        port = free_port()
        print(f"Starting gunicorn on 127.0.0.1:{port} ...", flush=True)
        server = start_gunicorn(port, env, args.workers, args.threads)
        rows = []
        for clients in LEVELS:
            print(f"  {clients:>2} concurrent clients ...", flush=True)
            results = {name: [] for name, *_ in views}
            for _ in range(2):  # halves, alternated, so a neighbour's load hits all alike
                for name, path, check in views:
                    results[name].append(
                        load(
                            server.pid,
                            port,
                            path,
                            {},
                            clients,
                            args.requests // 2,
                            args.cap / 2,
                            check,
                        )  # fmt: skip
                    )
            rows.append((clients, {name: merge(parts) for name, parts in results.items()}))
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(var_dir, ignore_errors=True)

    print()
    print("Brief PDF rendering (WeasyPrint, in process; taken on a shared machine)")
    print(
        f"{'language':>8} | {'best s':>7} | {'median s':>8} | {'pages':>5} | {'charts':>6} | target"
    )
    for language, best, median, pages, charts in pdf_rows:
        verdict = "ok" if median < TARGET_SECONDS else "SLOW"
        print(f"{language:>8} | {best:7.2f} | {median:8.2f} | {pages:>5} | {charts:>6} | "
              f"< {TARGET_SECONDS:.0f} s {verdict}")  # fmt: skip
    print()
    print("Public pages under gunicorn on loopback, anonymous visitors")
    names = [name for name, *_ in views]
    print(f"{'clients':>7} | " + " | ".join(f"{n:^27}" for n in names) + " | errors")
    print(f"{'':>7} | " + " | ".join(f"{'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}" for _ in names))
    for clients, merged in rows:
        cells = []
        errors = 0
        for name in names:
            r = merged[name]
            lat = sorted(r.latencies) or [float("nan")]
            p50 = lat[len(lat) // 2] * 1000
            p95 = lat[min(len(lat) - 1, int(0.95 * (len(lat) - 1)))] * 1000
            cells.append(f"{r.count / r.seconds if r.seconds else 0:7.0f} {p50:8.1f} {p95:8.1f}")
            errors += r.errors
        print(f"{clients:>7} | " + " | ".join(cells) + f" | {errors}")


if __name__ == "__main__":
    main()
