"""Hand-written SQL run through Django's cursor (logged, wrapped and error-mapped as the ORM's),
and what bulk work runs under (SQLite's page cache, Python's cyclic collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, migrations, models


def run_sql(sql: str, params: list, *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """The rows of a plain SQL statement (`%s` placeholders), or [] for one that returns none.

    For the audit chain's head and the read-burst check, whose SQL is written by hand (see
    core.audit and core.security for why).
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []


# Field classes whose Python values (str, int, float, bool, None) every backend stores as they
# are, so insert_rows passes them on without the field's preparation. Exact classes only: a
# subclass (an encrypted field, say) prepares its values and goes through get_db_prep_save.
_PLAIN_FIELDS = (
    models.CharField, models.TextField, models.URLField, models.EmailField, models.SlugField,
    models.IntegerField, models.SmallIntegerField, models.BigIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField, models.FloatField, models.BooleanField,
    models.AutoField, models.BigAutoField,
)  # fmt: skip


# Fields whose prepared value depends on the value only, so equal values share it.
_DETERMINISTIC_FIELDS = (models.DateField, models.DateTimeField, models.TimeField)
# Fields whose values are prepared from the value alone (no model instance needed).
_PREPARED_FIELDS = (
    *_DETERMINISTIC_FIELDS, models.JSONField, models.UUIDField, models.DecimalField,
)  # fmt: skip


def _stored_as_is(field: models.Field) -> bool:
    """True for a plain field, False for one prepared by value; ValueError for any other
    (an encrypted field needs its model instance: it is written by saving the model)."""
    target = field.target_field if field.many_to_one else field
    if type(target) in _PLAIN_FIELDS:
        return True
    if type(target) in _PREPARED_FIELDS:
        return False
    raise ValueError(
        f"insert_rows writes plain fields only: {field.model.__name__}.{field.name} is a "
        f"{type(field).__name__}; save such rows through the ORM."
    )


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Insert `rows` of `model` in one statement (executemany; COPY on PostgreSQL): each row
    holds the values of `fields` (field names; a foreign key named by its attname,
    `source_id`, and given by its id) in that order, as the field's Python values. Every
    field without a database default must be given. No model is instantiated, no signal
    sent, nothing returned (no ids).

    For the tables written by the hundred thousand rows (reports by an import, victims and
    their memberships by a linkage run): bulk_create spends about four fifths of its time
    building an instance and preparing each value through the ORM (and on SQLite it may put only
    999 values in one statement), which executemany does not. Values of fields that are not
    plain (dates, times, JSON) still go through the field's get_db_prep_save; any other field
    (an encrypted one) is refused with ValueError before anything is written. The database's
    constraints check every row as they do for the ORM; a violation raises Django's
    IntegrityError on every backend.
    """
    if not rows:
        return
    connection = connections[using]
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    prepare = [(i, field) for i, field in enumerate(targets) if not _stored_as_is(field)]
    if prepare:
        prepared = []
        # Dates and times recur (one import time, a few thousand days): each distinct value
        # is prepared once. Other fields prepare every value (an encrypted field must).
        known: dict[int, dict[Any, Any]] = {
            i: {} for i, field in prepare if type(field) in _DETERMINISTIC_FIELDS
        }
        for row in rows:
            values = list(row)
            for i, field in prepare:
                value = values[i]
                if value is None:
                    continue
                cache = known.get(i)
                if cache is None:
                    values[i] = field.get_db_prep_save(value, connection)
                    continue
                done = cache.get(value)
                if done is None:
                    done = field.get_db_prep_save(value, connection)
                    if len(cache) < 100_000:
                        cache[value] = done
                values[i] = done
            prepared.append(values)
        rows = prepared
    quote = connection.ops.quote_name
    table, columns = quote(meta.db_table), ", ".join(quote(field.column) for field in targets)
    if connection.vendor == "postgresql":
        # PostgreSQL answers each row of an executemany in turn; COPY streams them in one
        # statement: 100,000 reports in 1.7 s instead of 8.2 (docs/linkage.md). psycopg's
        # Cursor.copy, reached through Django's cursor, which hands on what it does not wrap;
        # wrap_database_errors maps the driver's errors to Django's, as the cursor does.
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model's _meta)
        table, columns, ", ".join(["%s"] * len(targets))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# SQLite's page cache is 2 MB by default; writing 100,000 reports (or a run's victims) into
# tables of several indexes overflows it, so pages are spilled to the WAL and read back
# mid-transaction. 128 MiB holds the indexes of a few hundred thousand reports; SQLite only
# takes the pages it uses, and the connection's own size is put back afterwards.
BULK_CACHE_KIB = 128 * 1024


@contextmanager
def bulk_write_cache(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Give SQLite's page cache room for a bulk write while the block runs (nothing elsewhere).

    `PRAGMA cache_size` is SQLite's documented setting, per connection and allowed inside a
    transaction; PostgreSQL's shared buffers are the server's, so other databases are left as
    they are.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(BULK_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the block runs, back as it was after.

    For bulk work that holds 100,000s of rows in memory (an import, a linkage run): each full
    collection walks every live object, for cycles such work barely makes (reference counting
    still frees everything else). At 100k reports it saved about 1.3 s of a 9 s link and 0.3-0.4
    s of a 6.7 s import (docs/linkage.md). Process-wide: other threads do not collect either
    while it runs, which a background task or a command can afford.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def sqlite_index_statistics(statistics: Sequence[tuple[str, str, str]]) -> migrations.RunPython:
    """A migration operation giving SQLite planner statistics for new indexes.

    `statistics`: (table, index, `sqlite_stat1` text: rows, then rows per value of each prefix
    of the index's columns). Written only where the table already has statistics (installed or
    measured by ANALYZE) and the index none: without them SQLite would guess the new index
    narrows far better than it does and could choose it for other pages' queries. Reversed by
    deleting them. Nothing on other databases, which gather their own.
    """

    def install(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return
            for table, index, stat in statistics:
                cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = %s", [table])
                known = {row[0] for row in cursor.fetchall()}
                if known and index not in known:
                    cursor.execute(
                        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                        [table, index, stat],
                    )
            cursor.execute("ANALYZE sqlite_master")  # makes this connection read them

    def remove(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is not None:
                for table, index, _stat in statistics:
                    cursor.execute(
                        "DELETE FROM sqlite_stat1 WHERE tbl = %s AND idx = %s", [table, index]
                    )

    return migrations.RunPython(install, remove, elidable=False)
