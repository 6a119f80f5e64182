"""Blind index: keyed hashes of normalised tokens, for exact-match search without plaintext.

A name is normalised by `panah.core.persian.matching_form` (one canonical form for Persian
letters, no ZWNJ, diacritics or tatweel, ASCII digits, Latin case-folded and without accents), split into words, and each word (plus the
words of one field joined, so "Mohammad Reza" also matches "Mohammadreza") is hashed with
HMAC-SHA256 under a key derived from the organisation key. The database holds only the hashes
and the id of the organisation key they were made with; search hashes the query the same way
under each of the organisation's keys (an organisation key rotation leaves old tokens valid).

What it leaks: that two records share a word (frequency of common surnames), never the word.
"""

from __future__ import annotations

import hashlib
import hmac

from panah.core.persian import matching_form

from .keys import OrgKey

NAME = "name"
DOCUMENT = "document"
MIN_TOKEN_LENGTH = 2


def normalise(text: str) -> str:
    """The canonical matching form of `text`: the one Persian text module's, so that the blind
    index and the evidence keys read a name the same way."""
    return matching_form(text)


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order (punctuation and hyphens separate words)."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in normalise(text))
    return [w for w in cleaned.split() if len(w) >= MIN_TOKEN_LENGTH]


def name_tokens(*values: str) -> set[str]:
    """Every token a set of name fields is found by: each word, and each field's words joined."""
    tokens: set[str] = set()
    for value in values:
        ws = words(value or "")
        tokens.update(ws)
        if len(ws) > 1:
            tokens.add("".join(ws))
    return tokens


def document_token(value: str) -> str:
    """A document number without spaces, dashes or slashes, digits in ASCII, case-folded."""
    return "".join(ch for ch in normalise(value or "") if ch.isalnum())


_index_keys: dict[tuple[str, bytes], bytes] = {}


def index_key(org_key: OrgKey) -> bytes:
    """The organisation's blind-index key: derived from its key, never used to encrypt."""
    cache_key = (org_key.key_id, org_key.material)
    key = _index_keys.get(cache_key)
    if key is None:
        key = hmac.new(org_key.material, b"panah/blind-index/v1", hashlib.sha256).digest()
        _index_keys[cache_key] = key
    return key


def digest(org_key: OrgKey, kind: str, token: str) -> str:
    """The stored form of one token: 128 bits of HMAC-SHA256, hex."""
    message = kind.encode() + b"\x00" + token.encode("utf-8")
    return hmac.new(index_key(org_key), message, hashlib.sha256).hexdigest()[:32]
