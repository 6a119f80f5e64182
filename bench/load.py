"""A bounded load test: caseworkers, coordinators and researchers on PostgreSQL under gunicorn.

Sets up its own PostgreSQL database (panah_load, dropped at the end) and a scratch folder,
runs Panah in *production* mode under gunicorn with deploy/gunicorn.conf.py on 127.0.0.1 (the
client sends X-Forwarded-Proto: https as nginx would), seeds one organisation with people and
cases, and logs every virtual user in through the real pages (password, then TOTP code).
Then, for --minutes, each user works in a loop with a think time between clicks:

- caseworkers (60%): "my cases" (/cases/), a case page, adding a note or recording a step;
- coordinators (20%): deadlines, statistics, any case page;
- researchers (20%): the evidence reports list and its pages.

It prints throughput, p50/p95/p99 latency per page and overall, the error count, and the
resident memory of gunicorn (master and workers) sampled over the run. Targets: p95 under
300 ms for case pages, no errors, memory flat (workers are not recycled during the run, so a
leak would show). Nothing leaves the loopback interface; the run stops by itself.

    .venv/bin/python bench/load.py [--users 50] [--minutes 10] [--think 2.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "load-test-password-not-secret-2026"
CASE_PAGES = ("my cases", "case page")
TARGET_P95_MS = 300.0


# --- client -------------------------------------------------------------------------------------


class Client:
    """Keeps cookies and one keep-alive connection; speaks as nginx would forward (https)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}:{self.port}{path}",
            "User-Agent": "panah-load/1",
        }
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.csrf()}
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # an idle keep-alive connection the server closed: retry once
                if not reused or attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.close()
        return response.status, response.headers.get("Location", ""), data

    def csrf(self) -> str:
        return next((v for k, v in self.cookies.items() if k.endswith("csrftoken")), "")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def log_in(port: int, email: str, key_hex: str) -> Client:
    from django_otp.oath import totp

    client = Client(port)
    client.request("GET", "/login/")
    status, location, _ = client.request(
        "POST", "/login/", {"username": email, "password": PASSWORD}
    )
    if status != 302 or "second-factor" not in location:
        raise RuntimeError(f"password step failed for {email}: {status} {location}")
    client.request("GET", "/login/second-factor/")
    code = f"{totp(bytes.fromhex(key_hex), 30, 0, 6, 0):06d}"
    status, location, _ = client.request("POST", "/login/second-factor/", {"code": code})
    if status != 302:
        raise RuntimeError(f"second factor failed for {email}: {status}")
    return client


# --- the instance -------------------------------------------------------------------------------


def create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"Refusing an unusual database name {name!r}.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {parts.path.lstrip('/')} WITH (FORCE)")


