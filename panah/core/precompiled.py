"""Read-only queries compiled to SQL once and then run with new parameters.

Every signed-in request reads its session, its user, its second-factor device and its
memberships afresh, because a session ended, a member removed or an organisation locked must
take effect on the very next request. Building those querysets is most of their cost: Django
compiles each one to SQL anew (about 0.2 ms apiece), while SQLite or PostgreSQL answers in a
tenth of that. A `PrecompiledQuery` keeps the SQL, the column layout and the value converters
Django computed the first time, per database connection, and only swaps the parameters: the
rows are still read from the database on every call, so nothing is cached but the SQL text.

Instances are built the way Django's own ModelIterable builds them (`from_db`, then the
select_related populators), so they behave like instances from a queryset.

Meant for the per-request look-ups above, which are not organisation-scoped: a scoped
manager's check (django-scopes) runs when the queryset is built, that is once, at compile time,
so a scoped model's records must keep going through its manager.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass
class _Compiled:
    sql: str
    params: list[Any]
    slots: list[int]
    compiler: Any
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    related_populators: list[Any]
    converters: dict


class PrecompiledQuery:
    """A queryset built by `build(*params)`, compiled once per connection, run many times.

    `sentinels` are example parameters, one per argument of `build`, each a string or integer
    that appears exactly once among the compiled query's parameters; at run time each is
    replaced by the caller's value. Only plain string and integer parameters are supported:
    their database form is the value itself, so they can be swapped without re-adapting.
    """

    def __init__(self, build: Callable[..., QuerySet], *sentinels: str | int):
        self._build = build
        self._sentinels = sentinels
        self._by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compile(self, connection) -> _Compiled:
        queryset = self._build(*self._sentinels)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for sentinel in self._sentinels:
            positions = [i for i, value in enumerate(params) if value == sentinel]
            if len(positions) != 1:
                raise ValueError(f"Sentinel {sentinel!r} must appear once in {params!r}")
            slots.append(positions[0])
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fields = [s[0] for s in select[0 : compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            compiler=compiler,
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            related_populators=get_related_populators(klass_info, select, connection.alias),
            converters=compiler.get_converters(fields),
        )

    def __call__(self, *args: str | int, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        """The instances the queryset built from `args` would yield, read from the database now."""
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = self._compile(connection)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, args, strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
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

    def first(self, *args: str | int, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        """The first instance, or None."""
        found = self(*args, using=using)
        return found[0] if found else None
