"""Kill the server (SIGKILL) while members write through real HTTP; nothing may be half-done.

Gunicorn serves Panah on 127.0.0.1 (a free port), started with deploy/gunicorn.conf.py. Three
members log in (password, then the TOTP code) and, at the same time, register people, upload
a scanned document to them, record case steps and import spreadsheets of people and cases.
A few seconds in, the whole server (master and workers) gets SIGKILL. After a restart:

- every write a client saw succeed is there (durability);
- every person has their blind-index tokens and their audit entry, every document its file
  and its entry, every recorded step its entry, and the reverse (atomicity);
- every import is wholly there or wholly absent;
- every audit chain verifies; no encrypted file is left without its row, none is missing.

On SQLite the server uses a file copy of the test database (WAL, as in production); on
PostgreSQL (PANAH_DATABASE_URL) it uses the test database itself. Bounded: about 30 s.
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django_otp.oath import totp
from django_scopes import scope, scopes_disabled

from panah.cases import services as case_services
from panah.cases.models import Case, CaseStep
from panah.core import audit, services
from panah.core.backup.files import missing_files, orphaned_files, stored_files
from panah.core.crypto.keys import clear_key_caches
from panah.core.models import AuditEntry, AuthenticatorDevice, Membership, Role, RoleGrant, User
from panah.people.models import Person, PersonDocument, PersonToken
from panah.people.services import create_person

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "crash-test-password-2026"
MEMBERS = 3
CASES_PER_MEMBER = 30
IMPORT_ROWS = 6
RUN_BEFORE_KILL = (4.0, 7.0)  # seconds of writes before SIGKILL, chosen at random
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


# --- a small browser ----------------------------------------------------------------------------


class Browser:
    """Cookies, one keep-alive connection, form posts (urlencoded or multipart), no redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method, path, form=None, files=None):
        headers = {"Host": f"{HOST}:{self.port}"}
        body = None
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, form or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=20)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # An idle keep-alive connection the server had closed: the request never
                # reached it, so sending it again on a new connection is safe.
                self.close()
                if not reused or attempt == 2:
                    raise
            except BaseException:
                self.close()
                raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.close()
        return response.status, response.headers.get("Location", ""), data

    def post(self, path, form, files=None):
        form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request("POST", path, form, files)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _multipart(boundary: str, form: dict, files: dict) -> bytes:
    parts = []
    for name, value in form.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content_type, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def log_in(port: int, email: str, code) -> Browser:
    browser = Browser(port)
    browser.request("GET", "/login/")
    status, location, _ = browser.post("/login/", {"username": email, "password": PASSWORD})
    assert status == 302 and "second-factor" in location, (status, location)
    browser.request("GET", "/login/second-factor/")
    status, location, _ = browser.post("/login/second-factor/", {"code": code()})
    assert status == 302, (status, location)
    return browser


# --- the instance -------------------------------------------------------------------------------


def seed() -> tuple[list[tuple[str, str]], list[list[str]]]:
    """An organisation, members with authenticators, and cases without steps to record on."""
    with scopes_disabled():
        founder = User.objects.create_user("founder@example.org", PASSWORD, display_name="F")
        org = services.create_organisation(name="Crash Test", founder=founder)
    members, cases = [], []
    for n in range(MEMBERS):
        email = f"member{n}@example.org"
        with scopes_disabled():
            user = User.objects.create_user(email, PASSWORD, display_name=f"Member {n}")
            device = AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
            membership = Membership.objects.create(organisation=org, user=user)
            for role in (Role.CASEWORKER, Role.COORDINATOR):
                RoleGrant.objects.create(membership=membership, organisation=org, role=role)
        members.append((email, device.bin_key.hex()))
        mine = []
        with scope(organisation=org):
            for i in range(CASES_PER_MEMBER):
                person = create_person(organisation=org, by=user, given_name_latin=f"Seed{n}x{i}")
                case = case_services.open_case(
                    organisation=org,
                    person=person,
                    by=user,
                    registered_on=dt.date.today() - dt.timedelta(days=30),
                )
                mine.append(str(case.pk))
        cases.append(mine)
    return members, cases