def seed(users: int, people: int, reports: int) -> dict[str, list]:
    """An organisation with members by role, people with cases, some steps, evidence reports."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django_scopes import scope, scopes_disabled

    from panah.cases import services as cases
    from panah.core import services
    from panah.core.crypto.keys import new_master_key, write_keyring
    from panah.core.models import AuthenticatorDevice, Membership, RoleGrant, User
    from panah.evidence.models import Report, Source
    from panah.people.services import create_person

    write_keyring(settings.MASTER_KEY_FILE, (new_master_key(),))
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(11)
    n_coord = max(1, round(users * 0.2))
    n_research = max(1, round(users * 0.2))
    n_case = max(1, users - n_coord - n_research)
    roster: dict[str, list] = {"caseworker": [], "coordinator": [], "researcher": []}
    with scopes_disabled():
        founder = User.objects.create_user("founder@load.invalid", PASSWORD, display_name="F")
        org = services.create_organisation(name="Load test association", founder=founder)
        for role, count in (("caseworker", n_case), ("coordinator", n_coord),
                            ("researcher", n_research)):  # fmt: skip
            for k in range(count):
                email = f"{role}{k}@load.invalid"
                user = User.objects.create_user(email, PASSWORD, display_name=f"{role} {k}")
                device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
                membership = Membership.objects.create(organisation=org, user=user)
                RoleGrant.objects.create(membership=membership, organisation=org, role=role)
                roster[role].append(
                    {
                        "email": email,
                        "key": device.bin_key.hex(),
                        "user": user,
                        "cases": [],
                        "unstepped": [],
                    }
                )
    workers = roster["caseworker"]
    today = dt.date.today()
    all_cases = []
    with scope(organisation=org):
        for i in range(people):
            worker = workers[i % len(workers)]
            person = create_person(
                organisation=org, by=worker["user"], given_name_latin=f"Person{i}",
                family_name_latin=rng.choice(["Hosseini", "Karimi", "Rahimi", "Ahmadi"]),
                given_name_fa="مریم", phone="+32 470 00 00 00", nationality="Iranian",
            )  # fmt: skip
            case = cases.open_case(
                organisation=org, person=person, by=worker["user"],
                registered_on=today - dt.timedelta(days=rng.randint(20, 400)),
            )  # fmt: skip
            if i % 3 == 0:
                cases.record_step(
                    case=case, by=worker["user"],
                    step=cases.StepInput(code="application_lodged",
                                         occurred_on=case.registered_on),
                )  # fmt: skip
            else:
                worker["unstepped"].append(str(case.pk))  # no step yet: one can be recorded
            worker["cases"].append(str(case.pk))
            all_cases.append(str(case.pk))
            if i and i % 200 == 0:
                print(f"  seeded {i}/{people} people and cases", flush=True)
        source = Source.objects.create(organisation=org, name="Iran Human Rights", kind="ngo")
        days = [today - dt.timedelta(days=rng.randint(1, 3000)) for _ in range(reports)]
        Report.objects.bulk_create(
            Report(organisation=org, source=source, source_reference=f"IHR-{n}",
                   name_as_written=f"Name {n}", age=rng.randint(18, 70),
                   date_start=days[n], date_end=days[n], date_precision="day")
            for n in range(reports)
        )  # fmt: skip
    for role in roster.values():
        for member in role:
            del member["user"]
    roster["all_cases"] = all_cases
    from django.db import connections

    connections.close_all()
    return roster


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


_application = None


def application_with_case_lock_fix(environ, start_response):
    """Panah with recording a step locking only the case row (--patch-case-lock).

    cases.services._locked() takes FOR UPDATE with select_related("person", "organisation"),
    which on PostgreSQL also locks the organisation's row; every insert that references the
    organisation (an audit entry) then waits, and concurrent writes deadlock. This measures the
    one-line fix (select_for_update(of=("self",))) without changing the app.
    """
    global _application
    if _application is None:
        from django.core.wsgi import get_wsgi_application

        _application = get_wsgi_application()
        from panah.cases import services
        from panah.cases.models import Case

        def _locked(case):
            return (
                Case.objects.select_for_update(of=("self",))
                .select_related("person", "organisation")
                .get(pk=case.pk)
            )

        services._locked = _locked
    return _application(environ, start_response)


def start_gunicorn(
    port: int, env: dict[str, str], workers: int | None, threads: int | None, patch: bool = False
):
    app = "bench.load:application_with_case_lock_fix" if patch else "panah.wsgi:application"
    command = [
        sys.executable, "-m", "gunicorn", app,
        "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}", "--max-requests", "0",
    ]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            if Client(port).request("GET", "/login/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer within 60 s")


TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and workers."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(stat.parent.name) == master or int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def rss_mb(master: int) -> tuple[float, int]:
    """Resident memory of gunicorn's master and workers (MB), and how many processes."""
    total, count = 0, 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        pid = int(status.parent.name)
        ppid = int(re.search(r"^PPid:\s+(\d+)", text, re.M).group(1))
        if pid == master or ppid == master:
            match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            total += int(match.group(1)) if match else 0
            count += 1
    return total / 1024, count


