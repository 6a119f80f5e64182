"""Province names in either script and their common Latin spellings, reduced to one code."""

from __future__ import annotations

from functools import lru_cache

from panah.evidence.names import loose, single_name_key
from panah.evidence.normalise import canonical_text
from panah.evidence.reference import PROVINCES as _PROVINCE_TABLE

# The 31 provinces are a closed list, so a table is both exact and small.
_ALIASES: dict[str, str] = {}
for _line in _PROVINCE_TABLE.strip().splitlines():
    _code, _en, _fa, _other = _line.split("|")
    for _alias in (_en, _fa, *[o for o in _other.split(",") if o]):
        _ALIASES[canonical_text(_alias)] = _code
        _ALIASES[loose(single_name_key(_alias))] = _code


@lru_cache(maxsize=4096)
def province_code(text: str | None) -> str | None:
    """The province code of a province name as written (either script), or a name key
    for names outside the table; None when empty."""
    clean = canonical_text(text)
    if not clean:
        return None
    clean = clean.removesuffix(" province").removeprefix("استان ").strip()
    if clean in _ALIASES:
        return _ALIASES[clean]
    key = loose(single_name_key(clean))
    return _ALIASES.get(key, key or None)


@lru_cache(maxsize=16384)
def place_key(text: str | None) -> str | None:
    """A cross-script key for a city or prison name; None when empty."""
    key = loose(single_name_key(text))
    return key or None
