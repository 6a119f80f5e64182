"""Latency under a national coalition's load: PostgreSQL, gunicorn as deployed, 100 members.

The instance: one organisation with 20,000 people, 50,000 cases and 100,000 evidence reports,
and 100 members active at once (60 caseworkers, 20 coordinators, 20 researchers), each making
a request every 2 to 5 seconds through the real pages, after logging in through the real
pages (password, then TOTP code). Meanwhile a coordinator imports a spreadsheet of people and
cases through the import page, again and again: the upload queues a background task, which
`panah worker` (started beside gunicorn, at nice 5 as deploy/systemd/panah-worker.service)
runs while the coordinator's browser follows the task's page. Panah runs in *production* mode
under gunicorn with deploy/gunicorn.conf.py on 127.0.0.1 (the client sends X-Forwarded-Proto:
https as nginx would). Nothing leaves the loopback interface.

Prints p50/p95/p99 per signed-in page and overall, the errors, the CPU per request of gunicorn,
of PostgreSQL's backends and of this client, the worker's CPU, the load average, and
gunicorn's resident memory over the run. Targets: p95 under 150 ms and p99 under 400 ms for every
signed-in page, no error, memory flat.

Seeding is bulk, through the project's encryption (each person's fields sealed under a data
key of their own, with its share on disk, as a bulk `Person.objects.bulk_create` does), and
is done once: the seeded database is kept as a PostgreSQL template (`panah_load_seed_<hash>`)
and its key folder under --cache-dir; each run copies it (`CREATE DATABASE ... TEMPLATE`).
`--reseed` drops the template and seeds again.

Comparing settings (or source trees) under the same load: each `--arm` is a label, optional
environment settings and optionally another source tree, e.g.

    .venv/bin/python bench/load.py --seconds 75 --rounds 2 \\
        --arm on:PANAH_MEMBER_PAGE_SECONDS=60 --arm off:PANAH_MEMBER_PAGE_SECONDS=0

runs on, off, on, off (interleaved, so whatever else loads the machine hits both alike), each
arm a fresh gunicorn on the same database, and prints each arm's figures and the p95 ratio.
An arm `label@/path/to/tree` serves Panah from another checkout (e.g. `git archive` of an
earlier commit) against the same database: the way code already deleted was measured.

    .venv/bin/python bench/load.py [--users 100] [--seconds 600]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import http.client
import io
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.postgres import database_name, server_sql, with_name  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "load-test-password-not-secret-2026"
TARGET_P95_MS = 150.0
TARGET_P99_MS = 400.0
SEED_VERSION = 1  # bump when the seeded world changes
# Pages not counted against the page targets: the import's own upload is a job, not a page.
NOT_A_PAGE = {"import upload"}


# --- client -------------------------------------------------------------------------------------


class Client:
    """Keeps cookies and one keep-alive connection; speaks as nginx would forward (https)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None, files=None):
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}:{self.port}{path}",
            "User-Agent": "panah-load/2",
        }
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.csrf()}
            if files:
                body, headers["Content-Type"] = _multipart(form, files)
            else:
                body = urlencode(form, doseq=True).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
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


