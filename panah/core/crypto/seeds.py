"""Authenticator seeds (TOTP secrets), encrypted under the master keyring.

A seed is what a member's authenticator app computes its codes from: whoever has it has the
member's second factor. It is stored only as AES-256-GCM ciphertext under the active master key
(the keyring file, outside the database and its backups), with associated data naming its
member and the master key, so a seed copied to another member's row does not open. A database
dump or a backup thus yields no usable seed.

Master-key rotation keeps older master keys in the keyring, so seeds sealed under them still
open; `panah keys` does not need to rewrap them.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag

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
