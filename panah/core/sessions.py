"""Database sessions whose idle expiry is pushed forward at most once a minute.

`SESSION_SAVE_EVERY_REQUEST` makes the idle timeout run from the member's last action, but
Django's database store then writes the session on every page: a write transaction per
request, and on SQLite one writer at a time for the whole server. This store skips that write
when nothing in the session changed and the stored expiry is less than `TOUCH_SECONDS` behind
the one a write would set, so the idle timeout is exact to within a minute. Sessions still live
only in the database: deleting a row ends that session at once (removal, emergency lock).
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.sessions.backends import db
from django.utils import timezone

from .precompiled import PrecompiledQuery

TOUCH_SECONDS = 60
# Session data already verified and decoded in this process, by the keys it was checked with
# and its stored text (bounded).
VERIFIED_SESSIONS = 1024
_verified: dict[tuple, str] = {}

# Read on every signed-in request: compiled once (see core.precompiled).
_SESSION_BY_KEY = PrecompiledQuery(
    lambda key: db.SessionStore.get_model_class().objects.filter(session_key=key),
    "precompiled-session-key",
)


class SessionStore(db.SessionStore):
    """Django's database session store, with the idle-expiry write throttled."""

    def __init__(self, session_key: str | None = None):
        super().__init__(session_key)
        self._stored_expiry: dt.datetime | None = None

    def _get_session_from_db(self):
        # As Django's store: a missing or expired row is no session (the expiry is compared
        # here rather than in SQL so that the query's parameters stay plain strings).
        stored = _SESSION_BY_KEY.first(self.session_key, using=self.model.objects.db)
        if stored is None or stored.expire_date <= timezone.now():
            self._session_key = None
            stored = None
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    async def _aget_session_from_db(self):
        stored = await super()._aget_session_from_db()
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    def decode(self, session_data: str) -> dict:
        """The session's values; a stored text this process already verified is not re-verified.

        The signature check and the decompression are a fixed function of the stored text, so
        the same text always decodes to the same values: they are kept as JSON and handed out
        as a fresh dict each time (nothing a request changes in it reaches another request).
        """
        # A secret key retired from the fallbacks must stop opening its sessions at once.
        key = (settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS), session_data)
        known = _verified.get(key)
        if known is not None:
            return json.loads(known)
        decoded = super().decode(session_data)
        if decoded:  # a tampered or unreadable text decodes to {}: never remembered
            if len(_verified) >= VERIFIED_SESSIONS:
                _verified.clear()
            _verified[key] = json.dumps(decoded)
        return decoded

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
