"""Appending to and verifying the hash-chained audit trail.

Each organisation has its own chain; events outside any organisation (a failed login) go to
the "system" chain. An entry's hash covers its content and the previous entry's hash, so any
change, deletion or reordering shows up when the chain is walked again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import AuditEntry, AuditHead, Organisation

if TYPE_CHECKING:
    from django.http import HttpRequest

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def chain_name(organisation: Organisation | int | None) -> str:
    """The chain an organisation's entries belong to."""
    if organisation is None:
        return SYSTEM_CHAIN
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return f"org-{org_id}"


def entry_digest(
    *,
    previous_hash: str,
    chain: str,
    sequence: int,
    at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    ip: str | None,
    user_agent: str,
    data: Any,
) -> str:
    """The SHA-256 of one entry's canonical form, chained to the previous hash."""
    body = json.dumps(
        [chain, sequence, at, actor_id, action, object_type, object_id, ip, user_agent, data],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{previous_hash}|{body}".encode()).hexdigest()


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    organisation: Organisation | None,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    request: HttpRequest | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry to the organisation's chain, inside the caller's transaction.

    `data` holds identifiers and field names, never personal values.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    chain = chain_name(organisation)
    at = timezone.now()
    user_agent = (request.META.get("HTTP_USER_AGENT", "") if request else "")[:300]
    ip = _client_ip(request)
    data = data or {}
    with transaction.atomic(), scopes_disabled():
        head = _locked_head(chain)
        sequence = head.sequence + 1
        digest = entry_digest(
            previous_hash=head.last_hash,
            chain=chain,
            sequence=sequence,
            at=at.isoformat(),
            actor_id=actor.pk if actor else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            ip=ip,
            user_agent=user_agent,
            data=data,
        )
        entry = AuditEntry.objects.create(
            organisation=organisation,
            chain=chain,
            sequence=sequence,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            ip=ip,
            user_agent=user_agent,
            data=data,
            previous_hash=head.last_hash,
            entry_hash=digest,
        )
        head.sequence = sequence
        head.last_hash = digest
        head.save(update_fields=["sequence", "last_hash"])
    return entry


def _locked_head(chain: str) -> AuditHead:
    """The chain's head row, locked for the rest of the transaction."""
    try:
        return AuditHead.objects.select_for_update().get(chain=chain)
    except AuditHead.DoesNotExist:
        try:
            with transaction.atomic():
                AuditHead.objects.create(chain=chain, sequence=0, last_hash=GENESIS)
        except IntegrityError:
            pass  # another writer created it first; lock theirs
        return AuditHead.objects.select_for_update().get(chain=chain)


@dataclass(frozen=True)
class ChainProblem:
    """The first place a chain stops verifying."""

    chain: str
    entry_id: int | None
    sequence: int
    reason: str

    def __str__(self) -> str:
        where = f"entry id {self.entry_id}" if self.entry_id is not None else "the chain's head"
        return f"chain {self.chain}: {where} (sequence {self.sequence}): {self.reason}"


def verify_chain(chain: str, *, batch_size: int = 5000) -> ChainProblem | None:
    """Walk one chain from its start; return its first problem, or None if it is intact."""
    with scopes_disabled():
        head = AuditHead.objects.filter(chain=chain).first()
        rows = _iter_chain(chain, batch_size)
        problem, last_sequence, last_hash = _walk(chain, rows)
    if problem:
        return problem
    if head is not None and (head.sequence != last_sequence or head.last_hash != last_hash):
        return ChainProblem(
            chain, None, head.sequence, "entries are missing at the end of the chain"
        )
    return None


def _iter_chain(chain: str, batch_size: int) -> Iterator[tuple]:
    fields = (
        "id", "sequence", "at", "actor_id", "action", "object_type", "object_id",
        "ip", "user_agent", "data", "previous_hash", "entry_hash",
    )  # fmt: skip
    qs = AuditEntry.objects.filter(chain=chain).order_by("sequence").values_list(*fields)
    return qs.iterator(chunk_size=batch_size)


def _walk(chain: str, rows: Iterable[tuple]) -> tuple[ChainProblem | None, int, str]:
    expected_previous = GENESIS
    expected_sequence = 1
    for (
        entry_id, sequence, at, actor_id, action, object_type, object_id,
        ip, user_agent, data, previous_hash, entry_hash,
    ) in rows:  # fmt: skip
        if sequence != expected_sequence:
            reason = (
                f"expected sequence {expected_sequence}: an entry was deleted or reordered"
                if sequence > expected_sequence
                else "sequence repeats: an entry was duplicated or reordered"
            )
            return ChainProblem(chain, entry_id, sequence, reason), sequence, previous_hash
        if previous_hash != expected_previous:
            return (
                ChainProblem(chain, entry_id, sequence, "does not follow the previous entry"),
                sequence,
                previous_hash,
            )
        digest = entry_digest(
            previous_hash=previous_hash,
            chain=chain,
            sequence=sequence,
            at=at.isoformat(),
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=ip,
            user_agent=user_agent,
            data=data,
        )
        if digest != entry_hash:
            return (
                ChainProblem(chain, entry_id, sequence, "its content was altered"),
                sequence,
                entry_hash,
            )
        expected_previous = entry_hash
        expected_sequence += 1
    return None, expected_sequence - 1, expected_previous


def all_chains() -> list[str]:
    """Every chain that has a head or an entry."""
    with scopes_disabled():
        names = set(AuditHead.objects.values_list("chain", flat=True))
        names.update(AuditEntry.objects.values_list("chain", flat=True).distinct())
    return sorted(names)
