"""Casework at scale: 100,000 people and cases in a throwaway SQLite database.

Prints:
- the queries of "my cases", the deadlines view and a case page (and the coordinator's lists of
  every case and deadline): how many, and how long they take, in this process;
- under gunicorn (bench/pages.py's server and client; the pages go through every middleware,
  the session, the second factor and the organisation scope), the throughput, p95 latency and
  server CPU per request of those three pages beside a bare view on the same server, as plain
  measurements (the old ratio target is retired: docs/performance.md), as members get them
  (kept rendered until the organisation's next write, core.pagecache; a case page is still
  authorised and its reading audited every time), and then drawn afresh on every request, as
  the first visit after a change is;
- the import of 10,000 spreadsheet rows (people and cases, through the services), in rows/s;
- the waiting-time statistics over 100,000 cases (target: under 2 s), and the statistics page.

Run: `.venv/bin/python bench/casework.py [--people 100000] [--requests 200] [--skip-pages]`
(`--skip-pages` leaves out the throughput, not the statistics page; `--import-rows 0` the import). It uses its own scratch
folder (removed at the end) and never touches var/. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_STATS_SECONDS = 2.0


def setup(var_dir: Path) -> None:
    os.environ.update(
        PANAH_VAR_DIR=str(var_dir), PANAH_MODE="demo", DJANGO_SETTINGS_MODULE="bench.settings"
    )
    os.environ.pop("PANAH_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def step(message: str):
    print(message, end=" ... ", flush=True)
    return time.perf_counter()


def done(started: float, extra: str = "") -> None:
    print(f"{time.perf_counter() - started:.1f} s{extra}", flush=True)


def populate(n: int):
    """An organisation, 50 caseworkers, a coordinator, and n people each with a case."""
    from django_scopes import scopes_disabled

    from panah.cases.procedure import shipped_table
    from panah.core import services as core_services
    from panah.core.models import AuthenticatorDevice, Membership, Role, RoleGrant, User

    rng = random.Random(7)
    today = dt.date.today()
    table = shipped_table()
    appeal_rule = next(r for r in table.deadlines if r.code == "call_appeal")
    indicative = next(r for r in table.deadlines if r.code == "cgrs_indicative_decision")
    with scopes_disabled():
        admin = User.objects.create_user("bench-coordinator@example.invalid", "x" * 16,
                                         display_name="Coordinator")  # fmt: skip
        org = core_services.create_organisation(name="Bench casework", founder=admin)
        RoleGrant.objects.create(
            membership=Membership.objects.get(user=admin), organisation=org, role=Role.COORDINATOR
        )
        workers = []
        for k in range(50):
            user = User.objects.create_user(f"cw{k}@example.invalid", None, display_name=f"CW {k}")
            membership = Membership.objects.create(organisation=org, user=user)
            RoleGrant.objects.create(membership=membership, organisation=org, role=Role.CASEWORKER)
            workers.append(user)
        for user in [admin, workers[0]]:
            AuthenticatorDevice.objects.create(user=user, name="bench", confirmed=True)

    # Bulk loading only: the active organisation key is looked up once, not once per person
    # (the measured import below goes through the services unchanged).
    from panah.core.crypto import keys

    real_active_key = keys.active_organisation_key
    org_key = real_active_key(org.pk)
    keys.active_organisation_key = lambda organisation_id: org_key
    try:
        return _populate(org, admin, workers, n, rng, today, table, appeal_rule, indicative)
    finally:
        keys.active_organisation_key = real_active_key


def _populate(org, admin, workers, n, rng, today, table, appeal_rule, indicative):
    from django_scopes import scope

    from panah.cases.models import Case, CaseAssignment, CaseStep, Deadline
    from panah.cases.procedure import due_date
    from panah.cases.ruletable import table_label
    from panah.people.demo import FAMILY_NAMES, MALE_NAMES
    from panah.people.models import Person

    with scope(organisation=org):
        started = step(
            f"Creating {n:,} people (each with its own wrapped data key, names encrypted)"
        )
        batch = 2000
        person_ids = []
        for start in range(0, n, batch):
            rows = []
            for _ in range(min(batch, n - start)):
                given, family = rng.choice(MALE_NAMES), rng.choice(FAMILY_NAMES)
                rows.append(
                    Person(
                        organisation=org,
                        given_name_fa=given[0],
                        family_name_fa=family[0],
                        given_name_latin=given[1],
                        family_name_latin=family[1],
                        nationality="Iranian",
                    )
                )
            Person.objects.bulk_create(rows)
            person_ids.extend(p.pk for p in rows)
        done(started)

        started = step(f"Creating {n:,} cases with steps, deadlines and assignments")
        label = table_label(table)
        nationalities = ["Iranian"] * 6 + ["Afghan"] * 3 + ["Iraqi", "Syrian", "Eritrean"]
        for start in range(0, n, batch):
            cases, steps, deadlines, assignments = [], [], [], []
            for pid in person_ids[start : start + batch]:
                registered = today - dt.timedelta(days=rng.randint(5, 1100))
                waited = int(rng.expovariate(1 / 330))
                decided = registered + dt.timedelta(days=waited)
                decided_on = decided if decided < today else None
                procedure = rng.choices(["first", "subsequent", "dublin"], [80, 14, 6])[0]
                case = Case(
                    organisation=org,
                    person_id=pid,
                    procedure=procedure,
                    current_procedure=procedure,
                    registered_on=registered,
                    rule_table=label,
                    nationality=rng.choice(nationalities),
                    stage="cgrs_decision" if decided_on else "application_lodged",
                    first_decision_on=decided_on,
                )
                cases.append(case)
                lodged = CaseStep(
                    organisation=org, case=case, sequence=1, code="application_lodged",
                    occurred_on=registered,
                )  # fmt: skip
                steps.append(lodged)
                if decided_on:
                    decision = CaseStep(
                        organisation=org, case=case, sequence=2, code="cgrs_decision",
                        outcome="refusal", occurred_on=decided_on,
                        notification_mode="hand_delivery", sent_on=decided_on,
                        notified_on=decided_on,
                    )  # fmt: skip
                    steps.append(decision)
                    due = due_date(decided_on, appeal_rule)
                    if due >= today - dt.timedelta(days=20):
                        case.next_binding_due, case.next_binding_rule = due, "call_appeal"
                        deadlines.append(
                            Deadline(
                                organisation=org,
                                case=case,
                                rule_code="call_appeal",
                                due_on=due,
                                starts_after=decided_on,
                                binding=True,
                                party="applicant",
                                legal_source=appeal_rule.source,
                                opened_by=decision,
                            )  # fmt: skip
                        )
                else:
                    deadlines.append(
                        Deadline(
                            organisation=org,
                            case=case,
                            rule_code=indicative.code,
                            due_on=due_date(registered, indicative),
                            starts_after=registered,
                            binding=False,
                            party="authority",
                            legal_source=indicative.source,
                            opened_by=lodged,
                        )  # fmt: skip
                    )
                assignments.append(
                    CaseAssignment(organisation=org, case=case, user=rng.choice(workers[1:]))
                )
            Case.objects.bulk_create(cases)
            CaseStep.objects.bulk_create(steps)
            Deadline.objects.bulk_create(deadlines)
            CaseAssignment.objects.bulk_create(assignments)
        done(started)
    return org, admin, workers


def give_caseworker_cases(org, worker, count: int = 40):
    """The measured caseworker follows `count` cases with live histories (through the services)."""
    from django_scopes import scope

    from panah.cases import services
    from panah.cases.models import Case, CaseAssignment

    today = dt.date.today()
    with scope(organisation=org):
        cases = list(
            Case.objects.filter(
                first_decision_on__isnull=True,
                ended=False,
                procedure="first",
                registered_on__lte=today - dt.timedelta(days=60),
            )[:count]
        )
        CaseAssignment.objects.filter(case__in=cases).delete()
        for i, case in enumerate(cases):
            CaseAssignment.objects.create(organisation=org, case=case, user=worker)
            services.refresh_case(case)
            services.record_step(
                case=case,
                by=worker,
                step=services.StepInput(
                    "cgrs_decision", today - dt.timedelta(days=i % 35), outcome="refusal",
                    notification_mode="hand_delivery",
                ),
            )  # fmt: skip
            services.add_note(case=case, text="Spoke with the lawyer.", by=worker)
        return cases[0]


def client_for(user):
    from django.test import Client

    from panah.core.models import AuthenticatorDevice

    client = Client()
    client.force_login(user, backend="panah.core.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = AuthenticatorDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def session_cookies(user) -> dict[str, str]:
    """A signed-in session (second factor passed) stored in the scratch database."""
    from django.conf import settings

    client = client_for(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def measure_pages(
    var_dir: Path, admin, worker, case, requests: int, workers: int, *, throughput: bool = True
) -> None:
    """Under gunicorn (as bench/pages.py): each page against /bare/ on the same server, then
    the statistics page (only that with `throughput=False`)."""
    from bench.pages import free_port, start_gunicorn, stop

    cookies = session_cookies(worker)
    env = {k: v for k, v in os.environ.items() if k != "PANAH_DATABASE_URL"}
    env.update(
        PANAH_VAR_DIR=str(var_dir),
        PANAH_MODE="demo",
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    pages = [
        ("my cases", "/cases/", b"case-link"),
        ("deadlines", "/cases/deadlines/", b"Legal source"),
        ("case page", f"/cases/{case.pk}/", b"Open deadlines"),
    ]
    # Twice: as members get them (pages kept rendered until a write, core.pagecache), and with
    # every page drawn afresh, which is what the first visit after a change costs.
    for kept in (True, False) if throughput else (True,):
        env["PANAH_BENCH_KEEP_PAGES"] = "1" if kept else "0"
        port = free_port()
        server = start_gunicorn(port, env, workers, 4)
        try:
            if throughput:
                _page_throughput(server, port, cookies, pages, requests, workers, kept=kept)
            if kept:
                _statistics_page(port, admin)
        finally:
            stop(server)


def _page_throughput(server, port, cookies, pages, requests: int, workers: int, *, kept: bool):
    from bench.pages import load, merge

    how = "kept rendered (as served)" if kept else "drawn afresh every time"
    print(f"\nPages {how}, under gunicorn ({workers} workers x 4 threads), {requests} requests "
          "per view and level, alternating with /bare/:")  # fmt: skip
    print(f"  {'view':<10} {'clients':>7} {'req/s':>7} {'p95 ms':>7} {'cpu ms':>6} "
          f"{'bare req/s':>10} {'cpu ms':>6} {'signed-in bare':>14}")  # fmt: skip
    for name, path, check in pages:
        for clients in (1, 4):
            bare, signed, page = [], [], []
            for _ in range(2):
                half = requests // 2
                bare.append(load(server.pid, port, "/bare/", {}, clients, half, 30, b"ok"))
                signed.append(load(server.pid, port, "/bare/", cookies, clients, half, 30, b"ok"))
                page.append(load(server.pid, port, path, cookies, clients, half, 60, check))
            b, sb, p = merge(bare), merge(signed), merge(page)
            if p.errors:
                raise SystemExit(f"{path}: {p.errors} requests failed")
            print(f"  {name:<10} {clients:>7} {p.rps:>7.1f} {p.p95_ms:>7.1f} {p.cpu_ms:>6.2f} "
                  f"{b.rps:>10.1f} {b.cpu_ms:>6.2f} {sb.rps:>14.1f}")  # fmt: skip


def _statistics_page(port: int, admin) -> None:
    from bench.pages import Client

    # Three requests one after the other: the first one a worker serves also pays for its
    # first imports (statsmodels), so each is printed rather than one hiding the other.
    client, timings = Client(port, session_cookies(admin)), []
    for _ in range(3):
        started = time.perf_counter()
        status, headers, body = client.request("GET", "/cases/statistics/")
        if status != 200:
            print(f"  statistics page: HTTP {status} {headers.get('Location', '')}")
            return
        timings.append(time.perf_counter() - started)
    print(f"  statistics page (coordinator, {body.count(b'<svg')} SVG charts, 3 requests in "
          f"turn): {', '.join(f'{t:.2f}' for t in timings)} s")  # fmt: skip


def measure_queries(admin, worker, case) -> None:
    """In this process (Django's test client, no server): how many queries each page makes and
    how long it takes, drawn afresh and served as kept (core.pagecache); neither may grow with
    the tables."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = [
        ("my cases", worker, "/cases/"),
        ("deadlines", worker, "/cases/deadlines/"),
        ("case page", worker, f"/cases/{case.pk}/"),
        ("all cases", admin, "/cases/?all=1"),
        ("all deadlines", admin, "/cases/deadlines/?all=1"),
    ]
    print("\nPages in this process (Django's test client; the caseworker follows 40 cases, the "
          "coordinator's lists hold every case, the deadline board at most 500 rows):")  # fmt: skip
    print(f"  {'view':<14} {'drawn: queries':>14} {'median ms':>9} {'slowest ms':>10}"
          f" {'kept: queries':>13} {'median ms':>9}")  # fmt: skip
    for name, user, path in pages:
        client = client_for(user)
        client.get(path)  # the first request of a process pays for its imports
        row = []
        for kept in (False, True):
            timings = []
            for _ in range(5):
                if not kept:
                    cache.clear()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            timings.sort()
            row.append((len(queries), timings[2], timings[-1]))
        (drawn_q, drawn_ms, slowest), (kept_q, kept_ms, _) = row
        print(f"  {name:<14} {drawn_q:>14} {drawn_ms:>9.1f} {slowest:>10.1f}"
              f" {kept_q:>13} {kept_ms:>9.1f}")  # fmt: skip


