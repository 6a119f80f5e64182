"""Gunicorn settings for Panah behind nginx (docs/deploy.md). Used by deploy/panah.service.

Command-line options override these (the crash test binds to a loopback port this way).
"""

import gc
import multiprocessing
import os

# nginx talks to gunicorn over a Unix socket that only the two of them can reach.
bind = os.environ.get("PANAH_GUNICORN_BIND", "unix:/run/panah/gunicorn.sock")
# Threads share a worker's memory and its kept-open database connections: on a small server
# two or three processes with a few threads each serve more than many processes.
worker_class = "gthread"
workers = int(os.environ.get("PANAH_GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("PANAH_GUNICORN_THREADS", 4))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Load Panah once in the master, before the workers fork: a recycled worker then starts with
# every module imported (the statistics libraries alone take over a second to import), so no
# member's request waits for it. No database connection is open at that moment (on_starting
# closes its own before the fork).
preload_app = True
# Only the proxies Panah trusts with the client's address (PANAH_TRUSTED_PROXIES, read by
# panah.core.proxy) may tell gunicorn the scheme too. The peer of the Unix socket is nginx,
# and gunicorn trusts it on its own; an IP address here is for a proxy reaching a TCP bind.
forwarded_allow_ips = ",".join(
    p.strip()
    for p in os.environ.get("PANAH_TRUSTED_PROXIES", "unix").split(",")
    if p.strip() not in ("", "unix")
)
proxy_allow_ips = "127.0.0.1"
limit_request_line = 8190
limit_request_fields = 100
# No access log: it would hold every member's address and every URL (with record ids) again,
# outside the audit trail. Errors go to the journal.
accesslog = None
errorlog = "-"
loglevel = "warning"
umask = 0o007  # the socket: panah and its group (nginx is added to it)
proc_name = "panah"


def on_starting(server):
    """Before any worker starts: remove encrypted files a crash left without their row.

    A file is written before its row commits; a killed server can leave one behind. At this
    moment no request of this server is in flight, so every unreferenced file is such a leftover.
    (With several application servers sharing one files folder, remove this hook and rely on
    `panah files sweep`, whose timer keeps an hour's grace: deploy/systemd/panah-sweep.timer.)
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panah.settings")
    import django

    django.setup()
    from django.db import connections

    from panah.core.backup.files import SweepRefused, sweep_orphaned_files

    try:
        result = sweep_orphaned_files(min_age_seconds=0)
    except SweepRefused as exc:
        server.log.warning("%s", exc)  # a wrong database must not stop the start either
        return
    finally:
        connections.close_all()  # never share a connection with the forked workers
    if result.removed:
        server.log.warning(
            "Removed %d encrypted file(s) left by an interrupted write.", len(result.removed)
        )
    for path, reason in result.failed:
        server.log.warning("Could not remove %s: %s.", path, reason)


def pre_fork(server, worker):
    """Before each worker is forked: move everything the master loaded out of the collector's
    reach (gc.freeze), as Python's documentation advises for a fork without exec.

    The preloaded application is about 270,000 objects that live as long as the worker; a full
    collection walked them all (130 ms of CPU here, bench/load.py) and, by touching each, copied
    the pages the workers would otherwise share with the master.
    """
    gc.freeze()