def _multipart(form: dict, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    out = io.BytesIO()
    for name, value in form.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


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


# --- the seeded instance, kept between runs -----------------------------------------------------


def seed_signature(args) -> str:
    # Not the migrations: each run migrates its copy (below), so a new index or column does
    # not cost another seeding. Bump SEED_VERSION when the seeded world itself changes.
    parts = [SEED_VERSION, args.users, args.people, args.cases, args.reports]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def prepare(args, base_env: dict[str, str]) -> tuple[dict, Path]:
    """The seeded instance: (its description, its key folder), seeding it first if need be."""
    signature = seed_signature(args)
    cache = Path(args.cache_dir) / signature
    template = f"panah_load_seed_{signature}"
    template_url = with_name(args.database_url, template)
    exists = server_sql(
        args.database_url, f"SELECT 1 FROM pg_database WHERE datname = '{template}'"
    )
    meta_file = cache / "instance.json"
    if args.reseed or not exists[0] or not meta_file.exists():
        server_sql(args.database_url, f"DROP DATABASE IF EXISTS {template} WITH (FORCE)",
                   f"CREATE DATABASE {template}")  # fmt: skip
        shutil.rmtree(cache, ignore_errors=True)
        (cache / "var").mkdir(parents=True)
        meta = {"secret_key": secrets.token_urlsafe(50)}
        env = {**base_env, "PANAH_DATABASE_URL": template_url,
               "PANAH_SECRET_KEY": meta["secret_key"], **_var_env(cache)}  # fmt: skip
        started = time.monotonic()
        # A child process: this one must hold no connection to the template when it is copied.
        subprocess.run(
            [sys.executable, __file__, "--seed-into", str(meta_file), "--users", str(args.users),
             "--people", str(args.people), "--cases", str(args.cases),
             "--reports", str(args.reports)],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        meta = json.loads(meta_file.read_text())
        print(f"Seeded in {time.monotonic() - started:.0f} s; kept as the template {template} "
              f"and {cache}", flush=True)  # fmt: skip
    else:
        print(f"Using the seeded template {template} (--reseed to seed again)", flush=True)
    name = database_name(args.database_url)
    started = time.monotonic()
    server_sql(args.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
               f"CREATE DATABASE {name} TEMPLATE {template}")  # fmt: skip
    print(f"Copied it to {name} in {time.monotonic() - started:.0f} s", flush=True)
    meta = json.loads(meta_file.read_text())
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "panah", "migrate", "--verbosity", "0"],
        env={**base_env, "PANAH_DATABASE_URL": args.database_url,
             "PANAH_SECRET_KEY": meta["secret_key"], **_var_env(cache)},
        cwd=ROOT, check=True,
    )  # fmt: skip
    import psycopg

    started = time.monotonic()
    # A bulk-seeded database has no planner statistics until autovacuum gets to it; a
    # coalition's database has them (and its visibility map), so the copy is given both.
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        # As docs/deploy.md (3. PostgreSQL) sets it: the tables are in memory or on SSD.
        conn.execute(f"ALTER DATABASE {name} SET random_page_cost = 1.1")
    print(f"Migrated and analysed the copy in {time.monotonic() - started:.0f} s", flush=True)
    return meta, cache


def _var_env(cache: Path) -> dict[str, str]:
    return {
        "PANAH_VAR_DIR": str(cache / "var"),
        "PANAH_MASTER_KEY_FILE": str(cache / "var" / "master.key"),
    }


