"""The sealed tier's cryptography: officer key pairs, passphrase wrapping, sealed incident keys,
the escrow split, and where an unlocked key lives during a session.

- Key pairs are X25519 (PyNaCl). An incident's 32-byte key is sealed to each recipient with
  libsodium's sealed box (`crypto_box_seal`: an ephemeral X25519 key, XSalsa20-Poly1305); the
  sealed message is `b"panah-incident-key/v1|" + incident id (16 bytes) + key`, so a sealed key
  copied onto another incident is refused when opened.
- An officer's private key is wrapped with AES-256-GCM under `Argon2id(passphrase, salt)`;
  the associated data binds organisation, user and the public key.
- The escrow private key is split in two shares, share_1 random and share_2 = key XOR share_1:
  either share alone is uniformly random and says nothing about the key.
- An unlocked private key is never written to the database, the cache or a log. It travels in
  the officer's browser, in an HttpOnly cookie, encrypted (AES-256-GCM) under a random key that
  is stored in the officer's server-side session. The cookie alone is noise; the session alone
  (a database dump) is noise; logging out, the idle timeout or the emergency lock delete the
  session and with it the only way to read the cookie.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.views.decorators.debug import sensitive_variables
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from panah.core.crypto.keys import DataKey

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
# Argon2id with OWASP's first recommended setting (46 MiB, one pass): once per session for an
# officer, and the same cost for every offline guess at a passphrase (bench/safety.py times it).
KDF_TIME_COST = 1
KDF_MEMORY_KIB = 46 * 1024
SEALED_PREFIX = b"panah-incident-key/v1|"
COOKIE_NAME = "panah_safety_key"
SESSION_FIELD = "panah_safety_unlock"


class WrongPassphrase(Exception):
    """The passphrase does not open the officer's key."""


class SealedKeyRefused(Exception):
    """A sealed key does not open with this private key, or belongs to another incident."""


# --- Officer keys -------------------------------------------------------------------------------


@sensitive_variables()
def passphrase_key(passphrase: str, salt: bytes, *, time_cost: int, memory_kib: int) -> bytes:
    """The 256-bit key Argon2id derives from an officer's passphrase."""
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=1,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _officer_aad(organisation_id: int, user_id: int, public_key: bytes) -> bytes:
    return f"panah-officer-key/v1|org={organisation_id}|user={user_id}|".encode() + public_key


@dataclass(frozen=True)
class NewOfficerKey:
    public_key: bytes
    wrapped_private_key: bytes
    salt: bytes
    time_cost: int
    memory_kib: int


@sensitive_variables()
def new_officer_key(
    passphrase: str,
    *,
    organisation_id: int,
    user_id: int,
    private: PrivateKey | None = None,
    time_cost: int = KDF_TIME_COST,
    memory_kib: int = KDF_MEMORY_KIB,
) -> NewOfficerKey:
    """A fresh key pair (or `private`, re-wrapped) with the private half wrapped by `passphrase`."""
    private = private or PrivateKey.generate()
    public = bytes(private.public_key)
    salt = os.urandom(SALT_BYTES)
    key = passphrase_key(passphrase, salt, time_cost=time_cost, memory_kib=memory_kib)
    nonce = os.urandom(NONCE_BYTES)
    wrapped = nonce + AESGCM(key).encrypt(
        nonce, bytes(private), _officer_aad(organisation_id, user_id, public)
    )
    return NewOfficerKey(public, wrapped, salt, time_cost, memory_kib)


@sensitive_variables()
def unwrap_officer_key(officer_key, passphrase: str) -> PrivateKey:
    """The officer's private key, or WrongPassphrase."""
    key = passphrase_key(
        passphrase,
        bytes(officer_key.kdf_salt),
        time_cost=officer_key.kdf_time_cost,
        memory_kib=officer_key.kdf_memory_kib,
    )
    wrapped = bytes(officer_key.wrapped_private_key)
    public = bytes(officer_key.public_key)
    try:
        raw = AESGCM(key).decrypt(
            wrapped[:NONCE_BYTES],
            wrapped[NONCE_BYTES:],
            _officer_aad(officer_key.organisation_id, officer_key.user_id, public),
        )
    except InvalidTag:
        raise WrongPassphrase from None
    private = PrivateKey(raw)
    if bytes(private.public_key) != public:
        raise WrongPassphrase
    return private


# --- Incident keys ------------------------------------------------------------------------------


def new_incident_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


