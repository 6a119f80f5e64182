"""Appending to and verifying the hash-chained audit trail.

Each organisation has its own chain of writes; events outside any organisation (a failed login)
go to the "system" chain. Reads of sensitive records go to the reading member's own chain in
the organisation ("org-<id>/reads-<user id>"), so a read locks only that member's head, never
the organisation's: a long write (an import) does not make colleagues' pages wait. An entry's
hash covers its content (its organisation included, since canonical form 2) and the previous
entry's hash, so any change, deletion or reordering shows up when the chain is walked again.

The hash is an HMAC keyed with a secret derived from SECRET_KEY, which lives outside the
database: someone who can only write to the database cannot recompute a valid chain after
changing it (docs/security.md weighs this).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_scopes import scopes_disabled

from .db import run_sql
from .models import AuditEntry, AuditHead, Organisation
from .proxy import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"
# The canonical form new entries are hashed in (see `_body_v2`); entries keep the one they
# were written in, so chains written before it still verify.
HASH_VERSION = 2
READS_INFIX = "/reads-"
# Written to the organisation's chain when a member's read chain begins, so that deleting the
# whole read chain with its head is found (`missing_chains`).
READ_CHAIN_OPENED = "audit.read_chain_opened"


def chain_name(organisation: Organisation | int | None) -> str:
    """The chain an organisation's entries belong to."""
    if organisation is None:
        return SYSTEM_CHAIN
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return f"org-{org_id}"


def read_chain_name(organisation: Organisation | int, actor_id: int | None) -> str:
    """The chain one member's reads in an organisation belong to."""
    return f"{chain_name(organisation)}{READS_INFIX}{actor_id or 0}"


def chain_position(organisation: Organisation | int | None) -> int:
    """How many entries the organisation's chain holds: every audited write moves it, and
    reads leave it alone (they have chains of their own). Read without any lock."""
    sequence = (
        AuditHead.objects.filter(chain=chain_name(organisation))
        .values_list("sequence", flat=True)
        .first()
    )
    return sequence or 0


def written_position(organisation: Organisation | int | None) -> int:
    """The position of the organisation's newest audited write: every change to its records
    moves it (each is audited in its own transaction). The same as `chain_position`."""
    return chain_position(organisation)


def newest_read(organisation: Organisation | int) -> int:
    """The id of the organisation's newest recorded read (0 if none): pages that list reads
    are keyed by it as well as by the written position."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    with scopes_disabled():
        newest = (
            AuditEntry.objects.filter(organisation_id=org_id, action__endswith=READ_SUFFIX)
            .order_by("-at", "-id")
            .values_list("id", flat=True)
            .first()
        )
    return newest or 0


def audit_keys() -> list[bytes]:
    """The chain's HMAC keys: the current one first, then those of older secret keys."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_derive_key(s) for s in secrets]


@functools.lru_cache(maxsize=8)
def _derive_key(secret: str) -> bytes:
    # Domain separation: the audit key is not the key Django signs cookies with.
    return hmac.new(secret.encode(), b"panah audit chain v1", hashlib.sha256).digest()


def _keyed(key: bytes) -> Callable[[str, str], str]:
    """HMAC-SHA256 of "<previous hash>|<body>" under `key`."""

    def digest(previous_hash: str, body: str) -> str:
        return hmac.new(key, f"{previous_hash}|{body}".encode(), hashlib.sha256).hexdigest()

    return digest


# Sorted keys, no spaces, text as is: the canonical JSON of the entry's `data`.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_encode_str = json.encoder.encode_basestring  # what _ENCODER uses for text


def _json(value: Any) -> str:
    """`_ENCODER.encode(value)`, with a short way for the types every entry has."""
    cls = value.__class__
    if cls is str:
        return _encode_str(value)
    if cls is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _ENCODER.encode(value)


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()


