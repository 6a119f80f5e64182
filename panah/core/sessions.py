"""Database sessions stored under a keyed hash of their id, with the idle-expiry write throttled.

The cookie holds the session id; the database holds only `stored_key(id)`, an HMAC-SHA256 of it
under a key derived from the secret key (which lives outside the database and its backups). A
session id read from a dump (django_session, core_usersession) is a hash: sent as a cookie it
is hashed again and names no session. Rotating the secret key therefore ends every session
(members log in again); a fallback key does not keep them, unlike signed values.

`SESSION_SAVE_EVERY_REQUEST` makes the idle timeout run from the member's last action, but
Django's database store then writes the session on every page: a write transaction per
request, and on SQLite one writer at a time for the whole server. This store skips that write
when nothing in the session changed and the stored expiry is less than `TOUCH_SECONDS` behind
the one a write would set, so the idle timeout is exact to within a minute. Sessions still live
only in the database: deleting a row ends that session at once (removal, emergency lock).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac

from django.conf import settings
from django.contrib.sessions.backends import db
from django.utils import timezone

TOUCH_SECONDS = 60
# Change only with a migration that ends every session: each stored key was made with it.
_KEY_LABEL = b"panah session ids v1"
# django_session.session_key holds 40 characters: the first 160 bits of the HMAC, in hex.
STORED_KEY_LENGTH = 40


@functools.lru_cache(maxsize=8)
def _derive_key(secret: str) -> bytes:
    # Domain separation: not the key Django signs with, nor the audit chain's or the codes'.
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def stored_key(session_key: str) -> str:
    """What the database keeps of a session id (the cookie value): a keyed hash of it."""
    digest = hmac.new(_derive_key(settings.SECRET_KEY), session_key.encode(), hashlib.sha256)
    return digest.hexdigest()[:STORED_KEY_LENGTH]


class SessionStore(db.SessionStore):
    """Django's database session store, keyed by a hash of the id, with the touch throttled."""

    def __init__(self, session_key: str | None = None):
        super().__init__(session_key)
        self._stored_expiry: dt.datetime | None = None

    @property
    def stored_session_key(self) -> str | None:
        """The key of this session's row (None before it has an id)."""
        return stored_key(self.session_key) if self.session_key else None

    def _get_session_from_db(self):
        # As Django's store: a missing or expired row is no session (the expiry is compared
        # here rather than in SQL so that the query's parameters stay plain strings).
        stored = self.model.objects.filter(session_key=self.stored_session_key).first()
        if stored is None or stored.expire_date <= timezone.now():
            self._session_key = None
            stored = None
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    async def _aget_session_from_db(self):
        stored = await self.model.objects.filter(
            session_key=self.stored_session_key, expire_date__gt=timezone.now()
        ).afirst()
        if stored is None:
            self._session_key = None
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    def exists(self, session_key: str) -> bool:
        """Whether a session with this id (cookie value) is stored."""
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    async def aexists(self, session_key: str) -> bool:
        """The async twin of exists()."""
        return await self.model.objects.filter(session_key=stored_key(session_key)).aexists()

    def create_model_instance(self, data):
        """The row to save: the session's data under the hash of its id, never the id."""
        return self.model(
            session_key=stored_key(self._get_or_create_session_key()),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    async def acreate_model_instance(self, data):
        """The async twin of create_model_instance()."""
        return self.model(
            session_key=stored_key(await self._aget_or_create_session_key()),
            session_data=self.encode(data),
            expire_date=await self.aget_expiry_date(),
        )

    def delete(self, session_key: str | None = None) -> None:
        """Delete the session with this id (by default this one); its UserSession goes too."""
        session_key = session_key or self.session_key
        if session_key:
            self.model.objects.filter(session_key=stored_key(session_key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        """The async twin of delete()."""
        session_key = session_key or self.session_key
        if session_key:
            await self.model.objects.filter(session_key=stored_key(session_key)).adelete()

    def _fresh_enough(self) -> bool:
        """True when a save would only move the expiry forward by less than TOUCH_SECONDS."""
        if self.modified or self._stored_expiry is None or self.session_key is None:
            return False
        gained = self.get_expiry_date() - self._stored_expiry
        return gained < dt.timedelta(seconds=TOUCH_SECONDS)

    def save(self, must_create: bool = False) -> None:
        """Write the session, unless only its expiry would move, and by less than a minute."""
        if not must_create:
            self._get_session()  # loads the stored row (and its expiry) if nothing has yet
            if self._fresh_enough():
                return
        super().save(must_create=must_create)
        self._stored_expiry = self.get_expiry_date()

    async def asave(self, must_create: bool = False) -> None:
        """The async twin of save()."""
        if not must_create and self._fresh_enough():
            return
        await super().asave(must_create=must_create)
        self._stored_expiry = await self.aget_expiry_date()
