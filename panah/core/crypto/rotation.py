"""Key rotation by rewrapping, and the key status report (`panah keys rotate|status`).

Neither rotation re-encrypts a field or a file, and neither needs downtime:
- Master key: a new key is appended to the keyring file first (so every process can find it),
  then each organisation key row is rewrapped, and each authenticator seed resealed, under it
  in its own short transaction. The old
  master key stays in the keyring, so backups taken before still open with it alone.
- Organisation key: a new key becomes active at once (new records use it) and the old one is
  retired, not deleted; then every data key of the organisation is rewrapped in batches. A
  request that loaded a record before its rewrap still opens it with the retired key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core.models import OrganisationKey

from .fields import DataKeyHolder
from .keys import (
    WrappedDataKey,
    add_master_key,
    create_organisation_key,
    current_keyring,
    key_event,
    organisation_key,
    rewrap_data_key,
    unwrap_organisation_key,
    wrap_organisation_key,
)
from .seeds import reseal_seeds

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def data_key_holders() -> list[type[DataKeyHolder]]:
    """Every installed model whose rows own a data key."""
    return [m for m in apps.get_models() if issubclass(m, DataKeyHolder)]


@dataclass
class MasterRotation:
    old_key_id: str
    new_key_id: str
    rewrapped: int


def rotate_master_key(*, progress: Progress = _quiet) -> MasterRotation:
    """Add a new master key; rewrap every organisation key and reseal every seed under it."""

    old = current_keyring(refresh=True).active
    _keyring, new = add_master_key()
    progress(f"New master key {new.key_id} added to the keyring (old: {old.key_id}).")
    rewrapped = rewrap_organisation_keys(progress=progress)
    resealed = reseal_seeds(progress=progress)
    key_event.send(
        sender=None,
        action="keys.master_rotated",
        organisation=None,
        data={
            "old_key_id": old.key_id,
            "new_key_id": new.key_id,
            "rewrapped": rewrapped,
            "resealed_seeds": resealed,
        },
    )
    return MasterRotation(old.key_id, new.key_id, rewrapped)


def rewrap_organisation_keys(*, progress: Progress = _quiet) -> int:
    """Rewrap every organisation key not yet under the active master key; returns how many."""

    keyring = current_keyring(refresh=True)
    master = keyring.active
    ids = list(
        OrganisationKey.objects.exclude(master_key_id=master.key_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            row = OrganisationKey.objects.select_for_update().get(pk=pk)
            if row.master_key_id == master.key_id or not row.wrapped_key:
                continue
            material = unwrap_organisation_key(
                keyring,
                organisation_id=row.organisation_id,
                key_id=row.key_id,
                master_key_id=row.master_key_id,
                wrapped=row.wrapped_key,
            )
            row.wrapped_key = wrap_organisation_key(
                material, organisation_id=row.organisation_id, key_id=row.key_id, master=master
            )
            row.master_key_id = master.key_id
            row.save(update_fields=["wrapped_key", "master_key_id"])
            done += 1
    progress(f"Rewrapped {done} organisation key(s) under master key {master.key_id}.")
    return done


@dataclass
class OrganisationRotation:
    organisation_id: int
    old_key_id: str | None
    new_key_id: str
    rewrapped: dict[str, int] = field(default_factory=dict)


def rotate_organisation_key(
    organisation, *, batch_size: int = 200, progress: Progress = _quiet
) -> OrganisationRotation:
    """Give the organisation a new active key and rewrap all its data keys under it."""

    with transaction.atomic():
        old = (
            OrganisationKey.objects.select_for_update()
            .filter(organisation=organisation, retired_at__isnull=True)
            .first()
        )
        if old is not None:
            old.retired_at = timezone.now()
            old.save(update_fields=["retired_at"])
        row = create_organisation_key(organisation.pk)
        row.save()
        key_event.send(
            sender=None,
            action="keys.organisation_key_rotated",
            organisation=organisation,
            obj=row,
            data={"old_key_id": old.key_id if old else None, "new_key_id": row.key_id},
        )
    progress(f"{organisation.slug}: new organisation key {row.key_id} is active.")
    result = OrganisationRotation(organisation.pk, old.key_id if old else None, row.key_id)
    for model in data_key_holders():
        result.rewrapped[model._meta.label_lower] = rewrap_data_keys(
            model, organisation, row.key_id, batch_size=batch_size, progress=progress
        )
    return result


def rewrap_data_keys(
    model: type[DataKeyHolder],
    organisation,
    new_key_id: str,
    *,
    batch_size: int = 200,
    progress: Progress = _quiet,
) -> int:
    """Rewrap the data keys of `model`'s rows in the organisation under `new_key_id`."""
    new_key = organisation_key(new_key_id, organisation_id=organisation.pk)
    table = model._meta.db_table
    columns = ("pk", "organisation_id", "data_key_id", "data_key_org_key_id", "data_key_wrapped")
    with scopes_disabled():
        base = model._base_manager.filter(organisation=organisation)
        ids = list(
            base.exclude(data_key_org_key_id=new_key_id)
            .exclude(data_key_wrapped__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        done = 0
        for start in range(0, len(ids), batch_size):
            with transaction.atomic():
                rows = (
                    base.select_for_update()
                    .filter(pk__in=ids[start : start + batch_size])
                    .values_list(*columns)
                )
                for pk, org_id, data_key_id, org_key_id, wrapped in rows:
                    if not wrapped or org_key_id == new_key_id:
                        continue  # erased, or rewrapped meanwhile
                    rewrapped = rewrap_data_key(
                        organisation_id=org_id,
                        table=table,
                        pk=pk,
                        stored=WrappedDataKey(data_key_id, org_key_id, bytes(wrapped)),
                        new_org_key=new_key,
                    )
                    base.filter(pk=pk, data_key_org_key_id=org_key_id).update(
                        data_key_org_key_id=rewrapped.org_key_id,
                        data_key_wrapped=rewrapped.wrapped,
                    )
                    done += 1
            progress(f"{organisation.slug}: {done}/{len(ids)} {model._meta.label_lower} keys.")
    return done


@dataclass
class KeyStatus:
    keyring_path: str
    master_keys: list[tuple[str, str, bool, int]]  # id, created, active, organisation keys
    missing_master_ids: list[str]
    organisation_keys: list[dict]


def key_status() -> KeyStatus:
    """What the keyring holds and which rows use which key (never any key material)."""

    keyring = current_keyring(refresh=True)
    rows = list(OrganisationKey.objects.select_related("organisation").order_by("created_at"))
    per_master: dict[str, int] = {}
    for row in rows:
        per_master[row.master_key_id] = per_master.get(row.master_key_id, 0) + 1
    masters = [
        (k.key_id, k.created, k is keyring.active, per_master.get(k.key_id, 0))
        for k in keyring.keys
    ]
    holders: dict[str, dict[str, int]] = {}
    with scopes_disabled():
        for model in data_key_holders():
            counts = (
                model._base_manager.exclude(data_key_wrapped__isnull=True)
                .values("data_key_org_key_id")
                .annotate(n=Count("pk"))
            )
            for c in counts:
                holders.setdefault(c["data_key_org_key_id"], {})[model._meta.label_lower] = c["n"]
    org_keys = [
        {
            "organisation": row.organisation.slug,
            "key_id": row.key_id,
            "master_key_id": row.master_key_id,
            "active": row.retired_at is None,
            "created_at": row.created_at,
            "holders": holders.get(row.key_id, {}),
        }
        for row in rows
    ]
    missing = sorted(set(per_master) - {k.key_id for k in keyring.keys})
    return KeyStatus(keyring.path, masters, missing, org_keys)
