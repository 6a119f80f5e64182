"""Where a page of bench/load.py's mix spends its CPU, in-process, on the seeded coalition.

Copies the seeded template of bench/load.py (run that once first) to a database of its own,
then requests each page of the load's mix with Django's test client as the members who ask
for it (signed in, second factor passed), in production mode as gunicorn serves it. Prints per
page: the Python CPU per request, PostgreSQL's CPU per request (its backend process, same
machine), the queries and their time. `--profile PAGE` prints cProfile's heaviest functions for
that page; `--explain PAGE` runs EXPLAIN ANALYZE on that page's slowest queries.

    .venv/bin/python bench/load_pages.py [--repeat 20] [--profile deadlines] [--explain statistics]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 (the seeded instance's helpers live beside this script)


def pages(meta: dict, rng: random.Random) -> list[tuple[str, str, str, str, dict | None]]:
    """(page, role index, method, path, form) for every page of the load's mix."""
    caseworker_cases = [c for c in meta["cases"] if c[2] == 0]
    case, person = caseworker_cases[0][:2]
    any_case, any_person = rng.choice(meta["cases"])[:2]
    first, last = meta["reports"]
    return [
        ("dashboard (caseworker)", "caseworker", "GET", "/", None),
        ("my cases", "caseworker", "GET", "/cases/", None),
        ("my cases p.7", "caseworker", "GET", "/cases/?page=7", None),
        ("case page", "caseworker", "GET", f"/cases/{case}/", None),
        ("deadlines (mine)", "caseworker", "GET", "/cases/deadlines/", None),
        ("person page", "caseworker", "GET", f"/people/{person}/", None),
        ("add note", "caseworker", "POST", f"/cases/{case}/notes/", {"text": "Phoned."}),
        ("dashboard (coordinator)", "coordinator", "GET", "/", None),
        ("deadlines (all)", "coordinator", "GET", "/cases/deadlines/", None),
        ("statistics", "coordinator", "GET", "/cases/statistics/", None),
        ("case page (coord.)", "coordinator", "GET", f"/cases/{any_case}/", None),
        ("people search", "coordinator", "GET", "/people/?q=Karimi", None),
        ("person page (coord.)", "coordinator", "GET", f"/people/{any_person}/", None),
        ("dashboard (researcher)", "researcher", "GET", "/", None),
        ("reports", "researcher", "GET", "/evidence/", None),
        ("reports p.150", "researcher", "GET", "/evidence/?page=150", None),
        ("report page", "researcher", "GET", f"/evidence/reports/{(first + last) // 2}/", None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", action="append", default=[], help="pages whose name has this")
    parser.add_argument("--profile", help="cProfile this page (its name, or part of it)")
    parser.add_argument("--explain", help="EXPLAIN ANALYZE this page's slowest queries")
    parser.add_argument("--queries", help="list this page's queries (the start of each)")
    parser.add_argument("--cache-dir", default="/var/tmp/panah-load")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/panah_load_pages"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the copy made by the last run")
    args = parser.parse_args()
    args.users, args.people, args.cases, args.reports = 100, 20_000, 50_000, 100_000
    args.reseed = False
    env = {
        "PANAH_MODE": "production", "PANAH_ALLOWED_HOSTS": "127.0.0.1",
        "PANAH_LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "panah.settings",
    }  # fmt: skip
    base = {**{k: v for k, v in os.environ.items() if not k.startswith("PANAH_")}, **env}
    signature = load.seed_signature(args)
    cache = Path(args.cache_dir) / signature
    if args.keep:
        meta = json.loads((cache / "instance.json").read_text())
    else:
        meta, cache = load.prepare(args, {**base, "PYTHONPATH": str(ROOT)})
    os.environ.update(env, PANAH_SECRET_KEY=meta["secret_key"],
                      PANAH_DATABASE_URL=args.database_url, **load._var_env(cache))  # fmt: skip
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scopes_disabled

    from panah.core.models import AuthenticatorDevice, User

    clients = {}
    for role in ("caseworker", "coordinator", "researcher"):
        with scopes_disabled():
            user = User.objects.get(email=meta["roster"][role][0]["email"])
            device = AuthenticatorDevice.objects.get(user=user)
        client = Client(HTTP_X_FORWARDED_PROTO="https", SERVER_NAME="127.0.0.1")
        client.force_login(user, backend="panah.core.backends.ModelBackend")
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        clients[role] = client

    connection.ensure_connection()
    backend = connection.cursor().connection.info.backend_pid
    print(f"{'page':<24} {'status':>6} {'py ms':>7} {'pg ms':>7} {'queries':>7} {'q ms':>7}")
    for name, role, method, path, form in pages(meta, random.Random(5)):
        if args.only and not any(o in name for o in args.only):
            continue
        client = clients[role]

        def once(client=client, method=method, path=path, form=form):
            if method == "GET":
                return client.get(path, secure=True)
            return client.post(path, form, secure=True)

        for _ in range(2):
            response = once()
        cpu, pg, queries, query_ms = 0.0, 0.0, 0, 0.0
        for _ in range(args.repeat):
            pg_start, started = load.process_cpu(backend), time.process_time()
            with CaptureQueriesContext(connection) as captured:
                response = once()
            cpu += time.process_time() - started
            pg += load.process_cpu(backend) - pg_start
            queries += len(captured.captured_queries)
            query_ms += sum(float(q["time"]) for q in captured.captured_queries) * 1000
        n = args.repeat
        print(f"{name:<24} {response.status_code:>6} {cpu / n * 1000:>7.1f} {pg / n * 1000:>7.1f} "
              f"{queries / n:>7.1f} {query_ms / n:>7.1f}", flush=True)  # fmt: skip
        if args.profile and args.profile in name:
            profile = cProfile.Profile(time.process_time)  # CPU, not waiting
            profile.enable()
            for _ in range(5):
                once()
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(
                int(os.environ.get("TOP", "45"))
            )
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        if args.queries and args.queries in name:
            with CaptureQueriesContext(connection) as captured:
                once()
            for query in captured.captured_queries:
                print(f"  {float(query['time']) * 1000:5.1f} ms  {query['sql'][:160]}")
        if args.explain and args.explain in name:
            with CaptureQueriesContext(connection) as captured:
                once()
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]
            for query in slowest:
                print(f"\n-- {float(query['time']) * 1000:.1f} ms: {query['sql'][:1500]}")
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                        print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
