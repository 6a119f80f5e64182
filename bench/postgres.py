"""The benchmarks' own PostgreSQL databases: named safely, created and dropped on the server.

bench/load.py keeps a seeded template and copies it per run; bench/linkage_scale.py imports
into a fresh database. Both drop databases, so a name is refused unless it is plain and not
one of the server's own.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit


def database_name(url: str) -> str:
    """The database a URL names, refused (SystemExit) unless plain and the bench's own."""
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in (
        "postgres",
        "template0",
        "template1",
    ):
        raise SystemExit(f"Refusing the database name {name!r}: give one of the bench's own.")
    return name


def with_name(url: str, name: str) -> str:
    """The same server's URL for the database `name`."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def server_sql(url: str, *statements: str) -> list:
    """Run statements on the server of `url` (its maintenance database), outside a transaction
    (as CREATE and DROP DATABASE must be); a SELECT gives its rows, the others their cursor."""
    import psycopg

    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as conn:
        return [conn.execute(s).fetchall() if s.lstrip().upper().startswith("SELECT")
                else conn.execute(s) for s in statements]  # fmt: skip