@sensitive_variables()
def content_key(raw: bytes, incident_id: uuid.UUID) -> DataKey:
    """The incident key as the field and file encryption of panah.core.crypto uses it."""
    return DataKey(key_id=incident_id.bytes[:8], aead=AESGCM(raw))


@sensitive_variables()
def seal_incident_key(raw: bytes, incident_id: uuid.UUID, public_key: bytes) -> bytes:
    """The incident key sealed to one recipient's public key."""
    return SealedBox(PublicKey(public_key)).encrypt(SEALED_PREFIX + incident_id.bytes + raw)


@sensitive_variables()
def open_incident_key(sealed: bytes, incident_id: uuid.UUID, private: PrivateKey) -> bytes:
    """The incident key from a sealed copy, or SealedKeyRefused."""
    try:
        message = SealedBox(private).decrypt(bytes(sealed))
    except CryptoError:
        raise SealedKeyRefused("This sealed key is not addressed to this private key.") from None
    expected = SEALED_PREFIX + incident_id.bytes
    if not message.startswith(expected) or len(message) != len(expected) + KEY_BYTES:
        raise SealedKeyRefused("This sealed key belongs to another incident.")
    return message[len(expected) :]


# --- Escrow -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscrowSplit:
    public_key: bytes
    first_share: str
    second_share: str


def share_text(share: bytes) -> str:
    """A share written for a person to copy: base32 in groups of four, with a checksum."""
    check = hashlib.sha256(share).digest()[:2]
    text = base64.b32encode(share + check).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_share(text: str) -> bytes:
    """The share's 32 bytes, or ValueError when it was mistyped."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("not a share") from None
    share, check = raw[:-2], raw[-2:]
    if len(share) != KEY_BYTES or hashlib.sha256(share).digest()[:2] != check:
        raise ValueError("not a share")
    return share


def share_digest(share: bytes) -> str:
    return hashlib.sha256(b"panah-escrow-share/v1|" + share).hexdigest()


@sensitive_variables()
def split_escrow() -> EscrowSplit:
    """A new escrow key pair whose private key exists only as two XOR shares."""
    private = PrivateKey.generate()
    first = secrets.token_bytes(KEY_BYTES)
    second = bytes(a ^ b for a, b in zip(bytes(private), first, strict=True))
    return EscrowSplit(bytes(private.public_key), share_text(first), share_text(second))


@sensitive_variables()
def join_escrow(first: bytes, second: bytes, public_key: bytes) -> PrivateKey:
    """The escrow private key from its two shares; ValueError if they do not make it."""
    private = PrivateKey(bytes(a ^ b for a, b in zip(first, second, strict=True)))
    if bytes(private.public_key) != bytes(public_key):
        raise ValueError("the shares do not make the escrow key")
    return private


# --- The unlocked key during a session ----------------------------------------------------------


def _cookie_aad(session_secret_id: str, user_id: int, officer_key_id: uuid.UUID) -> bytes:
    return f"panah-unlocked/v1|{session_secret_id}|{user_id}|{officer_key_id}".encode()


@sensitive_variables()
def wrap_for_session(private: PrivateKey, *, user_id: int, officer_key_id: uuid.UUID):
    """(what the session keeps, what the cookie carries): neither alone opens the key."""
    secret = secrets.token_bytes(KEY_BYTES)
    secret_id = secrets.token_hex(8)
    nonce = os.urandom(NONCE_BYTES)
    blob = nonce + AESGCM(secret).encrypt(
        nonce, bytes(private), _cookie_aad(secret_id, user_id, officer_key_id)
    )
    session_value = {
        "secret": base64.b64encode(secret).decode(),
        "id": secret_id,
        "officer_key": str(officer_key_id),
    }
    return session_value, base64.urlsafe_b64encode(blob).decode()


@sensitive_variables()
def unwrap_from_session(session_value: dict, cookie: str, *, user_id: int) -> PrivateKey | None:
    """The unlocked private key, or None when the session or the cookie does not hold it."""
    try:
        secret = base64.b64decode(session_value["secret"])
        blob = base64.urlsafe_b64decode(cookie.encode())
        raw = AESGCM(secret).decrypt(
            blob[:NONCE_BYTES],
            blob[NONCE_BYTES:],
            _cookie_aad(session_value["id"], user_id, uuid.UUID(session_value["officer_key"])),
        )
    except (KeyError, ValueError, TypeError, binascii.Error, InvalidTag):
        return None
    return PrivateKey(raw)