def seed_into(meta_file: Path, args) -> None:
    """Seed the database of PANAH_DATABASE_URL (run in a child process by prepare())."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django_scopes import scope, scopes_disabled

    from panah.core import services
    from panah.core.crypto import keys
    from panah.core.crypto.keys import new_master_key, write_keyring
    from panah.core.models import AuthenticatorDevice, Membership, RoleGrant, User

    write_keyring(settings.MASTER_KEY_FILE, (new_master_key(),))
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(11)
    password = make_password(PASSWORD)  # one Argon2 hash for every member: seeding, not logging in
    counts = {"caseworker": round(args.users * 0.6), "coordinator": round(args.users * 0.2)}
    counts["researcher"] = args.users - sum(counts.values())
    roster: dict[str, list] = {role: [] for role in counts}
    with scopes_disabled():
        founder = User.objects.create_user("founder@load.invalid", PASSWORD, display_name="F")
        org = services.create_organisation(name="National coalition", founder=founder)
        for role, count in [*counts.items(), ("importer", 1)]:
            for k in range(count):
                email = f"{role}{k}@load.invalid"
                user = User.objects.create(
                    email=email, password=password, display_name=f"{role} {k}"
                )
                device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
                membership = Membership.objects.create(organisation=org, user=user)
                RoleGrant.objects.create(
                    membership=membership, organisation=org,
                    role="coordinator" if role == "importer" else role,
                )  # fmt: skip
                member = {"email": email, "key": device.bin_key.hex(), "id": user.pk}
                if role == "importer":
                    roster["importer"] = member
                else:
                    roster[role].append(member)
    with scope(organisation=org), transaction.atomic(), keys.batch(org.pk):
        cases = _seed_casework(org, roster["caseworker"], args, rng)
        first_report, last_report = _seed_reports(org, args.reports, rng)
    for members in roster.values():
        for member in [members] if isinstance(members, dict) else members:
            member.pop("id")
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    meta.update(
        roster=roster, cases=cases, reports=[first_report, last_report], organisation=org.slug,
        secret_key=os.environ["PANAH_SECRET_KEY"],
    )  # fmt: skip
    meta_file.write_text(json.dumps(meta))


def _seed_casework(org, caseworkers: list[dict], args, rng) -> list[list[str]]:
    """People (bulk, encrypted and blind-indexed as the services do), their cases, steps,
    deadlines and assignments. Returns [case id, person id, caseworker index] per case."""
    from panah.cases.models import Case, CaseAssignment, CaseStep, Deadline
    from panah.cases.procedure import due_date, shipped_table
    from panah.cases.ruletable import table_label
    from panah.core.crypto import blind_index
    from panah.core.crypto.keys import active_organisation_key
    from panah.people.demo import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES
    from panah.people.models import Person, PersonToken, TokenKind
    from panah.people.services import NAME_FIELDS

    today = dt.date.today()
    table = shipped_table()
    label = table_label(table)
    appeal = next(r for r in table.deadlines if r.code == "call_appeal")
    indicative = next(r for r in table.deadlines if r.code == "cgrs_indicative_decision")
    org_key = active_organisation_key(org.pk)
    started = time.monotonic()
    person_ids = []
    batch = 2000
    for start in range(0, args.people, batch):
        people = []
        for _ in range(min(batch, args.people - start)):
            given = rng.choice(MALE_NAMES + FEMALE_NAMES)
            family = rng.choice(FAMILY_NAMES)
            people.append(Person(
                organisation=org, given_name_fa=given[0], family_name_fa=family[0],
                given_name_latin=given[1], family_name_latin=family[1], nationality="Iranian",
                phone=f"+32 470 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            ))  # fmt: skip
        Person.objects.bulk_create(people)  # each field sealed under the person's own key
        PersonToken.objects.bulk_create(
            PersonToken(organisation_id=org.pk, person=p, kind=TokenKind.NAME,
                        key_id=org_key.key_id, digest=blind_index.digest(org_key, TokenKind.NAME, t))
            for p in people
            for t in sorted(blind_index.name_tokens(*(getattr(p, f) for f in NAME_FIELDS)))
        )  # fmt: skip
        person_ids += [p.pk for p in people]
        print(f"  {len(person_ids):,} people ({time.monotonic() - started:.0f} s)", flush=True)
    out = []
    nationalities = ["Iranian"] * 6 + ["Afghan"] * 3 + ["Iraqi", "Syrian", "Eritrean"]
    for start in range(0, args.cases, batch):
        cases, steps, deadlines, assignments = [], [], [], []
        for n in range(start, min(args.cases, start + batch)):
            # Every person has a case; the rest are later procedures of some of them.
            person_id = person_ids[n] if n < len(person_ids) else rng.choice(person_ids)
            registered = today - dt.timedelta(days=rng.randint(5, 1100))
            decided = registered + dt.timedelta(days=int(rng.expovariate(1 / 330)))
            decided_on = decided if decided < today else None
            procedure = "first" if n < len(person_ids) else "subsequent"
            case = Case(
                organisation=org, person_id=person_id, procedure=procedure,
                current_procedure=procedure, registered_on=registered, rule_table=label,
                nationality=rng.choice(nationalities),
                stage="cgrs_decision" if decided_on else "application_lodged",
                first_decision_on=decided_on,
            )  # fmt: skip
            cases.append(case)
            lodged = CaseStep(organisation=org, case=case, sequence=1,
                              code="application_lodged", occurred_on=registered)  # fmt: skip
            steps.append(lodged)
            if decided_on:
                decision = CaseStep(
                    organisation=org, case=case, sequence=2, code="cgrs_decision",
                    outcome="refusal", occurred_on=decided_on, notification_mode="hand_delivery",
                    sent_on=decided_on, notified_on=decided_on,
                )  # fmt: skip
                steps.append(decision)
                due = due_date(decided_on, appeal)
                if due >= today - dt.timedelta(days=20):
                    case.next_binding_due, case.next_binding_rule = due, "call_appeal"
                    deadlines.append(Deadline(
                        organisation=org, case=case, rule_code="call_appeal", due_on=due,
                        starts_after=decided_on, binding=True, party="applicant",
                        legal_source=appeal.source, opened_by=decision,
                    ))  # fmt: skip
            else:
                deadlines.append(Deadline(
                    organisation=org, case=case, rule_code=indicative.code,
                    due_on=due_date(registered, indicative), starts_after=registered,
                    binding=False, party="authority", legal_source=indicative.source,
                    opened_by=lodged,
                ))  # fmt: skip
            worker = n % len(caseworkers)
            assignments.append(
                CaseAssignment(organisation=org, case=case, user_id=caseworkers[worker]["id"])
            )
            out.append([str(case.pk), str(person_id), worker])
        Case.objects.bulk_create(cases)
        CaseStep.objects.bulk_create(steps)
        Deadline.objects.bulk_create(deadlines)
        CaseAssignment.objects.bulk_create(assignments)
        print(f"  {len(out):,} cases ({time.monotonic() - started:.0f} s)", flush=True)
    return out


def _seed_reports(org, count: int, rng) -> tuple[int, int]:
    from panah.evidence.models import Report, Source
    from panah.people.demo import FAMILY_NAMES, MALE_NAMES

    today = dt.date.today()
    source = Source.objects.create(organisation=org, name="Iran Human Rights", kind="ngo")
    ids = []
    for start in range(0, count, 5000):
        made = Report.objects.bulk_create(
            Report(
                organisation=org, source=source, source_reference=f"IHR-{n}",
                name_as_written=f"{rng.choice(MALE_NAMES)[0]} {rng.choice(FAMILY_NAMES)[0]}",
                age=rng.randint(18, 70), date_start=(day := today - dt.timedelta(
                    days=rng.randint(1, 3000))), date_end=day, date_precision="day",
                province=rng.choice(["Tehran", "Kurdistan", "Sistan and Baluchestan", "Khuzestan"]),
            )
            for n in range(start, min(count, start + 5000))
        )  # fmt: skip
        ids += [r.pk for r in made]
    print(f"  {count:,} evidence reports", flush=True)
    return min(ids), max(ids)


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, env: dict[str, str], tree: Path, workers, threads):
    command = [
        sys.executable, "-m", "gunicorn", "panah.wsgi:application",
        "-c", str(tree / "deploy" / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}", "--max-requests", "0",
    ]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(
        command, env={**env, "PYTHONPATH": str(tree)}, cwd=tree, start_new_session=True
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            if Client(port).request("GET", "/login/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit("gunicorn did not answer within 90 s")


def start_worker(env: dict[str, str], tree: Path):
    """`panah worker` beside gunicorn, at the lower priority of deploy/systemd/panah-worker.service
    (Nice=5): the imports started from the web run there, not in a web worker."""
    return subprocess.Popen(
        ["nice", "-n", "5", sys.executable, "-m", "panah", "worker", "--verbosity", "0",
         "--interval", "0.5"],
        env={**env, "PYTHONPATH": str(tree)}, cwd=tree, start_new_session=True,
    )  # fmt: skip


def stop(server) -> None:
    if server is not None and server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


TICKS = os.sysconf("SC_CLK_TCK")


def _gunicorn_processes(master: int):
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        pid = int(status.parent.name)
        ppid = int(re.search(r"^PPid:\s+(\d+)", text, re.M).group(1))
        if pid == master or ppid == master:
            yield pid, text


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and workers."""
    total = 0.0
    for pid, _ in _gunicorn_processes(master):
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by one process (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class DatabaseCpu:
    """CPU of the PostgreSQL backends serving the benchmark's database (same machine).

    Sampled now and then: a backend's CPU is counted from its first sample (its start, if it
    appeared during the run) to its last one, so the figure is a slight underestimate.
    """

    def __init__(self, url: str):
        self.url, self.name = url, database_name(url)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.baseline = True
        self.sample()
        self.baseline = False

    def sample(self) -> None:
        try:
            rows = server_sql(self.url, "SELECT pid FROM pg_stat_activity "
                                        f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")[0]  # fmt: skip
        except Exception:  # noqa: BLE001 (a figure, never a reason to stop the run)
            return
        for (pid,) in rows:
            cpu = process_cpu(pid)
            self.first.setdefault(pid, cpu if self.baseline else 0.0)
            self.last[pid] = max(cpu, self.last.get(pid, 0.0))

    def used(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def rss_mb(master: int) -> tuple[float, int]:
    """Resident memory of gunicorn's master and workers (MB), and how many processes."""
    total, count = 0, 0
    for _, text in _gunicorn_processes(master):
        match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
        total += int(match.group(1)) if match else 0
        count += 1
    return total / 1024, count


# --- the load -----------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []
        self.tasks = 0  # imports followed to their end

    def add(self, kind: str, seconds: float, ok: bool, note: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: {note}")


def timed(stats: Stats, kind: str, client: Client, method: str, path: str, form=None,
          expect=(200,), files=None) -> str:  # fmt: skip
    start = time.perf_counter()
    location = ""
    try:
        status, location, _ = client.request(method, path, form, files)
        ok, note = status in expect, f"{status} {path} {location}"
    except (OSError, http.client.HTTPException) as exc:
        ok, note = False, f"{type(exc).__name__} {path}"
    stats.add(kind, time.perf_counter() - start, ok, note)
    return location if ok else ""


@dataclass
class Member:
    role: str
    email: str
    key: str
    cases: list = field(default_factory=list)  # [case id, person id] of the cases they follow
    client: Client | None = None


def one_click(member: Member, meta: dict, stats: Stats, rng: random.Random, notes) -> None:
    """One request, chosen as a member of this role would."""
    client, roll = member.client, rng.random()
    if member.role == "caseworker":
        case, person = rng.choice(member.cases)
        if roll < 0.15:
            timed(stats, "dashboard", client, "GET", "/")
        elif roll < 0.45:
            page = "" if rng.random() < 0.7 else f"?page={rng.randint(2, 30)}"
            timed(stats, "my cases", client, "GET", f"/cases/{page}")
        elif roll < 0.80:
            timed(stats, "case page", client, "GET", f"/cases/{case}/")
        elif roll < 0.85:
            timed(stats, "deadlines", client, "GET", "/cases/deadlines/")
        elif roll < 0.90:
            timed(stats, "person page", client, "GET", f"/people/{person}/")
        else:
            timed(stats, "add note", client, "POST", f"/cases/{case}/notes/",
                  {"text": f"Phoned about the interview ({next(notes)})."}, expect=(302,))  # fmt: skip
    elif member.role == "coordinator":
        case, person, _ = rng.choice(meta["cases"])
        if roll < 0.15:
            timed(stats, "dashboard", client, "GET", "/")
        elif roll < 0.40:
            timed(stats, "deadlines", client, "GET", "/cases/deadlines/")
        elif roll < 0.50:
            timed(stats, "statistics", client, "GET", "/cases/statistics/")
        elif roll < 0.80:
            timed(stats, "case page", client, "GET", f"/cases/{case}/")
        elif roll < 0.90:
            name = rng.choice(["Karimi", "Hosseini", "Rahimi", "Ahmadi", "Moradi"])
            timed(stats, "people search", client, "GET", f"/people/?q={name}")
        else:
            timed(stats, "person page", client, "GET", f"/people/{person}/")
    else:
        first, last = meta["reports"]
        if roll < 0.10:
            timed(stats, "dashboard", client, "GET", "/")
        elif roll < 0.70:
            page = "" if rng.random() < 0.5 else f"?page={rng.randint(2, 200)}"
            timed(stats, "reports", client, "GET", f"/evidence/{page}")
        else:
            timed(stats, "report page", client, "GET",
                  f"/evidence/reports/{rng.randint(first, last)}/")  # fmt: skip


def member_loop(member: Member, meta, stats: Stats, until: float, seed: int) -> None:
    rng = random.Random(seed)
    notes = itertools.count()
    time.sleep(rng.uniform(0, 5))  # members do not all click in the same second
    while True:
        started = time.monotonic()
        if started >= until:
            break
        one_click(member, meta, stats, rng, notes)
        # A request every 2 to 5 seconds, whatever the last one took.
        time.sleep(max(0.0, rng.uniform(2.0, 5.0) - (time.monotonic() - started)))


def import_loop(client: Client, stats: Stats, until: float, rows: int, run: str) -> None:
    """A coordinator imports spreadsheets of new people and cases, one after another."""
    from panah.people.demo import FAMILY_NAMES, FEMALE_NAMES

    rng = random.Random(run)
    for sheet in itertools.count():
        if time.monotonic() >= until:
            break
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["external_reference", "given_name_fa", "given_name_latin",
                         "family_name_latin", "registered_on", "procedure"])  # fmt: skip
        for i in range(rows):
            given, family = rng.choice(FEMALE_NAMES), rng.choice(FAMILY_NAMES)
            jalali = f"{rng.randint(1400, 1403)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"
            writer.writerow([f"LOAD-{run}-{sheet}-{i}", given[0], given[1], family[1], jalali,
                             rng.choice(["first", "subsequent"])])  # fmt: skip
        location = timed(stats, "import upload", client, "POST", "/cases/import/",
                         {"mapping": ""}, expect=(302,),
                         files={"file": (f"sheet-{sheet}.csv", out.getvalue().encode())})  # fmt: skip
        if location:
            follow_task(client, stats, urlsplit(location).path, until + 120)
        time.sleep(5.0)


def follow_task(client: Client, stats: Stats, path: str, until: float) -> None:
    """The import's page polls its progress every second (htmx) until the task is done, then
    shows the report: the requests a browser makes while the worker imports."""
    while time.monotonic() < until:
        time.sleep(1.0)
        start = time.perf_counter()
        try:
            status, _, _ = client.request("GET", f"{path}?part=progress")
        except (OSError, http.client.HTTPException) as exc:
            stats.add("import progress", time.perf_counter() - start, False, type(exc).__name__)
            return
        stats.add("import progress", time.perf_counter() - start, status in (200, 204),
                  f"{status} {path}")  # fmt: skip
        if status != 200:
            break
    stats.tasks += 1
    timed(stats, "import report", client, "GET", path, expect=(200, 302))


@dataclass
class Arm:
    label: str
    env: dict[str, str]
    tree: Path


def parse_arm(text: str) -> Arm:
    text, _, tree = text.partition("@")
    label, _, settings = text.partition(":")
    env = dict(part.split("=", 1) for part in settings.split(",") if part)
    return Arm(label, env, Path(tree).resolve() if tree else ROOT)


@dataclass
class Run:
    arm: Arm
    stats: Stats
    elapsed: float
    cpu: float
    memory: list
    worker_cpu: float = 0.0  # the background worker (the imports)
    database_cpu: float = 0.0  # PostgreSQL's backends for this database
    client_cpu: float = 0.0  # this process: the 100 members' client and the sampling
    load: list = field(default_factory=list)  # the 1-minute load average, sampled


def log_everyone_in(arm: Arm, meta: dict, env: dict, args) -> tuple[list[Member], Client]:
    """Every member logs in through the real pages (password, then TOTP code), once.

    Sessions live in the database, so the arms' servers, started one after another on the
    same database, serve the same sessions: the Argon2 checks of 100 log-ins are paid once.
    """
    port = free_port()
    server = start_gunicorn(port, {**env, **arm.env}, arm.tree, args.workers, args.threads)
    try:
        members = []
        for role in ("caseworker", "coordinator", "researcher"):
            for k, m in enumerate(meta["roster"][role]):
                cases = [c[:2] for c in meta["cases"] if c[2] == k] if role == "caseworker" else []
                members.append(Member(role, m["email"], m["key"], cases))
        if args.active:  # the same mix of roles, fewer members
            share = args.active / len(members)
            members = [m for role in ("caseworker", "coordinator", "researcher")
                       for m in [x for x in members if x.role == role][
                           : max(1, round(share * sum(x.role == role for x in members)))]]  # fmt: skip
        started = time.monotonic()
        failures = Stats()

        def login(member: Member) -> None:
            try:
                member.client = log_in(port, member.email, member.key)
                member.client.close()
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                failures.add("login", 0.0, False, str(exc))

        _in_threads(login, members, 8)
        importer = meta["roster"]["importer"]
        import_client = log_in(port, importer["email"], importer["key"])
        import_client.close()
        if failures.errors:
            raise SystemExit(f"log-in failed: {failures.examples}")
        print(f"{len(members)} members and the importer logged in (password + TOTP) in "
              f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
    finally:
        stop(server)
    return members, import_client


def run_arm(arm: Arm, round_no: int, meta: dict, env: dict, args, members, import_client) -> Run:
    port = free_port()
    server = start_gunicorn(port, {**env, **arm.env}, arm.tree, args.workers, args.threads)
    worker = start_worker({**env, **arm.env}, arm.tree)
    try:
        for client in [m.client for m in members] + [import_client]:
            client.port = port
        print(f"[{arm.label} #{round_no}] gunicorn on {port} ({arm.env or 'defaults'}"
              f"{'' if arm.tree == ROOT else f', tree {arm.tree}'}) and a worker; "
              f"{args.seconds:g} s of load", flush=True)  # fmt: skip
        stats = Stats()
        database = DatabaseCpu(args.database_url)
        run_start = time.monotonic()
        until = run_start + args.seconds
        cpu_start, worker_start = server_cpu(server.pid), process_cpu(worker.pid)
        client_start = time.process_time()
        threads = [threading.Thread(target=member_loop, args=(m, meta, stats, until, n))
                   for n, m in enumerate(members)]  # fmt: skip
        if args.import_rows:
            threads.append(threading.Thread(
                target=import_loop,
                args=(import_client, stats, until, args.import_rows,
                      f"{os.getpid()}-{arm.label}-{round_no}"),
            ))  # fmt: skip
        for thread in threads:
            thread.start()
        memory, load = [], []
        while time.monotonic() < until:
            memory.append((time.monotonic() - run_start, *rss_mb(server.pid)))
            load.append(os.getloadavg()[0])
            database.sample()
            time.sleep(min(5.0, max(1.0, args.seconds / 30)))
        for thread in threads:
            thread.join(timeout=180)
        elapsed = time.monotonic() - run_start
        database.sample()
        cpu = server_cpu(server.pid) - cpu_start
        worker_cpu = process_cpu(worker.pid) - worker_start
        client_cpu = time.process_time() - client_start
        memory.append((elapsed, *rss_mb(server.pid)))
        for m in members:
            m.client.close()
        import_client.close()
    finally:
        stop(worker)
        stop(server)
    return Run(arm, stats, elapsed, cpu, memory, worker_cpu, database.used(), client_cpu, load)


def _in_threads(function, items, count: int) -> None:
    queue = list(items)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            function(item)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- the figures --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k] * 1000


def merged(runs: list[Run]) -> Stats:
    total = Stats()
    for run in runs:
        for kind, values in run.stats.latencies.items():
            total.latencies[kind] += values
        for kind, count in run.stats.errors.items():
            total.errors[kind] += count
        total.examples += run.stats.examples
    return total


def report_arm(label: str, runs: list[Run], args) -> tuple[float, bool]:
    """Print an arm's figures; returns its overall page p95 and whether every target was met."""
    stats = merged(runs)
    elapsed = sum(r.elapsed for r in runs)
    print()
    print(f"== {label}: {len(runs)} run(s) of {args.seconds:g} s, {args.active or args.users} members, "
          f"one request each every 2-5 s, import of {args.import_rows} rows at a time")  # fmt: skip
    header = (f"{'page':<14} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'errors':>6}")  # fmt: skip
    print(header)
    print("-" * len(header))
    pages, ok = [], True
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        p95, p99 = percentile(values, 95), percentile(values, 99)
        mark = ""
        if kind not in NOT_A_PAGE:
            pages += values
            if p95 >= TARGET_P95_MS or p99 >= TARGET_P99_MS:
                ok, mark = False, "  over target"
        print(f"{kind:<14} {len(values):>8} {len(values) / elapsed:>6.1f} "
              f"{percentile(values, 50):>7.1f} {p95:>7.1f} {p99:>7.1f} "
              f"{stats.errors.get(kind, 0):>6}{mark}")  # fmt: skip
    errors = sum(stats.errors.values())
    print("-" * len(header))
    page_p95 = percentile(pages, 95)
    print(f"{'all pages':<14} {len(pages):>8} {len(pages) / elapsed:>6.1f} "
          f"{percentile(pages, 50):>7.1f} {page_p95:>7.1f} {percentile(pages, 99):>7.1f} "
          f"{errors:>6}")  # fmt: skip
    if len(runs) > 1:
        print("  page p95 per run: " + ", ".join(
            f"{percentile([v for k, vs in r.stats.latencies.items() if k not in NOT_A_PAGE for v in vs], 95):.0f} ms"
            for r in runs))  # fmt: skip
    for example in stats.examples[:5]:
        print(f"  error: {example}")
    cpu = sum(r.cpu for r in runs)
    count = sum(len(v) for v in stats.latencies.values())
    if count:
        per = 1000 / count
        print(f"  CPU per request (ms): gunicorn {cpu * per:.1f}, PostgreSQL "
              f"{sum(r.database_cpu for r in runs) * per:.1f}, load client "
              f"{sum(r.client_cpu for r in runs) * per:.1f}; the worker's imports "
              f"{sum(r.worker_cpu for r in runs):.0f} s in all, "
              f"{sum(r.stats.tasks for r in runs)} import(s) finished")  # fmt: skip
        loads = [x for r in runs for x in r.load]
        if loads:
            print(f"  load average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f}, "
                  f"mean {sum(loads) / len(loads):.1f} (2 cores)")  # fmt: skip
    for n, run in enumerate(runs, 1):
        samples = run.memory
        print(f"  memory (MB, master + workers) run {n}: "
              + " ".join(f"{t:.0f}s:{mb:.0f}" for t, mb, _ in samples[:: max(1, len(samples) // 8)]))  # fmt: skip
        settle = [mb for t, mb, _ in samples if t >= run.elapsed * 0.25]
        growth = (settle[-1] - settle[0]) / settle[0] * 100 if len(settle) > 1 else 0.0
        print(
            f"    after the first quarter: {settle[0]:.0f} -> {settle[-1]:.0f} MB ({growth:+.1f}%)"
        )
        if abs(growth) > 10:
            ok = False
    if errors:
        ok = False
    return page_p95, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument(
        "--active", type=int, help="members active at once (default: --users), same role mix"
    )
    parser.add_argument("--seconds", type=float, default=600.0, help="load per run")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=500, help="rows per imported sheet")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the config's)")
    parser.add_argument("--arm", action="append", default=[],
                        help="LABEL[:KEY=VALUE,...][@TREE]; repeat to compare")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=1, help="repeat the arms, interleaved")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--cache-dir", default="/var/tmp/panah-load")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/panah_load",
        help="a PostgreSQL database of the benchmark's own: it is dropped and created again",
    )  # fmt: skip
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        seed_into(Path(args.seed_into), args)
        return

    env = {k: v for k, v in os.environ.items() if not k.startswith("PANAH_")}
    env.update(
        PANAH_MODE="production", PANAH_ALLOWED_HOSTS=HOST, PANAH_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="panah.settings", PYTHONPATH=str(ROOT),
    )  # fmt: skip
    meta, cache = prepare(args, env)
    env.update(PANAH_SECRET_KEY=meta["secret_key"], PANAH_DATABASE_URL=args.database_url,
               **_var_env(cache))  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    arms = [parse_arm(a) for a in args.arm] or [Arm("as configured", {}, ROOT)]
    runs: dict[str, list[Run]] = defaultdict(list)
    try:
        members, import_client = log_everyone_in(arms[0], meta, env, args)
        for round_no in range(1, args.rounds + 1):
            for arm in arms:
                run = run_arm(arm, round_no, meta, env, args, members, import_client)
                runs[arm.label].append(run)
    finally:
        try:
            server_sql(
                args.database_url,
                f"DROP DATABASE IF EXISTS {database_name(args.database_url)} WITH (FORCE)",
            )
        except Exception as exc:  # noqa: BLE001
            print(f"(could not drop the database: {exc})")
    print()
    print("Figures taken on a shared 2-core machine (other engineers' work runs alongside);"
          + (" arms interleaved: " + ", ".join(a.label for a in arms) + f" x {args.rounds}"
             if len(arms) > 1 else ""))  # fmt: skip
    results = {}
    for arm in arms:
        results[arm.label] = report_arm(arm.label, runs[arm.label], args)
    print()
    if len(arms) > 1:
        base_label, (base_p95, _) = next(iter(results.items()))
        for label, (p95, _) in results.items():
            print(
                f"  page p95 {label}: {p95:.0f} ms ({p95 / base_p95 - 1:+.0%} against {base_label})"
            )
    for label, (_p95, ok) in results.items():
        print(f"  {'met   ' if ok else 'MISSED'} {label}: every page p95 < {TARGET_P95_MS:.0f} ms, "
              f"p99 < {TARGET_P99_MS:.0f} ms, no error, memory within 10%")  # fmt: skip
    if not all(ok for _, ok in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
