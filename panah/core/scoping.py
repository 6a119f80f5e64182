"""Closing the gaps django-scopes leaves in its refusal of unscoped queries.

Outside `scope(...)`, a scoped manager hands out a queryset whose evaluating methods raise
ScopeError. django-scopes 2.1 forgets a few that still run the query over every organisation:
`exists()` (so `Case.objects.exists()` would answer across tenants), `explain()` and
`aiterator()`. They are made to raise too, so a missing scope fails loudly everywhere.
"""

from __future__ import annotations

from django_scopes.manager import DisabledQuerySet

UNGUARDED = ("exists", "explain", "aiterator")


def close_gaps() -> None:
    """Make the unguarded methods of the refused queryset raise ScopeError (idempotent)."""
    for name in UNGUARDED:
        setattr(DisabledQuerySet, name, DisabledQuerySet.error)
