"""Recovery codes: ten one-time second factors per member, stored only as keyed hashes.

A member writes their codes down when they enrol an authenticator; each code stands in for the
authenticator once (login or re-authentication), always after the password. The database keeps
HMAC-SHA256(key, user id + code) of each, never the code (models.RecoveryCode), and the
django-otp device that checks them is models.RecoveryCodeDevice.

Why a keyed hash, and not a plain or a slow one. A code is 8 base32 characters: 40 bits.

- A plain SHA-256 gives nothing: the 2**40 possible codes are hashed in minutes on one
  graphics card, so a database dump or a backup would yield every unused code.
- The key here is derived from the secret key, which lives in a file outside the database and
  outside the backups (like the audit chain's key, panah.core.audit). Whoever holds a dump or a
  backup, and not that file, cannot test a single guess offline, on any hardware; online, the
  throttling of django-otp and the login lockout bound the guesses.
- Whoever holds the secret key too could search the 2**40 codes. A slow hash (Argon2, a salt
  per code) would make that search long, but not the barrier that matters: a code is only ever
  the *second* factor, after the password (Argon2 in the database); and with the secret key
  and write access to the database an attacker needs no code at all, since they can mint a
  signed-in, verified session directly. Meanwhile a slow hash has a cost every day: a typed
  code cannot be found by an index, so each attempt would hash up to ten times (and every
  mistyped authenticator code too, since django-otp tries each device in turn), which turns
  anyone holding a password into a load on a two-core server.
- The user id is hashed with the code, so a hash copied to another member's row opens nothing.

Rotating the secret key: codes issued under an earlier secret key still work while that key is
listed in PANAH_SECRET_KEY_FALLBACKS (docs/security.md); without it they stop working, and the
members concerned use their authenticator and issue new codes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from collections.abc import Iterable

from django.conf import settings

CODE_COUNT = 10
# Change only with a migration: every stored hash was made with this label.
_KEY_LABEL = b"panah recovery codes v1"


def normalise(code: str) -> str:
    """The code as issued: lower case, without the spaces people write it with."""
    return "".join(code.split()).lower()


@functools.lru_cache(maxsize=8)
def _derive_key(secret: str) -> bytes:
    # Domain separation: not the key Django signs cookies with, nor the audit chain's.
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def code_digest(user_id: int, code: str, *, secret: str | None = None) -> str:
    """What the database keeps of one code: a hex HMAC-SHA256 bound to its member."""
    key = _derive_key(secret if secret is not None else settings.SECRET_KEY)
    message = f"panah/recovery-code/v1|user={user_id}|{normalise(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def candidate_digests(user_id: int, code: str) -> list[str]:
    """The code's hash under the secret key and under each earlier one still listed."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_digest(user_id, code, secret=s) for s in secrets]


def new_codes(count: int = CODE_COUNT) -> list[str]:
    """`count` distinct random codes: 8 base32 letters, as django-otp's static tokens were."""
    codes: list[str] = []
    while len(codes) < count:
        code = base64.b32encode(os.urandom(5)).decode().lower()
        if code not in codes:  # two equal codes would be one hash: keep the count honest
            codes.append(code)
    return codes


def digests(user_id: int, codes: Iterable[str]) -> list[str]:
    """The hashes to store for these codes, under the current secret key."""
    return [code_digest(user_id, c) for c in codes]
