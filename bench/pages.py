"""What the dashboard costs beside a bare view served by the same server: a plain measurement.

Starts gunicorn on 127.0.0.1 (a free port) with bench/settings.py and a throwaway SQLite
database, creates an organisation and a member, logs in through the real pages (password, then
the TOTP code), and then, at 1, 4 and 16 concurrent clients, sends a bounded number of requests
to the dashboard and to /bare/ and prints requests per second, p95 latency and server CPU per
request. There is no target: the old one (half the bare view's throughput) is retired
(docs/performance.md); what members feel is measured by bench/load.py. The server and client
here are also what bench/casework.py and bench/advocacy.py use.

Run with `make bench` (or `.venv/bin/python bench/pages.py`). It stops by itself, removes its
scratch folder and stops gunicorn. Nothing leaves the loopback interface.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
EMAIL = "bench-admin@example.invalid"
PASSWORD = "bench-password-not-secret-2026"
LEVELS = (1, 4, 16)
# (name, path, with the session cookie, text the page must contain)
VIEWS = (
    ("bare", "/bare/", False, b"ok"),
    ("bare, signed in", "/bare/", True, b"ok"),
    ("dashboard", "/", True, b"<h1>Dashboard</h1>"),
)


# --- the client: plain http.client on loopback, one keep-alive connection per client thread ---


class Client:
    """A tiny browser: keeps cookies, one keep-alive connection, follows no redirects."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, form: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = urlencode(form).encode() if form is not None else None
        headers = {"Host": f"{HOST}:{self.port}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: open a new one once.
                self.close()
                if attempt == 2:
                    raise
                continue
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            if response.will_close:
                self.close()
            return response.status, dict(response.headers), data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise SystemExit("No CSRF token on the page: the login page changed?")
    return match.group(1).decode()


def log_in(port: int, code_for) -> dict[str, str]:
    """Password, then the TOTP code, through the real pages; the cookies of the session."""
    client = Client(port)
    status, _, html = client.request("GET", "/login/")
    assert status == 200, status
    status, headers, _ = client.request(
        "POST",
        "/login/",
        {"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(html)},
    )
    if status != 302 or "second-factor" not in headers.get("Location", ""):
        raise SystemExit(f"Password step failed: {status} {headers.get('Location')}")
    status, _, html = client.request("GET", "/login/second-factor/")
    assert status == 200, status
    status, headers, _ = client.request(
        "POST",
        "/login/second-factor/",
        {"code": code_for(), "csrfmiddlewaretoken": csrf_token(html)},
    )
    if status != 302:
        raise SystemExit(f"Second-factor step failed: {status}")
    status, _, html = client.request("GET", "/")
    if status != 200 or b"<h1>Dashboard</h1>" not in html:
        raise SystemExit(f"The dashboard did not open after logging in: {status}")
    client.close()
    return client.cookies


@dataclass
class Result:
    count: int
    errors: int
    seconds: float
    latencies: list[float]
    cpu: float = 0.0  # seconds of CPU the gunicorn workers spent meanwhile

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: what the page costs, whatever the neighbours are doing."""
        return self.cpu / self.count * 1000 if self.count else float("nan")

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def p95_ms(self) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=20)[18] * 1000


def load(
    server: int,
    port: int,
    path: str,
    cookies: dict[str, str],
    clients: int,
    total: int,
    cap: float,
    check: bytes,
) -> Result:
    """`total` requests to `path` from `clients` threads at once, stopping early after `cap` s."""
    lock = threading.Lock()
    state = {"left": total, "errors": 0}
    latencies: list[float] = []
    deadline = time.perf_counter() + cap

    def worker() -> None:
        client = Client(port, cookies)
        # One warm-up request opens the connection outside the timed part.
        client.request("GET", path)
        barrier.wait()
        mine = []
        while time.perf_counter() < deadline:
            with lock:
                if state["left"] <= 0:
                    break
                state["left"] -= 1
            start = time.perf_counter()
            status, _, body = client.request("GET", path)
            mine.append(time.perf_counter() - start)
            if status != 200 or check not in body:
                with lock:
                    state["errors"] += 1
        client.close()
        with lock:
            latencies.extend(mine)

    barrier = threading.Barrier(clients + 1)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(worker) for _ in range(clients)]
        barrier.wait()
        start, cpu_before = time.perf_counter(), server_cpu(server)
        for future in futures:
            future.result()
        seconds, cpu = time.perf_counter() - start, server_cpu(server) - cpu_before
    return Result(len(latencies), state["errors"], seconds, latencies, cpu)


def merge(results: list[Result]) -> Result:
    return Result(
        sum(r.count for r in results),
        sum(r.errors for r in results),
        sum(r.seconds for r in results),
        [x for r in results for x in r.latencies],
        sum(r.cpu for r in results),
    )


TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and workers."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        fields = text[text.rindex(")") + 2 :].split()
        if pid == master or int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def in_process_costs(cookies: dict[str, str], rounds: int = 200) -> dict[str, float]:
    """CPU ms per dashboard served in this process: as measured, and with every cache empty.

    The panels and the menu are cached until the organisation's audit chain moves (see
    core.dashboard); this shows what a visit costs when they must be rendered afresh.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client as DjangoClient

    settings.ALLOWED_HOSTS = ["*"]
    client = DjangoClient()
    for name, value in cookies.items():
        client.cookies[name] = value
    costs = {}
    for label, clear in (("cached", False), ("nothing cached", True)):
        client.get("/")
        started = time.process_time()
        for _ in range(rounds):
            if clear:
                cache.clear()
            assert client.get("/").status_code == 200
        costs[label] = (time.process_time() - started) / rounds * 1000
    return costs


# --- the server ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def prepare() -> None:
    """Migrate the scratch database and create an organisation with a verified member."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from panah.core import services
    from panah.core.models import AuthenticatorDevice, Membership, Role, RoleGrant, User

    call_command("migrate", verbosity=0, interactive=False)
    with scopes_disabled():
        admin = User.objects.create_user(EMAIL, PASSWORD, display_name="Bench Admin")
        AuthenticatorDevice.objects.create(user=admin, name="bench", confirmed=True)
        org = services.create_organisation(name="Bench Organisation", founder=admin)
        membership = Membership.objects.get(organisation=org, user=admin)
        RoleGrant.objects.create(membership=membership, organisation=org, role=Role.COORDINATOR)
        # A few colleagues, so the members panel counts something.
        for n in range(4):
            user = User.objects.create_user(
                f"colleague{n}@example.invalid", None, display_name=f"Colleague {n}"
            )
            colleague = Membership.objects.create(organisation=org, user=user)
            RoleGrant.objects.create(membership=colleague, organisation=org, role=Role.CASEWORKER)


def current_code() -> str:
    from django_otp.oath import totp

    from panah.core.models import AuthenticatorDevice

    device = AuthenticatorDevice.objects.get(user__email=EMAIL, confirmed=True)
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def start_gunicorn(port: int, env: dict[str, str], workers: int, threads: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "panah.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                pass
            if Client(port).request("GET", "/bare/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per view and level")
    parser.add_argument("--cap", type=float, default=20.0, help="seconds per view and level")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="panah-bench-"))
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

    server = None
    try:
        print(f"Preparing a scratch database in {var_dir} ...", flush=True)
        prepare()
        port = free_port()
        print(
            f"Starting gunicorn on {HOST}:{port} "
            f"({args.workers} workers x {args.threads} threads, gthread) ...",
            flush=True,
        )
        server = start_gunicorn(port, env, args.workers, args.threads)
        cookies = log_in(port, current_code)
        print("Logged in through /login/ and /login/second-factor/.", flush=True)
        rows = []
        for clients in LEVELS:
            print(f"  {clients:>2} concurrent clients ...", flush=True)
            # Alternate the views in halves so a neighbour's load hits them all alike.
            half, cap = args.requests // 2, args.cap / 2
            results: dict[str, list[Result]] = {name: [] for name, *_ in VIEWS}
            for _ in range(2):
                for name, path, signed_in, check in VIEWS:
                    jar = cookies if signed_in else {}
                    results[name].append(
                        load(server.pid, port, path, jar, clients, half, cap, check)
                    )
            rows.append((clients, {name: merge(parts) for name, parts in results.items()}))
        costs = in_process_costs(cookies)
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(var_dir, ignore_errors=True)

    print()
    print("Panah pages under gunicorn on loopback (taken on a shared machine)")
    cols = ("bare", "bare, signed in", "dashboard")
    header = f"{'clients':>7} | " + " | ".join(f"{c:^22}" for c in cols)
    header += f" | {'errors':>6}"
    units = f"{'':>7} | " + " | ".join(f"{'req/s':>6} {'p95 ms':>7} {'cpu ms':>7}" for _ in cols)
    units += f" | {'':>6}"
    print(header)
    print(units)
    print("-" * len(header))
    for clients, by_view in rows:
        errors = sum(r.errors for r in by_view.values())
        cells = " | ".join(
            f"{r.rps:>6.1f} {r.p95_ms:>7.1f} {r.cpu_ms:>7.2f}" for r in (by_view[c] for c in cols)
        )
        print(f"{clients:>7} | {cells} | {errors:>6}")
    counts = "; ".join(
        f"{c} clients: " + "/".join(str(r.count) for r in by_view.values()) for c, by_view in rows
    )
    total = {c: merge([by_view[c] for _, by_view in rows]) for c in cols}
    print(f"requests timed (bare/signed in/dashboard): {counts}")
    print(
        "server CPU per request over all levels: "
        + ", ".join(f"{c} {total[c].cpu_ms:.2f} ms" for c in cols)
        + f"; by CPU the dashboard costs {total['dashboard'].cpu_ms / total['bare'].cpu_ms:.1f}x"
        f" the bare view and {total['dashboard'].cpu_ms / total['bare, signed in'].cpu_ms:.1f}x"
        " the signed-in bare view"
    )
    print(
        "dashboard served in this process (CPU ms per page, test client): "
        + ", ".join(f"{label} {ms:.2f}" for label, ms in costs.items())
    )
    print("'bare, signed in' is /bare/ with the session cookie: the session, user, second-factor")
    print("and membership look-ups every signed-in page pays. 'cpu ms' is gunicorn's CPU time per")
    print("request, which other work on the machine does not inflate as much as req/s and p95.")


if __name__ == "__main__":
    main()
