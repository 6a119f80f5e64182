"""A signed-in page kept rendered for its member, with its per-request secrets filled in anew.

For the pages every member opens all day (the dashboard, "my cases", the deadlines, a case):
the HTML is cached under a key that names everything it shows (member, roles, language, path,
day, the organisation's audit position...), and on a hit only the two values that must differ
per response are written in: the CSP nonce and the CSRF token. A page with messages waiting is
never cached nor served from the cache. The view still authorises the member (and records an
audited read) on every request, before it asks for the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

# How long a kept page may be served at most: bounds what changes without an audited write
# (an appointment starting, a time limit passing).
MEMBER_PAGE_SECONDS = getattr(settings, "PANAH_MEMBER_PAGE_SECONDS", 60)

NONCE_HOLE = "\x00panah-csp-nonce\x00"
CSRF_HOLE = "\x00panah-csrf-token\x00"


def member_page(
    request: HttpRequest,
    key_parts: Iterable[object],
    render: Callable[[dict], HttpResponse],
    *,
    seconds: int,
) -> HttpResponse:
    """The page `render(extra_context)` draws, from the cache while `key_parts` are unchanged.

    `render` must pass `extra_context` to its template: it carries the CSRF token whose value
    is then replaced by a hole in the cached copy.
    """
    if seconds <= 0 or _messages_waiting(request):
        return render({})
    user = request.user
    parts = [
        user.pk,
        str(user),
        request.membership.pk,
        ",".join(sorted(request.membership.role_set())),
        request.organisation.name,
        ",".join(str(m.organisation_id) for m in getattr(request, "memberships", [])),
        request.LANGUAGE_CODE,
        request.get_full_path(),
        *key_parts,
    ]
    key = "member-page:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        body = cached.replace(NONCE_HOLE, str(request.csp_nonce))
        return HttpResponse(body.replace(CSRF_HOLE, get_token(request)))
    token = get_token(request)
    response = render({"csrf_token": token})
    if response.status_code == 200 and not response.streaming and not _messages_waiting(request):
        body = response.content.decode()
        nonce = getattr(request, "_csp_nonce", None)
        if nonce:
            body = body.replace(nonce, NONCE_HOLE)
        cache.set(key, body.replace(token, CSRF_HOLE), timeout=seconds)
    return response


def _messages_waiting(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0  # counting does not consume them