def _canonical(
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
    """The entry as one JSON array in canonical form 1: what the hash of an old entry covers."""
    return _body(
        chain, sequence, at, actor_id, action, object_type, object_id, ip, user_agent, _json(data)
    )


def _body(
    chain: str,
    sequence: int,
    at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    ip: str | None,
    user_agent: str,
    data_json: str,
) -> str:
    return (
        f"[{_json(chain)},{_json(sequence)},{_json(at)},{_json(actor_id)},{_json(action)},"
        f"{_json(object_type)},{_json(object_id)},{_json(ip)},{_json(user_agent)},{data_json}]"
    )


def _body_v2(
    chain: str,
    sequence: int,
    at: str,
    organisation_id: int | None,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    ip: str | None,
    user_agent: str,
    data_json: str,
) -> str:
    """Canonical form 2: the form's number first, then every column an entry is selected or
    filtered by (its organisation too), then its data."""
    return (
        f"[2,{_json(chain)},{_json(sequence)},{_json(at)},{_json(organisation_id)},"
        f"{_json(actor_id)},{_json(action)},{_json(object_type)},{_json(object_id)},{_json(ip)},"
        f"{_json(user_agent)},{data_json}]"
    )


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
    key: bytes | None = None,
    organisation_id: int | None = None,
    version: int = 1,
) -> str:
    """The keyed hash (HMAC-SHA256) of one entry's canonical form `version`, chained to the
    previous hash. Form 1 leaves `organisation_id` out; new entries are written in form 2."""
    if version == 1:
        body = _canonical(
            chain, sequence, at, actor_id, action, object_type, object_id, ip, user_agent, data
        )
    else:
        body = _body_v2(
            chain, sequence, at, organisation_id, actor_id, action, object_type, object_id,
            ip, user_agent, _json(data),
        )  # fmt: skip
    return _keyed(key if key is not None else audit_keys()[0])(previous_hash, body)


