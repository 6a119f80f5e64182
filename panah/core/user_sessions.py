"""Sessions by user: each login records its session's stored key (a hash of the id) against the
user, so removal and the lock end exactly that user's sessions without reading anyone else's."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone

from .models import (
    User,
    UserSession,
)
from .sessions import stored_key

logger = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable)


def record_session(*, request: HttpRequest, user: User) -> None:
    """Remember that the request's session is `user`'s, so that it can be ended by user.

    Called at every login (the `user_logged_in` signal), the one moment a session gains a user
    or a new key. Also forgets the user's records whose session has ended meanwhile.
    """

    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        # Logging in over another user's session empties it and gives it its key only when
        # it is first saved (at the end of the response): save it now to know the key.
        session.save()
    # The row's key, a hash of the cookie's id (core.sessions): the id itself is never stored.
    UserSession.objects.update_or_create(
        session_id=stored_key(session.session_key), defaults={"user": user}
    )
    # Looked up by key (the user's few records), so a login never reads the whole table.
    keys = list(UserSession.objects.filter(user=user).values_list("session_id", flat=True))
    live = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    gone = set(keys) - set(live.values_list("session_key", flat=True))
    if gone:
        UserSession.objects.filter(user=user, session_id__in=gone).delete()


def end_sessions_of(user_ids: Iterable[int]) -> int:
    """Delete every stored session of these users; returns how many were still open.

    Only the sessions recorded at their login are touched (`UserSession`): nothing else is read
    or decoded, however many sessions other people have open.
    """

    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    recorded = UserSession.objects.filter(user_id__in=user_ids)
    sessions = Session.objects.filter(session_key__in=recorded.values("session_id"))
    still_open = sessions.filter(expire_date__gt=timezone.now()).count()
    sessions.delete()  # their records go with them
    recorded.delete()  # records whose session was already gone
    return still_open