# --- the run ------------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []

    def add(self, kind: str, seconds: float, ok: bool, note: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: {note}")


def timed(
    stats: Stats, kind: str, client: Client, method: str, path: str, form=None, expect=(200,)
):
    start = time.perf_counter()
    try:
        status, location, _ = client.request(method, path, form)
        ok, note = status in expect, f"{status} {path} {location}"
    except (OSError, http.client.HTTPException) as exc:
        ok, note = False, f"{type(exc).__name__} {path}"
    stats.add(kind, time.perf_counter() - start, ok, note)


class Start:
    """Every user logs in, then all start together and stop at the same deadline."""

    def __init__(self, users: int):
        self.logged_in = threading.Barrier(users + 1)
        self.go = threading.Event()
        self.until = 0.0


def user_loop(role, member, roster, port, stats, start: Start, think, rng):
    try:
        client = log_in(port, member["email"], member["key"])
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        stats.add("login", 0.0, False, str(exc))
        return
    finally:
        start.logged_in.wait()
    start.go.wait()
    until = start.until
    unstepped = list(member.get("unstepped", []))
    notes = itertools.count()
    while time.monotonic() < until:
        time.sleep(min(rng.expovariate(1 / think), think * 4))
        if time.monotonic() >= until:
            break
        roll = rng.random()
        if role == "caseworker":
            mine = member["cases"]
            if roll < 0.4:
                timed(stats, "my cases", client, "GET", "/cases/")
            elif roll < 0.8:
                timed(stats, "case page", client, "GET", f"/cases/{rng.choice(mine)}/")
            elif unstepped and roll < 0.9:
                case = unstepped.pop()
                on = (dt.date.today() - dt.timedelta(days=10)).isoformat()
                timed(stats, "record step", client, "POST", f"/cases/{case}/steps/new/",
                      {"code": "application_lodged", "occurred_on": on}, expect=(302,))  # fmt: skip
            else:
                timed(stats, "add note", client, "POST", f"/cases/{rng.choice(mine)}/notes/",
                      {"text": f"Phoned about the interview ({next(notes)})."}, expect=(302,))  # fmt: skip
        elif role == "coordinator":
            if roll < 0.35:
                timed(stats, "deadlines", client, "GET", "/cases/deadlines/")
            elif roll < 0.6:
                timed(stats, "statistics", client, "GET", "/cases/statistics/")
            else:
                timed(
                    stats, "case page", client, "GET", f"/cases/{rng.choice(roster['all_cases'])}/"
                )
        else:
            page = "" if roll < 0.6 else f"?page={rng.randint(2, 10)}"
            timed(stats, "reports", client, "GET", f"/evidence/{page}")
    client.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between clicks")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the config's)")
    parser.add_argument(
        "--patch-case-lock",
        action="store_true",
        help="measure with recording a step locking only the case row (see the function)",
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/panah_load",
        help="a PostgreSQL database of the benchmark's own: it is dropped and created again",
    )  # fmt: skip
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="panah-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANAH_")}
    env.update(
        PANAH_MODE="production",
        PANAH_SECRET_KEY=secrets.token_urlsafe(50),
        PANAH_ALLOWED_HOSTS=HOST,
        PANAH_DATABASE_URL=args.database_url,
        PANAH_MASTER_KEY_FILE=str(var_dir / "master.key"),
        PANAH_VAR_DIR=str(var_dir),
        PANAH_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="panah.settings",
        PYTHONPATH=str(ROOT),
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    server = None
    try:
        print(f"Creating the database {urlsplit(args.database_url).path[1:]} ...", flush=True)
        create_database(args.database_url)
        started = time.monotonic()
        roster = seed(args.users, args.people, args.reports)
        print(f"Seeded {args.people} people and cases, {args.reports} reports, "
              f"{args.users} members in {time.monotonic() - started:.0f} s.", flush=True)  # fmt: skip
        port = free_port()
        server = start_gunicorn(port, env, args.workers, args.threads, args.patch_case_lock)
        print(f"gunicorn (production mode, deploy/gunicorn.conf.py) on {HOST}:{port}", flush=True)

        stats = Stats()
        members = [(role, m) for role in ("caseworker", "coordinator", "researcher")
                   for m in roster[role]]  # fmt: skip
        start = Start(len(members))
        seconds = args.minutes * 60
        memory: list[tuple[float, float, int]] = []
        threads = [
            threading.Thread(
                target=user_loop,
                args=(role, member, roster, port, stats, start, args.think, random.Random(n)),
            )
            for n, (role, member) in enumerate(members)
        ]
        login_start = time.monotonic()
        for thread in threads:
            thread.start()
        start.logged_in.wait()
        print(f"{len(members)} members logged in (password + TOTP) in "
              f"{time.monotonic() - login_start:.1f} s; running for {args.minutes:g} min ...",
              flush=True)  # fmt: skip
        run_start = time.monotonic()
        cpu_start = server_cpu(server.pid)
        start.until = run_start + seconds
        start.go.set()
        while time.monotonic() < start.until:
            mb, procs = rss_mb(server.pid)
            memory.append((time.monotonic() - run_start, mb, procs))
            time.sleep(min(5.0, max(1.0, seconds / 60)))
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - run_start
        cpu = server_cpu(server.pid) - cpu_start
        mb, procs = rss_mb(server.pid)
        memory.append((elapsed, mb, procs))
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        try:
            drop_database(args.database_url)
        except Exception as exc:  # noqa: BLE001
            print(f"(could not drop the database: {exc})")
        shutil.rmtree(var_dir, ignore_errors=True)

    report(stats, elapsed, memory, args, cpu)


def report(stats: Stats, elapsed: float, memory, args, cpu: float) -> None:
    print()
    print(f"Load test: {args.users} users, {elapsed / 60:.1f} min, think time "
          f"{args.think:g} s (taken on a shared 2-core machine)"
          + (", with the case-lock fix" if args.patch_case_lock else ""))  # fmt: skip
    header = f"{'page':<12} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    everything = []
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        everything += values
        print(f"{kind:<12} {len(values):>8} {len(values) / elapsed:>7.1f} "
              f"{percentile(values, 50):>8.1f} {percentile(values, 95):>8.1f} "
              f"{percentile(values, 99):>8.1f} {stats.errors.get(kind, 0):>6}")  # fmt: skip
    errors = sum(stats.errors.values())
    print("-" * len(header))
    print(f"{'all':<12} {len(everything):>8} {len(everything) / elapsed:>7.1f} "
          f"{percentile(everything, 50):>8.1f} {percentile(everything, 95):>8.1f} "
          f"{percentile(everything, 99):>8.1f} {errors:>6}")  # fmt: skip
    for example in stats.examples:
        print(f"  error: {example}")
    if everything:
        per_request = cpu / len(everything) * 1000
        print(f"gunicorn CPU: {cpu:.0f} s over the run, {per_request:.0f} ms per request "
              f"(what a page costs, whatever the neighbours do): about "
              f"{os.cpu_count() * 1000 / per_request:.0f} requests/s on {os.cpu_count()} "
              "idle cores")  # fmt: skip
    case_values = [v for k in CASE_PAGES for v in stats.latencies.get(k, [])]
    case_p95 = percentile(case_values, 95)
    print()
    print("gunicorn resident memory (master + workers), MB:")
    print("  " + "  ".join(f"{t:>4.0f}s {mb:>6.1f}" for t, mb, _ in memory))
    settle = [mb for t, mb, _ in memory if t >= elapsed * 0.25]
    growth = (settle[-1] - settle[0]) / settle[0] * 100 if len(settle) > 1 else 0.0
    print(f"  after the first quarter: from {settle[0]:.1f} to {settle[-1]:.1f} MB "
          f"({growth:+.1f}%), {memory[-1][2]} processes")  # fmt: skip
    print()
    checks = [
        (f"p95 of case pages {case_p95:.0f} ms < {TARGET_P95_MS:.0f} ms", case_p95 < TARGET_P95_MS),
        (f"errors {errors} == 0", errors == 0),
        (f"memory growth {growth:+.1f}% within 10%", abs(growth) <= 10),
    ]
    for text, ok in checks:
        print(f"  {'met   ' if ok else 'MISSED'} {text}")
    if not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