def _client_ip(request: HttpRequest | None) -> str | None:
    # The same address the login lockout counts under (behind a proxy, the one it names).
    if request is None:
        return None
    return client_ip(request)


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
    savepoint: bool = True,
) -> AuditEntry:
    """Append one entry to the organisation's chain, inside the caller's transaction.

    A read ("<thing>.viewed") of an organisation's record goes to the member's read chain
    instead, and locks only that chain's head. `data` holds identifiers and field names, never
    personal values. `savepoint=False` when the caller's atomic block holds nothing but this
    entry (a read), so it is all-or-nothing already.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    actor_id = actor.pk if actor else None
    is_read = organisation is not None and action.endswith(READ_SUFFIX)
    chain = read_chain_name(organisation, actor_id) if is_read else chain_name(organisation)
    at = timezone.now()
    user_agent = (request.META.get("HTTP_USER_AGENT", "") if request else "")[:300]
    # Stored as the database will give it back (IPv6 is normalised), so the hash verifies.
    ip = AuditEntry._meta.get_field("ip").get_prep_value(_client_ip(request))
    data = data or {}
    held = _held_chain.get()
    if held is not None and held.chain != chain:
        held = None  # a batch holds one chain; others append as usual
    # In a batch the entry is one INSERT, atomic by itself: no savepoint around it.
    with transaction.atomic(savepoint=savepoint and held is None), scopes_disabled():
        if held is None:
            previous_sequence, previous_hash = _lock_head(chain)
        else:
            # Written under the batch's pending name and chained when the batch ends.
            chain = held.pending
            previous_sequence, previous_hash = _last_pending(held), ""
        if is_read and previous_sequence == 0:
            # The member's first read here: the organisation's chain says their read chain
            # exists from now on. Once per member, the only time a read takes the writers' lock.
            record(
                READ_CHAIN_OPENED,
                organisation=organisation,
                actor=actor,
                object_type="core.user",
                object_id=actor_id or 0,
                data={"chain": chain},
            )
            at = timezone.now()  # the read comes after the opening, in the trail's order too
        sequence = previous_sequence + 1
        digest = (
            ""
            if held is not None
            else entry_digest(
                previous_hash=previous_hash,
                chain=chain,
                sequence=sequence,
                at=_at_text(at),
                organisation_id=organisation.pk if organisation else None,
                actor_id=actor_id,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                ip=ip,
                user_agent=user_agent,
                data=data,
                version=HASH_VERSION,
            )
        )
        entry = AuditEntry(
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
            previous_hash=previous_hash,
            entry_hash=digest,
            hash_version=HASH_VERSION,
        )
        _insert(entry)
        if held is None:
            _move_head(chain, sequence, digest)
    return entry


# --- many entries in one transaction ---------------------------------------------------------


@dataclass
class _HeldChain:
    chain: str
    # The name the batch's entries carry until they are chained, unique to this batch.
    pending: str


_held_chain: ContextVar[_HeldChain | None] = ContextVar("panah_audit_batch", default=None)


@contextlib.contextmanager
def batch(organisation: Organisation | None) -> Iterator[None]:
    """Append many entries to the organisation's chain in the current transaction (an import).

    The chain's head is locked only at the end, for as long as chaining the entries takes, not
    for the whole import: while the head is locked every audited write of the organisation
    waits (a colleague's note, a member's first read), and each waiting request holds a server
    thread, so under load every page queued behind a few seconds' import (docs/performance.md).
    Until then the entries are written unhashed under a name of the batch's own
    ("org-<id>/pending-<random>"), numbered 1, 2, 3...; each follows the last one the batch
    still holds, read back (one indexed read), so an entry rolled back to a savepoint meanwhile
    (an import's row that failed) leaves no gap. At the end the head is locked, the entries are
    given their place after it, hashed, renamed to the chain, and the head written once. The
    head as it stands then is the authority on where the chain was (a deleted entry still
    shows). The entries never commit under the pending name: the renaming is in the same
    transaction. Entries of other chains are appended as usual.

    Must run inside transaction.atomic(); the head is locked from the end of the block until
    the transaction ends.
    """
    chain = chain_name(organisation)
    current = _held_chain.get()
    if current is not None and current.chain == chain:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.batch() runs inside transaction.atomic().")
    state = _HeldChain(chain, f"{chain}/pending-{secrets.token_hex(6)}")
    token = _held_chain.set(state)
    try:
        yield
    except BaseException:
        _held_chain.reset(token)
        # A caller that catches the error may still commit: its entries must be chained.
        # If the transaction is broken it rolls back, and the first error is the one to see.
        with contextlib.suppress(DatabaseError):
            _chain_pending(state)
        raise
    _held_chain.reset(token)
    _chain_pending(state)


def _last_pending(state: _HeldChain) -> int:
    """The number of the batch's last entry still held (0 for none)."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    sql = f"SELECT MAX(sequence) FROM {table} WHERE chain = %s"  # noqa: S608 (table name)
    return run_sql(sql, [state.pending])[0][0] or 0


def _chain_pending(state: _HeldChain) -> None:
    """Lock the head, give the batch's entries their places after it with their hashes, and
    move the head once: the only moment a batch holds the organisation's writers' lock."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    rows = run_sql(
        "SELECT id, sequence, at, organisation_id, actor_id, action, object_type, object_id,"  # noqa: S608 (table name)
        f" ip, user_agent, data FROM {table} WHERE chain = %s ORDER BY sequence",
        [state.pending],
    )
    if not rows:
        return
    sequence, previous_hash = _lock_head(state.chain)
    zone = connection.timezone or dt.UTC
    key = audit_keys()[0]
    changes = []
    for entry_id, _pending, at, organisation_id, actor_id, action, object_type, object_id, ip, \
            user_agent, data in rows:  # fmt: skip
        sequence += 1
        digest = entry_digest(
            previous_hash=previous_hash,
            chain=state.chain,
            sequence=sequence,
            # As verification reads them back: the stored time, address and data.
            at=_at_from_db(at, zone),
            organisation_id=organisation_id,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=ip if ip is None or ip.__class__ is str else str(ip),
            user_agent=user_agent,
            data=json.loads(data) if data.__class__ is str else data,
            key=key,
            version=HASH_VERSION,
        )
        changes.append((state.chain, sequence, previous_hash, digest, entry_id))
        previous_hash = digest
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET chain = %s, sequence = %s, previous_hash = %s,"  # noqa: S608 (table name)
            " entry_hash = %s WHERE id = %s",
            changes,
        )
    _move_head(state.chain, sequence, previous_hash)


_ENTRY_COLUMNS = (
    "organisation", "chain", "sequence", "at", "actor", "action", "object_type", "object_id",
    "ip", "user_agent", "data", "previous_hash", "entry_hash", "hash_version",
)  # fmt: skip


@functools.lru_cache(maxsize=4)
def _insert_statement(vendor: str) -> tuple[list, str]:
    """The fields and the INSERT ... RETURNING statement of an entry, for this database."""
    meta = AuditEntry._meta
    fields = [meta.get_field(name) for name in _ENTRY_COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names)
        f" RETURNING {quote(meta.pk.column)}"
    )
    return fields, sql


def _insert(entry: AuditEntry) -> None:
    """Save a new entry with one INSERT written once, not compiled by the ORM every time.

    The values are prepared by each field as the ORM would; the id comes back from the
    INSERT itself (RETURNING, on PostgreSQL and SQLite 3.35+), else the ORM saves it.
    """
    if not connection.features.can_return_columns_from_insert:
        entry.save(force_insert=True)
        return
    fields, sql = _insert_statement(connection.vendor)
    # Only the time, the address and the data need the database's form; the rest are as they are.
    params = [
        f.get_db_prep_save(getattr(entry, f.attname), connection)
        if f.attname in ("at", "ip", "data")
        else getattr(entry, f.attname)
        for f in fields
    ]
    entry.pk = run_sql(sql, params)[0][0]
    entry._state.adding = False
    entry._state.db = connection.alias


# Every audited write takes its chain's head (a read, its member's read head): plain SQL, as
# building the ORM's queries for it cost several times what the database took to run them.
def _head_table() -> str:
    return connection.ops.quote_name(AuditHead._meta.db_table)


def _lock_head(chain: str) -> tuple[int, str]:
    """(sequence, last hash) of the chain's head, locked for the transaction."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT sequence, last_hash FROM {_head_table()} WHERE chain = %s{lock}"  # noqa: S608 (table name)
    rows = run_sql(sql, [chain])
    if not rows:
        head = _locked_head(chain)  # the chain's first entry: create its head
        return head.sequence, head.last_hash
    return rows[0][0], rows[0][1]


def _move_head(chain: str, sequence: int, last_hash: str) -> None:
    """Point the chain's head at its new last entry."""
    sql = f"UPDATE {_head_table()} SET sequence = %s, last_hash = %s WHERE chain = %s"  # noqa: S608 (table name)
    run_sql(sql, [sequence, last_hash, chain])


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
        if self.entry_id is None and self.sequence == 0:
            return f"chain {self.chain}: {self.reason}"
        where = f"entry id {self.entry_id}" if self.entry_id is not None else "the chain's head"
        return f"chain {self.chain}: {where} (sequence {self.sequence}): {self.reason}"


ProgressCallback = Callable[[int], None]


def verify_chain(
    chain: str,
    *,
    batch_size: int = 5000,
    progress: ProgressCallback | None = None,
    progress_every: int = 100_000,
) -> ChainProblem | None:
    """Walk one chain from its start; return its first problem, or None if it is intact.

    `progress(n)` is called after every `progress_every` entries, for long chains.
    """
    with scopes_disabled():
        head = AuditHead.objects.filter(chain=chain).first()
        rows = _iter_chain(chain, batch_size)
        problem, last_sequence, last_hash = _walk(chain, rows, progress, progress_every)
    if problem:
        return problem
    if head is None:
        if last_sequence:
            return ChainProblem(
                chain, None, last_sequence, "the chain's head record is missing (deleted)"
            )
        return None
    if head.sequence > last_sequence:
        return ChainProblem(
            chain,
            None,
            head.sequence,
            f"entries {last_sequence + 1} to {head.sequence} are missing at the end of the chain"
            " (deleted)",
        )
    if head.sequence != last_sequence or head.last_hash != last_hash:
        return ChainProblem(
            chain, None, head.sequence, "the chain's head does not match its last entry"
        )
    return None


def _iter_chain(chain: str, batch_size: int) -> Iterator[tuple]:
    """The chain's rows as the database gives them, without Django's per-value converters
    (they cost more than the hashing); `_walk` turns the values into their canonical text."""
    qs = AuditEntry.objects.filter(chain=chain).order_by("sequence")
    at_field = "at"
    if connection.vendor == "sqlite":
        # The time as its stored text: parsing it into a datetime costs more than hashing it.
        qs = qs.annotate(at_text=Cast("at", TextField()))
        at_field = "at_text"
    fields = (
        "id", "sequence", at_field, "organisation_id", "actor_id", "action", "object_type",
        "object_id", "ip", "user_agent", "data", "previous_hash", "entry_hash", "hash_version",
    )  # fmt: skip
    sql, params = qs.values_list(*fields).query.sql_with_params()
    # A server-side cursor on PostgreSQL, so a long chain is not loaded into memory at once.
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield from rows
    finally:
        cursor.close()


def _at_from_db(value: dt.datetime | str, zone: dt.tzinfo) -> str:
    """The canonical time text of a stored `at`, as Django's own converter would read it."""
    if isinstance(value, str):
        if zone is dt.UTC and len(value) in (19, 26) and value[10] == " ":
            # Django's SQLite text "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, rewritten directly.
            return f"{value[:10]}T{value[11:]}+00:00"
        parsed = parse_datetime(value)
        if parsed is None:
            return value  # not a time at all: it cannot hash right, and is reported as altered
        value = parsed
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return _at_text(value)


def _walk(
    chain: str,
    rows: Iterable[tuple],
    progress: ProgressCallback | None = None,
    progress_every: int = 100_000,
) -> tuple[ChainProblem | None, int, str]:
    current, *older = (_keyed(key) for key in audit_keys())
    zone = connection.timezone or dt.UTC
    owner, reader = _chain_owner(chain)
    # Many entries carry the same `data` (often none): its canonical text is worked out once.
    data_texts: dict[str, str] = {}
    expected_previous = GENESIS
    expected_sequence = 1
    for (
        entry_id, sequence, at, organisation_id, actor_id, action, object_type, object_id,
        ip, user_agent, data, previous_hash, entry_hash, hash_version,
    ) in rows:  # fmt: skip
        if sequence != expected_sequence:
            reason = (
                f"the entry with sequence {expected_sequence} before it is missing:"
                " it was deleted, or entries were reordered"
                if sequence > expected_sequence
                else "sequence repeats: an entry was duplicated or reordered"
            )
            return ChainProblem(chain, entry_id, sequence, reason), sequence, previous_hash
        if previous_hash != expected_previous:
            return (
                ChainProblem(
                    chain,
                    entry_id,
                    sequence,
                    "does not follow the previous entry: entries were reordered or replaced",
                ),
                sequence,
                previous_hash,
            )
        # Form 1 hashes leave the organisation out: the chain's name, which they cover, says
        # which organisation (and, for reads, which member) its entries belong to.
        if organisation_id != owner or (reader is not None and actor_id != reader):
            return (
                ChainProblem(
                    chain,
                    entry_id,
                    sequence,
                    "it was moved to another organisation or member than its chain's",
                ),
                sequence,
                entry_hash,
            )
        if data.__class__ is str:
            data_json = data_texts.get(data)
            if data_json is None:
                data_json = _json(json.loads(data))
                if len(data_texts) < 10_000:
                    data_texts[data] = data_json
        else:
            data_json = _json(data)
        if ip is not None and ip.__class__ is not str:
            ip = str(ip)
        if hash_version == 1:
            body = _body(
                chain, sequence, _at_from_db(at, zone), actor_id, action, object_type,
                object_id, ip, user_agent, data_json,
            )  # fmt: skip
        else:
            # Any other number is a form this code never wrote: hashed as form 2, it fails.
            body = _body_v2(
                chain, sequence, _at_from_db(at, zone), organisation_id, actor_id, action,
                object_type, object_id, ip, user_agent, data_json,
            )  # fmt: skip
        if current(previous_hash, body) != entry_hash and not any(
            h(previous_hash, body) == entry_hash for h in older
        ):
            return (
                ChainProblem(
                    chain,
                    entry_id,
                    sequence,
                    "its content was altered (or the secret key it was written under is gone)",
                ),
                sequence,
                entry_hash,
            )
        expected_previous = entry_hash
        if progress is not None and expected_sequence % progress_every == 0:
            progress(expected_sequence)
        expected_sequence += 1
    return None, expected_sequence - 1, expected_previous


def _chain_owner(chain: str) -> tuple[int | None, int | None]:
    """(organisation id, reading member's id or None) that a chain's entries must carry."""
    if chain == SYSTEM_CHAIN:
        return None, None
    org_part, _, reader = chain.partition(READS_INFIX)
    try:
        org_id = int(org_part.removeprefix("org-"))
        reader_id = (int(reader) or None) if reader else None
    except ValueError:
        return -1, None  # a name this code never writes: no entry can match it
    return org_id, reader_id


def all_chains() -> list[str]:
    """Every chain that has a head or an entry."""
    with scopes_disabled():
        names = set(AuditHead.objects.values_list("chain", flat=True))
        names.update(AuditEntry.objects.values_list("chain", flat=True).distinct())
    return sorted(names)


def missing_chains(organisations: Iterable[Organisation] | None = None) -> list[ChainProblem]:
    """The chains that must exist but have no entry: each organisation's own (it begins with
    "organisation.created"), and each member's read chain its organisation's chain says was
    opened. Deleting a whole chain together with its head leaves nothing else to find it by."""
    problems = []
    with scopes_disabled():
        if organisations is None:
            organisations = Organisation.objects.order_by("pk")
        for organisation in organisations:
            chain = chain_name(organisation)
            if not AuditEntry.objects.filter(chain=chain).exists():
                problems.append(
                    ChainProblem(
                        chain,
                        None,
                        0,
                        f"organisation {organisation.slug!r} has no audit chain: its entries and"
                        " head were deleted (or it was created outside Panah)",
                    )
                )
                continue
            opened = AuditEntry.objects.filter(chain=chain, action=READ_CHAIN_OPENED)
            for entry_id, sequence, data in opened.values_list("id", "sequence", "data"):
                reads = (data or {}).get("chain", "")
                if not AuditEntry.objects.filter(chain=reads).exists():
                    problems.append(
                        ChainProblem(
                            str(reads),
                            None,
                            0,
                            f"the read chain opened by entry id {entry_id} (sequence {sequence})"
                            f" of {chain} has no entries: they were deleted with its head",
                        )
                    )
    return problems


READ_SUFFIX = ".viewed"

# Sent with `entry` and `request` for every recorded read, inside its transaction: alert policy
# listens (panah.core.read_alerts) without the append primitive knowing it.
read_recorded = Signal()


def record_read(
    action: str,
    *,
    organisation: Organisation,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    request: HttpRequest | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Record that a member viewed a sensitive record (action "<thing>.viewed"), in the
    member's read chain: it waits for no writer of the organisation.

    Sends `read_recorded` inside the transaction, so a listener that counts reads
    (panah.core.read_alerts) counts them one after the other.
    """
    if not action.endswith(READ_SUFFIX):
        raise ValueError(f"A read is recorded as '<thing>{READ_SUFFIX}', not {action!r}.")
    with transaction.atomic():
        entry = record(
            action,
            organisation=organisation,
            actor=actor,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            request=request,
            data=data,
            savepoint=False,  # this block holds only the entry and its count
        )
        # Still inside the transaction that holds the member's read head: concurrent reads of
        # one member are counted one after the other, so one burst raises one alert.
        read_recorded.send(sender=AuditEntry, entry=entry, request=request)
    return entry


def record_list_read(
    request: HttpRequest, action: str, object_type: str, shown: Iterable[Any], **data: Any
) -> AuditEntry:
    """Record that a member viewed a list page: the ids of the records it showed (`shown`,
    records or ids), with `data` (never the visitor's typed text)."""
    return record_read(
        action,
        organisation=request.organisation,
        request=request,
        object_type=object_type,
        data={"shown": [str(getattr(row, "pk", row)) for row in shown], **data},
    )
