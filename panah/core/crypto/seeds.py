"""Authenticator seeds (TOTP secrets), encrypted under the master keyring.

A seed is what a member's authenticator app computes its codes from: whoever has it has the
member's second factor. It is stored only as AES-256-GCM ciphertext under the active master key
(the keyring file, outside the database and its backups), with associated data naming its
member and the master key, so a seed copied to another member's row does not open. A database
dump or a backup thus yields no usable seed.

Master-key rotation (`panah keys rotate --master`) reseals every seed under the new master key
(`reseal_seeds`), so a retired master key that leaked opens no seed of a later dump; older
master keys stay in the keyring, so a seed not yet resealed still opens.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from django.db import transaction

from panah.core.models import AuthenticatorDevice

from .errors import DecryptionError
from .keys import current_keyring, seal, unseal

# Change only with a migration: every stored seed was sealed with this associated data.
SEED_FORMAT = "panah/totp-seed/v1"


def seed_aad(*, user_id: int, master_key_id: str) -> bytes:
    """The associated data binding a sealed seed to its member and master key."""
    return f"{SEED_FORMAT}|user={user_id}|master={master_key_id}".encode()


def seal_seed(seed: bytes, *, user_id: int) -> tuple[str, bytes]:
    """The seed encrypted under the active master key: (master key id, nonce || ciphertext)."""
    master = current_keyring().active
    return master.key_id, seal(
        master.aead, seed, seed_aad(user_id=user_id, master_key_id=master.key_id)
    )


def open_seed(sealed: bytes, *, user_id: int, master_key_id: str) -> bytes:
    """The seed of `seal_seed`; raises DecryptionError when it was altered, moved or the key is wrong."""
    keyring = current_keyring()
    if keyring.get(master_key_id) is None:
        keyring = current_keyring(refresh=True)  # rotated by another process
    master = keyring.require(master_key_id)
    try:
        return unseal(
            master.aead, bytes(sealed), seed_aad(user_id=user_id, master_key_id=master_key_id)
        )
    except InvalidTag:
        raise DecryptionError(
            f"An authenticator seed of user {user_id} does not open with master key "
            f"{master_key_id}: it was altered or moved, or the keyring is not this database's."
        ) from None


def reseal_seeds(*, progress: Callable[[str], None] = lambda _message: None) -> int:
    """Reseal every seed not yet under the active master key; returns how many were resealed."""

    master = current_keyring(refresh=True).active
    ids = list(
        AuthenticatorDevice.objects.exclude(master_key_id=master.key_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        # One short transaction each: a member's login verifying this device waits a moment.
        with transaction.atomic():
            device = AuthenticatorDevice.objects.select_for_update().filter(pk=pk).first()
            if device is None or device.master_key_id == master.key_id:
                continue
            device.set_seed(device.bin_key)
            device.save(update_fields=["sealed_seed", "master_key_id"])
            done += 1
    progress(f"Resealed {done} authenticator seed(s) under master key {master.key_id}.")
    return done
