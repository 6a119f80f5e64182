"""Hand-written SQL run through Django's cursor (logged, wrapped and error-mapped as the ORM's)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


def run_sql(sql: str, params: list, *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """The rows of a plain SQL statement (`%s` placeholders), or [] for one that returns none.

    For the audit chain's head and the read-burst check, whose SQL is written by hand (see
    core.audit and core.security for why).
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []
