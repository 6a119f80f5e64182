"""One canonical form for Persian and Latin text, and dates as sources write them.

`canonical_text` is the form used for storage keys, blocking and search; `display_text` is
the form shown to people (it keeps the zero-width non-joiner that correct Persian needs).
Dates are read by panah.evidence.dates.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZWNJ = "\u200c"

# Letters that Arabic keyboards and older sources use for Persian ones, and the forms of
# heh, alef and Kurdish letters that must meet their plain Persian counterparts.
_LETTERS = {
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u06d2": "\u06cc",  # YEH BARREE
    "\u06ce": "\u06cc",  # YEH WITH SMALL V (Kurdish ێ)
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u06aa": "\u06a9",  # SWASH KAF
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE
    "\u06c1": "\u0647",  # HEH GOAL
    "\u06d5": "\u0647",  # AE (Kurdish ە)
    "\u06be": "\u0647",  # HEH DOACHASHMEE
    "\u0671": "\u0627",  # ALEF WASLA
    "\u0672": "\u0627",
    "\u0673": "\u0627",
    "\u0675": "\u0627",
    "\u06c6": "\u0648",  # OE (Kurdish ۆ)
    "\u06c7": "\u0648",
    "\u06c8": "\u0648",
    "\u06cb": "\u0648",
    "\u0695": "\u0631",  # REH WITH SMALL V BELOW (Kurdish ڕ)
    "\u06b5": "\u0644",  # LAM WITH SMALL V (Kurdish ڵ)
    "\u06a4": "\u0641",  # VEH (Kurdish ڤ) - closest Persian letter
    "\u0621": "",  # standalone HAMZA: written or not between sources
    "\u0640": "",  # TATWEEL
    "\u060c": ",",  # ARABIC COMMA
    "\u061b": ";",  # ARABIC SEMICOLON
    "\u061f": "?",  # ARABIC QUESTION MARK
    "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
    "\u066c": ",",  # ARABIC THOUSANDS SEPARATOR
}
for _i in range(10):
    _LETTERS[chr(0x06F0 + _i)] = str(_i)  # Persian digits
    _LETTERS[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits

# Invisible controls that appear, vanish or double between sources.
_INVISIBLE = "\u200b\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad\u061c"
_KEY_TABLE = str.maketrans({**_LETTERS, **dict.fromkeys(_INVISIBLE + ZWNJ, "")})
_DISPLAY_TABLE = str.maketrans(
    {
        "\u064a": "\u06cc",
        "\u0649": "\u06cc",
        "\u0643": "\u06a9",
        "\u0640": "",
        **dict.fromkeys(_INVISIBLE, ""),
    }
)
_SPACES = re.compile(r"\s+")
_ZWNJ_RUNS = re.compile(rf"\s*{ZWNJ}[\s{ZWNJ}]*")


def _key_pass(text: str) -> str:
    # Compatibility decomposition splits presentation forms and hamza/madda carriers
    # (أ = ا + hamza above), so dropping combining marks also drops harakat and hamza forms.
    text = unicodedata.normalize("NFKD", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_KEY_TABLE)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def canonical_text(text: str | None) -> str:
    """The matching form of a text: Persian letters unified, no marks, ZWNJ or tatweel,
    ASCII digits, folded whitespace, Latin case-folded without accents."""
    if not text:
        return ""
    if text.isascii():
        return _SPACES.sub(" ", text.casefold()).strip()
    # Case folding and decomposition can each expose work for the other (ℌ -> H -> h),
    # so repeat until the text no longer changes; two passes suffice in practice.
    for _ in range(4):
        folded = _key_pass(text)
        if folded == text:
            break
        text = folded
    return text


def display_text(text: str | None) -> str:
    """The form shown to people: Persian yeh and kaf, no tatweel or invisible controls,
    folded whitespace, one ZWNJ where sources put several; case and marks are kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_DISPLAY_TABLE)
    text = _SPACES.sub(" ", text).strip()
    # A ZWNJ next to a space, or at either end, joins nothing.
    text = _ZWNJ_RUNS.sub(lambda m: " " if " " in m.group(0) else ZWNJ, text)
    return text.strip(ZWNJ + " ")


def ascii_digits(text: str) -> str:
    """The text with Persian and Arabic-Indic digits turned into ASCII digits."""
    return text.translate(_DIGITS)


_DIGITS = str.maketrans(
    {**{chr(0x06F0 + i): str(i) for i in range(10)}, **{chr(0x0660 + i): str(i) for i in range(10)}}
)