def measure_statistics(org) -> None:
    from django_scopes import scope

    from panah.cases.statistics import table_rows, waiting_statistics

    with scope(organisation=org):
        started, cpu = time.perf_counter(), time.process_time()
        stats = waiting_statistics(org.pk, as_of=dt.date.today())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        table_rows(waiting_statistics(org.pk, as_of=dt.date.today(), for_publication=True))
        export = time.perf_counter() - started
    verdict = "ok" if seconds < TARGET_STATS_SECONDS else "ABOVE TARGET"
    print(
        f"\nWaiting-time statistics over {stats.cases:,} cases (KM by procedure, nationality, "
        f"month; backlog over {len(stats.backlog)} months): {seconds:.2f} s wall, "
        f"{cpu:.2f} s CPU ({verdict}, "
        f"target < {TARGET_STATS_SECONDS} s); suppressed export table: {export:.2f} s"
    )


def measure_import(org, admin, rows: int) -> None:
    import csv
    import io

    from django_scopes import scope

    from panah.cases.importing import import_cases
    from panah.people.demo import FAMILY_NAMES, FEMALE_NAMES

    rng = random.Random(11)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_reference", "given_name_fa", "given_name_latin",
                     "family_name_latin", "registered_on", "procedure", "caseworker_email"])  # fmt: skip
    for i in range(rows):
        given, family = rng.choice(FEMALE_NAMES), rng.choice(FAMILY_NAMES)
        jalali = f"{rng.randint(1400, 1403)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"
        writer.writerow([f"IMP-{i}", given[0], given[1], family[1], jalali,
                         rng.choice(["first", "subsequent"]), f"cw{rng.randint(1, 49)}@example.invalid"])  # fmt: skip
    data = out.getvalue().encode()
    with scope(organisation=org):
        started = time.perf_counter()
        import_cases(organisation=org, by=admin, file=data, filename="x.csv", dry_run=True)
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = import_cases(organisation=org, by=admin, file=data, filename="x.csv")
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = import_cases(organisation=org, by=admin, file=data, filename="x.csv")
        again_seconds = time.perf_counter() - started
    assert report.saved and report.created == rows, report.errors[:5]
    assert again.created == 0 and again.already_imported == rows
    print(
        f"\nImport of {rows:,} rows (CSV, Jalali dates): dry run {rows / dry_seconds:,.0f} rows/s; "
        f"import {rows / seconds:,.0f} rows/s ({seconds:.1f} s, people + cases through the "
        f"services, audited); re-import (all skipped) {rows / again_seconds:,.0f} rows/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per page and level")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument(
        "--skip-pages", action="store_true", help="skip the page throughput (statistics page kept)"
    )
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="panah-bench-casework-"))
    try:
        started = step(f"Migrating a scratch database in {var_dir}")
        setup(var_dir)
        done(started)
        org, admin, workers = populate(args.people)
        started = step("Giving the measured caseworker 40 cases with refusals and notes")
        case = give_caseworker_cases(org, workers[0])
        done(started)
        measure_queries(admin, workers[0], case)
        measure_pages(
            var_dir, admin, workers[0], case, args.requests, args.workers,
            throughput=not args.skip_pages,
        )  # fmt: skip
        measure_statistics(org)
        if args.import_rows:
            measure_import(org, admin, args.import_rows)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