def code_for(key_hex: str):
    def code() -> str:
        # A fresh step each login: the device refuses a code it has already accepted.
        value = totp(bytes.fromhex(key_hex), 30, 0, 6, 0)
        return f"{value:06d}"

    return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "panah.wsgi:application",
        "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", "4",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited with {server.returncode}")
        try:
            if Browser(port).request("GET", "/login/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if server.poll() is None:
        os.killpg(server.pid, sig)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the workload -------------------------------------------------------------------------------


class Ledger:
    """What the clients saw succeed (the server said so before it died)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.people: list[str] = []
        self.documents: list[str] = []  # person ids that got a document
        self.steps: list[str] = []  # case ids that got a step
        self.imports: list[str] = []  # batch prefixes the server confirmed
        self.attempted_imports: list[str] = []
        self.errors: Counter = Counter()

    def add(self, kind: str, value: str) -> None:
        with self.lock:
            getattr(self, kind).append(value)


def workload(port, email, key, my_cases, seen: Ledger, stop, ready, number: int):
    try:
        browser = log_in(port, email, code_for(key))
    except (OSError, http.client.HTTPException, AssertionError) as exc:
        seen.errors[f"login {exc}"] += 1
        return
    finally:
        ready.wait()  # every member is logged in (or failed) before the clock starts
    cases = iter(my_cases)
    batches = itertools.count()
    created: list[str] = []
    for turn in itertools.count():
        if stop.is_set():
            return
        try:
            kind = turn % 4
            if kind == 0:
                status, location, _ = browser.post(
                    "/people/new/",
                    {"given_name_latin": f"Crash{number}", "family_name_latin": f"T{turn}",
                     "phone": "+32 470 00 00 00", "languages": ["fa"]},
                )  # fmt: skip
                match = re.search(r"/people/([0-9a-f-]{36})/", location)
                if status == 302 and match:
                    created.append(match.group(1))
                    seen.add("people", match.group(1))
                else:
                    seen.errors[f"person {status}"] += 1
            elif kind == 1 and created:
                person = created[-1]
                status, location, _ = browser.post(
                    f"/people/{person}/documents/",
                    {"kind": "passport", "document_number": f"X{number}{turn}"},
                    files={"file": ("scan.pdf", "application/pdf", PDF)},
                )
                if status == 302:
                    seen.add("documents", person)
                else:
                    seen.errors[f"document {status}"] += 1
            elif kind == 2:
                case = next(cases, None)
                if case is None:
                    continue
                status, location, _ = browser.post(
                    f"/cases/{case}/steps/new/",
                    {"code": "application_lodged",
                     "occurred_on": (dt.date.today() - dt.timedelta(days=20)).isoformat()},
                )  # fmt: skip
                if status == 302:
                    seen.add("steps", case)
                else:
                    seen.errors[f"step {status}"] += 1
            elif kind == 3:
                batch = f"IMP{number}B{next(batches)}"
                seen.add("attempted_imports", batch)
                rows = "\n".join(
                    f"{batch}R{r},Imported,{batch},2026-01-0{r + 1}" for r in range(IMPORT_ROWS)
                )
                csv = (
                    f"external_reference,given_name_latin,family_name_latin,registered_on\n{rows}\n"
                )
                status, _, body = browser.post(
                    "/cases/import/",
                    {"mapping": ""},
                    files={"file": ("cases.csv", "text/csv", csv.encode())},
                )
                if status == 200 and f"{IMPORT_ROWS} people and cases created".encode() in body:
                    seen.add("imports", batch)
                else:
                    seen.errors[f"import {status}"] += 1
        except (OSError, http.client.HTTPException):
            if stop.is_set():
                return
            seen.errors["connection"] += 1
            time.sleep(0.05)


# --- the test -----------------------------------------------------------------------------------


@pytest.fixture
def server_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANAH_")}
    env.update(
        PANAH_MODE="demo",
        PANAH_VAR_DIR=str(tmp_path / "var"),
        PANAH_SECRET_KEY=settings.SECRET_KEY,  # the audit chain's key: the same as the test's
        PANAH_MASTER_KEY_FILE=settings.MASTER_KEY_FILE,
        PANAH_FILES_DIR=settings.ENCRYPTED_FILES_DIR,
        PANAH_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def test_a_server_killed_mid_write_leaves_every_operation_whole(server_env, tmp_path, settings):
    # The server checks passwords with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    members, cases = seed()
    file_db = None
    if connection.vendor == "sqlite":
        file_db = tmp_path / "crash.sqlite3"
        target = sqlite3.connect(file_db)
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
        server_env["PANAH_DATABASE_URL"] = f"sqlite:///{file_db}"
    else:
        s = connection.settings_dict
        auth = f"{s['USER']}:{s['PASSWORD']}@" if s.get("PASSWORD") else f"{s['USER']}@"
        server_env["PANAH_DATABASE_URL"] = (
            f"postgres://{auth}{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    connection.close()

    port = free_port()
    server = start_server(port, server_env)
    seen, stop, ready = Ledger(), threading.Event(), threading.Barrier(len(members) + 1)
    threads = [
        threading.Thread(target=workload, args=(port, email, key, cases[n], seen, stop, ready, n))
        for n, (email, key) in enumerate(members)
    ]
    try:
        for thread in threads:
            thread.start()
        ready.wait(timeout=60)
        assert not any(k.startswith("login") for k in seen.errors), seen.errors
        time.sleep(random.uniform(*RUN_BEFORE_KILL))  # noqa: S311
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-request
        server.wait()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert seen.people and seen.steps, f"too little work before the kill: {seen.errors}"
        files_after_kill = len(stored_files())
        # Restart with the production configuration (its start hook sweeps leftover files).
        server = start_server(port, server_env)
        assert Browser(port).request("GET", "/login/")[0] == 200
        swept = files_after_kill - len(stored_files())
    finally:
        stop.set()
        stop_server(server)

    if file_db is not None:  # bring the crashed-and-restarted database back into the test's
        source = sqlite3.connect(file_db)
        connection.ensure_connection()
        source.backup(connection.connection)
        source.close()
    clear_key_caches()
    check_whole(seen)
    print(
        f"\nbefore SIGKILL: {len(seen.people)} people, {len(seen.documents)} documents, "
        f"{len(seen.steps)} steps, {len(seen.imports)} imports confirmed; "
        f"{swept} file(s) left by interrupted uploads swept at restart; "
        f"client errors {dict(seen.errors)}"
    )


def check_whole(seen: Ledger) -> None:
    with scopes_disabled():
        created = {e.object_id: e for e in AuditEntry.objects.filter(action="person.created")}
        people = {str(p.pk): p for p in Person.objects.all()}
        tokens = Counter(str(pk) for pk in PersonToken.objects.values_list("person_id", flat=True))
        # Durability: what the server acknowledged survived the kill.
        assert set(seen.people) <= set(people)
        assert set(seen.steps) <= {
            str(c) for c in CaseStep.objects.values_list("case_id", flat=True)
        }
        assert set(seen.documents) <= {
            str(p) for p in PersonDocument.objects.values_list("person_id", flat=True)
        }
        # Atomicity: each person with its tokens and its audit entry, and no entry without one.
        for pk, person in people.items():
            assert pk in created, f"person {pk} has no audit entry"
            assert tokens[pk] >= 1, f"person {pk} has no blind-index tokens"
            assert person.given_name_latin  # decrypts
        assert set(created) <= set(people), "an audit entry names a person who is not there"
        documents = list(PersonDocument.objects.all())
        added = set(
            AuditEntry.objects.filter(action="person_document.added").values_list(
                "object_id", flat=True
            )
        )
        assert {str(d.pk) for d in documents} == added
        steps = {str(s.pk) for s in CaseStep.objects.all()}
        recorded = set(
            AuditEntry.objects.filter(action="case.step_recorded").values_list(
                "object_id", flat=True
            )
        )
        assert steps == recorded
        # Imports: every batch wholly there or wholly absent, one audit entry per whole batch.
        # (the reference is encrypted: read through the model, which decrypts it)
        references = [c.external_reference for c in Case.objects.select_related("person")]
        per_batch = Counter(ref[: ref.index("R")] for ref in references if ref.startswith("IMP"))
        assert all(n == IMPORT_ROWS for n in per_batch.values()), per_batch
        assert set(seen.imports) <= set(per_batch)
        assert AuditEntry.objects.filter(action="cases.imported").count() == len(per_batch)
        for chain in audit.all_chains():
            assert audit.verify_chain(chain) is None, chain
    assert orphaned_files() == []
    assert missing_files() == []
