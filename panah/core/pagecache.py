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
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

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
        return HttpResponse(body.replace(CSRF_HOLE, masked_csrf_token(request)))
    token = get_token(request)
    response = render({"csrf_token": token})
    if response.status_code == 200 and not response.streaming and not _messages_waiting(request):
        body = response.content.decode()
        nonce = getattr(request, "_csp_nonce", None)
        if nonce:
            body = body.replace(nonce, NONCE_HOLE)
        cache.set(key, body.replace(token, CSRF_HOLE), timeout=seconds)
    return response


_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}
# The largest multiple of the alphabet's size below 256: bytes from it up are drawn again, so
# every character of the mask is equally likely.
_UNBIASED = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def masked_csrf_token(request: HttpRequest) -> str:
    """Django's get_token, with the mask drawn from one read of the system's randomness.

    Django draws each of the mask's 32 characters with its own call into the system's random
    source; on a page served from the cache that was its dearest part. The token is the same
    as Django's: a fresh uniform mask followed by the secret shifted by it, which
    CsrfViewMiddleware unmasks and checks. Without a secret yet, Django's own function makes
    one (and its cookie).
    """
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
    # Unlike get_token, this does not re-send the year-long cookie just to renew its expiry:
    # every page drawn afresh still does, and the cookie header cost as much as the token.
    mask: list[int] = []
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += [b % len(CSRF_ALLOWED_CHARS) for b in secrets.token_bytes(48) if b < _UNBIASED]
    mask = mask[:CSRF_SECRET_LENGTH]
    chars = CSRF_ALLOWED_CHARS
    cipher = "".join(chars[(_INDEX[c] + m) % len(chars)] for c, m in zip(secret, mask, strict=True))
    return "".join(chars[m] for m in mask) + cipher


def _messages_waiting(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0  # counting does not consume them
