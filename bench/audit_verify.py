"""How long `panah audit verify` takes over 1,000,000 audit entries (target: under 60 s).

Builds a throwaway SQLite database, fills one organisation's chain of writes and one member's
chain of reads (a quarter of the entries) with entries whose hashes are computed in Python
exactly as `panah.core.audit.record` computes them (canonical form 2; bulk-inserted, so the
build is quick), then times the verify command. Prints entries per second and seconds.

    .venv/bin/python bench/audit_verify.py [--entries 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 50_000
ACTIONS = [
    ("person.viewed", "people.person", {}),
    ("case.step_recorded", "cases.case", {"step": "interview"}),
    ("person.updated", "people.person", {"fields": ["address", "phone"]}),
    ("member.roles_changed", "core.membership", {"roles": ["caseworker"]}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="panah-bench-audit-"))
    os.environ.update(
        {
            "PANAH_MODE": "demo",
            "PANAH_VAR_DIR": str(tmp),
            "PANAH_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "panah.settings",
        }
    )
    try:
        run(args.entries)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from panah.core import audit
    from panah.core.models import AuditEntry, AuditHead, Organisation, User

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(name="Bench", slug="bench")
    member = User.objects.create_user("bench@example.org", None, display_name="Bench")
    writes, reads = audit.chain_name(org), audit.read_chain_name(org, member.pk)
    keyed_hash = audit._keyed(audit.audit_keys()[0])
    adapt = connection.ops.adapt_datetimefield_value
    table = AuditEntry._meta.db_table
    columns = (
        "organisation_id", "chain", "sequence", "at", "actor_id", "action", "object_type",
        "object_id", "ip", "user_agent", "data", "previous_hash", "entry_hash", "hash_version",
    )  # fmt: skip
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    user_agent = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/124 Mobile"
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    with connection.cursor() as cursor:
        # A throwaway database: no need to survive a power cut while it is filled.
        cursor.execute("PRAGMA synchronous=OFF")
    t0, c0 = time.perf_counter(), time.process_time()
    # (sequence, hash) of each chain's last entry
    last = {writes: (0, audit.GENESIS), reads: (0, audit.GENESIS)}
    batch: list[tuple] = []
    for i in range(1, n + 1):
        action, object_type, data = ACTIONS[i % len(ACTIONS)]
        chain = reads if action.endswith(audit.READ_SUFFIX) else writes
        sequence, previous = last[chain][0] + 1, last[chain][1]
        at = start + dt.timedelta(milliseconds=37 * i)
        object_id = str(i % 5000 + 1)
        ip = f"10.0.{i % 200}.{i % 250 + 1}"
        data_json = audit._json(data)
        body = audit._body_v2(
            chain, sequence, audit._at_text(at), org.pk, member.pk, action, object_type,
            object_id, ip, user_agent, data_json,
        )  # fmt: skip
        digest = keyed_hash(previous, body)
        batch.append(
            (
                org.pk, chain, sequence, adapt(at), member.pk, action, object_type, object_id,
                ip, user_agent, json.dumps(data), previous, digest, audit.HASH_VERSION,
            )
        )  # fmt: skip
        last[chain] = (sequence, digest)
        if len(batch) == BATCH or i == n:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch.clear()
    for chain, (sequence, previous) in last.items():
        AuditHead.objects.create(chain=chain, sequence=sequence, last_hash=previous)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"built {n:,} chained entries ({last[writes][0]:,} writes, {last[reads][0]:,} reads) in {build:.1f} s ({build_cpu:.1f} s CPU;"
        " hashed in Python, bulk-inserted)"
    )

    out = StringIO()
    t0, c0 = time.perf_counter(), time.process_time()
    call_command("audit", "verify", stdout=out, stderr=sys.stderr)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert "intact" in out.getvalue(), out.getvalue()
    print(
        f"panah audit verify: {n:,} entries in {seconds:.1f} s"
        f" = {n / seconds:,.0f} entries/s (target: 1,000,000 in under 60 s)"
    )
    # On a shared machine the wall time includes waiting for the CPU; this does not.
    print(f"  of which CPU time in this process: {cpu:.1f} s; load average {_load()}")


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
