"""Read-only queries compiled to SQL once and then run with new parameters.

Every signed-in request reads its session, its user, its second-factor device and its
memberships afresh, because a session ended, a member removed or an organisation locked must
take effect on the very next request. Building those querysets is most of their cost: Django
compiles each one to SQL anew (about 0.2 ms apiece), while SQLite or PostgreSQL answers in a
tenth of that. A `PrecompiledQuery` keeps the SQL, the column layout and the value converters
Django computed the first time, per database connection, and only swaps the parameters. The
rows are still read from the database on every call; only when they are identical, column for
column, to the rows read last time for the same arguments are the instances built from those
rows handed out again, as copies. So a change to any column is seen on the very next call.

Instances are built the way Django's own ModelIterable builds them (`from_db`, then the
select_related populators), so they behave like instances from a queryset. When nothing logs
or wraps Django's queries, the rows are read through the driver's cursor: Django's layers
around it cost more than the database's answer (see `_read`).

Meant for the per-request look-ups above. A scoped manager's check (django-scopes) runs when
the queryset is built, that is once, at compile time; so a query of an organisation-scoped
model must filter by the organisation itself, from an argument named as `scope_argument` (each
call then checks, as the scoped manager would, that the organisation in scope is that one), or
by a record already found in the organisation (the case page's look-ups, `cases.queries` and
`cases.rules`).
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.query import get_related_populators
from django_scopes import get_scope, scopes_disabled
from django_scopes.exceptions import ScopeError

# How many argument sets each connection remembers the instances of (a connection serves
# one thread, so about one member per request; enough for every member active at once).
REMEMBERED_PER_CONNECTION = 512


def _copy(obj: Model) -> Model:
    """An independent copy of a freshly built instance, with copies of its related instances.

    Its attributes and its state are its own, so whatever a request sets on it (the user's
    device, a membership's roles) never reaches another request. Only instances whose values
    are all immutable are remembered (see _immutable), so a shallow copy of them is enough.
    """
    new = object.__new__(obj.__class__)
    attributes = obj.__dict__.copy()
    state = object.__new__(ModelState)
    cache = obj._state.fields_cache
    state.__dict__ = {
        "db": obj._state.db,
        "adding": False,
        "fields_cache": {name: _copy(related) for name, related in cache.items()} if cache else {},
    }
    attributes["_state"] = state
    new.__dict__ = attributes
    return new


_IMMUTABLE = (
    str,
    int,
    float,
    bool,
    bytes,
    type(None),
    dt.datetime,
    dt.date,
    dt.time,
    Decimal,
    UUID,
)


def _immutable(obj: Model) -> bool:
    """Whether every value of the instance and of its related instances is immutable."""
    return all(
        isinstance(value, _IMMUTABLE) for name, value in obj.__dict__.items() if name != "_state"
    ) and all(_immutable(related) for related in obj._state.fields_cache.values())


def _read(connection, compiled: _Compiled, params: list) -> list[tuple]:
    """The rows of a compiled query (see `_execute`)."""
    return _execute(connection, compiled.sql, compiled.driver_sql, params)


def _execute(connection, sql: str, driver_sql: str, params: list) -> list[tuple]:
    """The rows, read through the driver's cursor unless something watches Django's cursor.

    Django's cursor wraps each execution in several layers (debug logging, execute wrappers,
    SQLite's parameter rewriting) that cost more than the database's answer. When nothing
    logs or wraps queries, the driver's cursor on the same connection runs the same SQL;
    tests that count queries switch logging on and so still see every one. A statement that
    returns no rows (an UPDATE) gives [].
    """
    if connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description is not None else []
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(driver_sql, params)
            return cursor.fetchall() if cursor.description is not None else []
        finally:
            cursor.close()


@functools.lru_cache(maxsize=256)
def _driver_sql_of(vendor: str, sql: str) -> str:
    """The SQL as the database driver takes it: Django's SQLite cursor rewrites %s to ? on
    every execution; done here once per statement."""
    if vendor == "sqlite":
        return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return sql


def run_sql(sql: str, params: list, *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """The rows of a plain SQL statement ([] for one that returns none), run as a precompiled
    query is: through the driver's cursor unless queries are being logged or wrapped.

    For the few statements every request runs (the audit chain's head, the read-burst check),
    written by hand because the ORM's query building cost more than running them.
    """
    connection = connections[using]
    return _execute(connection, sql, _driver_sql_of(connection.vendor, sql), params)


@dataclass
class _Compiled:
    sql: str
    driver_sql: str  # the same, in the driver's own parameter style
    params: list[Any]
    slots: list[int]
    hex_slots: set[int]  # UUID arguments the database takes as hexadecimal text (SQLite)
    compiler: Any
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    related_populators: list[Any]
    converters: dict
    # Per arguments: the rows last read and the instances built from them (never handed out).
    built: dict = field(default_factory=dict)


class PrecompiledQuery:
    """A queryset built by `build(*params)`, compiled once per connection, run many times.

    `sentinels` are example parameters, one per argument of `build`, each a string, integer or
    UUID that appears exactly once among the compiled query's parameters; at run time each is
    replaced by the caller's value. Their database form is the value itself (a UUID: as the
    connection stores it), so they can be swapped without re-adapting. With `scope_argument`,
    the argument at that position is an organisation id the query filters by, and it must be
    the organisation in scope (django-scopes) unless scopes are disabled.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *sentinels: str | int | UUID,
        scope_argument: int | None = None,
    ):
        self._build = build
        self._sentinels = sentinels
        self._scope_argument = scope_argument
        self._by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compile(self, connection) -> _Compiled:
        with scopes_disabled():  # the query filters by organisation itself (scope_argument)
            queryset = self._build(*self._sentinels)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
        params = list(params)
        slots, hex_slots = [], set()
        for sentinel in self._sentinels:
            forms = (sentinel, sentinel.hex) if isinstance(sentinel, UUID) else (sentinel,)
            positions = [i for i, value in enumerate(params) if value in forms]
            if len(positions) != 1:
                raise ValueError(f"Sentinel {sentinel!r} must appear once in {params!r}")
            slots.append(positions[0])
            if isinstance(sentinel, UUID) and isinstance(params[positions[0]], str):
                hex_slots.add(positions[0])
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fields = [s[0] for s in select[0 : compiler.col_count]]
        return _Compiled(
            sql=sql,
            driver_sql=_driver_sql_of(connection.vendor, sql),
            params=params,
            slots=slots,
            hex_slots=hex_slots,
            compiler=compiler,
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            related_populators=get_related_populators(klass_info, select, connection.alias),
            converters=compiler.get_converters(fields),
        )

    def _check_scope(self, args: tuple) -> None:
        current = get_scope()
        if not current.get("_enabled", True):
            return
        organisation = current.get("organisation")
        in_scope = getattr(organisation, "pk", organisation)
        if in_scope is None or in_scope != args[self._scope_argument]:
            raise ScopeError(
                f"{self._build} reads organisation {args[self._scope_argument]!r} while "
                f"{'no organisation' if in_scope is None else in_scope} is in scope."
            )

    def __call__(self, *args: str | int | UUID, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        """The instances the queryset built from `args` would yield, read from the database now."""
        if self._scope_argument is not None:
            self._check_scope(args)
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = self._compile(connection)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, args, strict=True):
            params[slot] = value.hex if slot in compiled.hex_slots else value
        rows = _read(connection, compiled, params)
        # The same rows as last time (compared column by column, as the database sent them):
        # the instances built then are still exact, so hand out copies of them.
        key = tuple(args)
        remembered = compiled.built.get(key)
        if remembered is not None and remembered[0] == rows:
            return [_copy(obj) for obj in remembered[1]]
        built = self._build_instances(compiled, rows, using)
        if not all(_immutable(obj) for obj in built):
            return built  # a JSON value or the like: a copy would share it, so build anew
        if len(compiled.built) >= REMEMBERED_PER_CONNECTION:
            compiled.built.clear()
        compiled.built[key] = (rows, built)
        return [_copy(obj) for obj in built]

    def _build_instances(self, compiled: _Compiled, rows: list[tuple], using: str) -> list[Model]:
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        objects = []
        for row in rows:
            obj = compiled.model.from_db(
                using, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.related_populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def first(self, *args: str | int | UUID, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        """The first instance, or None."""
        found = self(*args, using=using)
        return found[0] if found else None
