"""Behind nginx, as deployed: gunicorn on its Unix socket, the client named in X-Forwarded-For.

Gunicorn runs Panah in production mode with deploy/gunicorn.conf.py, bound to a Unix socket in
a temporary folder (as nginx reaches it, docs/deploy.md) and, for the spoofing check, to a
loopback port as well. Requests carry nginx's headers (Host, X-Forwarded-Proto,
X-Forwarded-For). Before the fix, the socket's empty peer address reached django-axes and the
audit trail as nothing at all: 25 wrong passwords never locked the account (security test H1).

On SQLite the server uses a file copy of the test database; on PostgreSQL the test database
itself. Bounded: the server is stopped by the test, in well under 20 s.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection

from panah.core.crypto.keys import new_master_key, write_keyring
from panah.core.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.server]

ROOT = Path(__file__).resolve().parent.parent
HOST = "panah.example.org"
CLIENT = "198.51.100.66"  # the member's address, as nginx saw it
PASSWORD = "socket-test-password-2026"  # noqa: S105 (a test account)
STOP_WITHIN = 10  # seconds


class UnixConnection(http.client.HTTPConnection):
    """An HTTP connection over a Unix socket, as nginx's upstream makes it."""

    def __init__(self, path: str):
        super().__init__("localhost", timeout=20)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Visitor:
    """One browser behind nginx: its cookies, and the headers nginx adds to each request."""

    def __init__(self, connect, forwarded_for: str):
        self.connect = connect
        self.cookies: dict[str, str] = {}
        self.headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": forwarded_for,
        }

    def request(self, method: str, path: str, form: dict | None = None) -> int:
        headers = dict(self.headers)
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"  # what the browser sends, checked by CSRF
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status

    def log_in(self, email: str, password: str) -> int:
        if not self.cookies:
            assert self.request("GET", "/login/") == 200
        token = self.cookies["__Host-csrftoken"]
        form = {"username": email, "password": password, "csrfmiddlewaretoken": token}
        return self.request("POST", "/login/", form)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp_path: Path) -> str:
    """A database the server shares with this test: a file copy on SQLite, or the same one."""
    if connection.vendor == "sqlite":
        path = tmp_path / "panah.sqlite3"
        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
        return f"sqlite:///{path}"
    s = connection.settings_dict
    auth = f"{s['USER']}:{s['PASSWORD']}@" if s.get("PASSWORD") else f"{s['USER']}@"
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def query(url: str, sql: str) -> list[tuple]:
    """Rows the server wrote, read from its database after it stopped."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def start(env: dict[str, str], socket_path: str, port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "panah.wsgi:application",
        "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"unix:{socket_path}", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "2",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited with {server.returncode}")
        try:
            if Visitor(lambda: UnixConnection(socket_path), CLIENT).request("GET", "/login/"):
                return server
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    raise AssertionError("gunicorn did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def socket_dir():
    # A Unix socket's path must stay under 108 bytes: pytest's tmp_path can be longer.
    path = tempfile.mkdtemp(prefix="panah-sock-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_behind_nginx_five_wrong_passwords_lock_the_account_and_the_audit_has_the_address(
    tmp_path, socket_dir, settings, org_a, make_member
):
    # The server checks passwords with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    key_file = tmp_path / "keys" / "master.key"
    write_keyring(key_file, (new_master_key(),))
    settings.MASTER_KEY_FILE = str(key_file)
    for email in ("member@example.org", "other@example.org"):
        user = make_member(org_a, [Role.CASEWORKER], email=email)
        user.set_password(PASSWORD)
        user.save()
    url = database_url(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANAH_")}
    env.update(
        PANAH_MODE="production",
        PANAH_SECRET_KEY=secrets.token_urlsafe(50),
        PANAH_ALLOWED_HOSTS=HOST,
        PANAH_DATABASE_URL=url,
        PANAH_MASTER_KEY_FILE=str(key_file),
        PANAH_VAR_DIR=str(tmp_path / "var"),
        PANAH_FILES_DIR=str(tmp_path / "files"),
        PANAH_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    socket_path = os.path.join(socket_dir, "gunicorn.sock")
    port = free_port()
    limit = settings.AXES_FAILURE_LIMIT
    connection.close()

    server = start(env, socket_path, port)
    try:
        member = Visitor(lambda: UnixConnection(socket_path), CLIENT)
        wrong = [member.log_in("member@example.org", f"guess-{n}") for n in range(limit)]
        right = member.log_in("member@example.org", PASSWORD)
        elsewhere = Visitor(lambda: UnixConnection(socket_path), "192.0.2.45")
        from_elsewhere = elsewhere.log_in("member@example.org", PASSWORD)
        # A client reaching gunicorn directly (no proxy) names a new address each time.
        direct = [
            Visitor(
                lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=20), f"203.0.113.{n}"
            )
            for n in range(limit + 1)
        ]
        spoofed = [v.log_in("other@example.org", "wrong") for v in direct[:limit]]
        spoofed_right = direct[limit].log_in("other@example.org", PASSWORD)
    finally:
        stop(server)

    assert wrong == [200] * (limit - 1) + [429]
    assert right == 429  # locked: even the right password is refused
    assert from_elsewhere == 302  # the lockout is per account and address, not per proxy
    assert spoofed == [200] * (limit - 1) + [429]
    assert spoofed_right == 429
    # PostgreSQL gives inet values back as address objects, SQLite as text.
    failed = query(
        url,
        "SELECT ip FROM core_auditentry WHERE action = 'account.login_failed' ORDER BY id",
    )
    addresses = [str(ip) for (ip,) in failed]
    assert addresses[:limit] == [CLIENT] * limit
    assert set(addresses) == {CLIENT, "127.0.0.1"}
    every_address = {str(ip) for (ip,) in query(url, "SELECT ip FROM core_auditentry")}
    assert not any(ip.startswith("203.0.113.") for ip in every_address)
    attempts = query(url, "SELECT ip_address FROM axes_accessattempt")
    assert sorted(str(ip) for (ip,) in attempts) == ["127.0.0.1", CLIENT]
