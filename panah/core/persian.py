"""Persian text, one set of rules for every app: the letter table that makes two spellings of a
name meet, the digits, and the month names.

- `matching_form`: the form names are compared in. The blind index of people (`core.crypto.
  blind_index`), the evidence keys (`evidence.normalise`, `evidence.names`) and the importers all
  use it, so a name written with an Arabic yeh, a ZWNJ or a tatweel is found however it was typed.
- `display_form`: the form shown to people (keeps the ZWNJ that correct Persian needs).
- `latin_digits` / `persian_digits` / `localised_digits`: the digit sets.
- `JALALI_MONTHS_FA` / `JALALI_MONTHS_EN`: the Solar Hijri months as jdatetime names them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jdatetime
from django.utils.translation import get_language

ZWNJ = "\u200c"

JALALI_MONTHS_FA: tuple[str, ...] = tuple(jdatetime.date.j_months_fa)
JALALI_MONTHS_EN: tuple[str, ...] = tuple(jdatetime.date.j_months_en)

# Letters that Arabic keyboards, older sources and Kurdish spellings use for Persian ones, and
# the forms of heh and alef that must meet their plain Persian counterparts. The one table.
LETTERS: dict[str, str] = {
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u06d2": "\u06cc",  # YEH BARREE
    "\u06ce": "\u06cc",  # YEH WITH SMALL V (Kurdish ێ)
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u06aa": "\u06a9",  # SWASH KAF
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE
    "\u06c1": "\u0647",  # HEH GOAL
    "\u06d5": "\u0647",  # AE (Kurdish ە; also what NFKD leaves of heh with yeh above)
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
    "\u06a4": "\u0641",  # VEH (Kurdish ڤ): the closest Persian letter
    "\u0621": "",  # standalone HAMZA: written or not between sources
    "\u0640": "",  # TATWEEL
    "\u060c": ",",  # ARABIC COMMA
    "\u061b": ";",  # ARABIC SEMICOLON
    "\u061f": "?",  # ARABIC QUESTION MARK
    "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
    "\u066c": ",",  # ARABIC THOUSANDS SEPARATOR
}

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian and Arabic-Indic digits, as phones and sources type them, to Latin ones.
LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

_MATCH_TABLE = str.maketrans(LETTERS)
# For display, only what is a wrong letter rather than a variant spelling is replaced.
_DISPLAY_TABLE = str.maketrans(
    {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0640": ""}
)
_SPACES = re.compile(r"\s+")
_ZWNJ_RUNS = re.compile(rf"\s*{ZWNJ}[\s{ZWNJ}]*")
# Marks (harakat, hamza and madda carriers after NFKD) and format controls (ZWNJ, ZWJ, bidi
# marks and isolates, soft hyphen, BOM): written, dropped or doubled at will between sources.
_DROPPED = frozenset(("Mn", "Me", "Cf"))


def _one_pass(text: str) -> str:
    # Compatibility decomposition splits presentation forms and hamza/madda carriers
    # (أ = ا + hamza above), so dropping the marks also drops harakat and hamza forms.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _DROPPED or unicodedata.combining(ch):
            continue
        out.append(str(unicodedata.decimal(ch)) if category == "Nd" else ch)
    return _SPACES.sub(" ", "".join(out).translate(_MATCH_TABLE)).strip()


@lru_cache(maxsize=1 << 16)
def matching_form(text: str | None) -> str:
    """The form two spellings of a name are compared in: Persian letters unified, no marks,
    ZWNJ, tatweel or invisible controls, ASCII digits, folded spaces, Latin case-folded and
    without accents."""
    if not text:
        return ""
    if text.isascii():
        return _SPACES.sub(" ", text.casefold()).strip()
    # Case folding and decomposition can each expose work for the other (ℌ -> H -> h),
    # so repeat until the text no longer changes; two passes suffice in practice.
    for _ in range(4):
        folded = _one_pass(text)
        if folded == text:
            break
        text = folded
    return text


def display_form(text: str | None) -> str:
    """The form shown to people: Persian yeh and kaf, no tatweel or invisible controls, folded
    spaces, one ZWNJ where sources put several; case and marks are kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch == ZWNJ or unicodedata.category(ch) != "Cf").translate(
        _DISPLAY_TABLE
    )
    text = _SPACES.sub(" ", text).strip()
    # A ZWNJ next to a space, or at either end, joins nothing.
    text = _ZWNJ_RUNS.sub(lambda m: " " if " " in m.group(0) else ZWNJ, text)
    return text.strip(ZWNJ + " ")


def latin_digits(text: str) -> str:
    """The text with Persian and Arabic-Indic digits written as 0-9."""
    return text.translate(LATIN_DIGITS)


def persian_digits(text: str) -> str:
    """The text with 0-9 written as Persian digits (۰-۹)."""
    return text.translate(PERSIAN_DIGITS)


def reads_persian(language: str | None = None) -> bool:
    """Whether the reader (the active language unless given) reads Persian."""
    return (language or get_language() or "").startswith("fa")


def localised_digits(text: str, language: str | None = None) -> str:
    """The text in the reader's digits: Persian digits for a Persian reader, as it is otherwise."""
    return persian_digits(text) if reads_persian(language) else text


# --- digits and direction in what we render ------------------------------------------------

# Unicode isolates, for text without markup (PDF text runs, plain-text e-mails): a left-to-right
# run (a phone number, a Gregorian date, a Latin name) inside Persian keeps its own order.
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"


def isolate(text: str, direction: str = "auto") -> str:
    """`text` as an isolated run ("ltr", "rtl" or "auto": by its first strong letter)."""
    if not text:
        return ""
    opening = {"ltr": LRI, "rtl": RLI}.get(direction, FSI)
    return f"{opening}{text}{PDI}"


# Kept as written: comments, tags with a digit (attribute values), character references, and
# elements whose text is code or typed input, never a number shown to a reader; an element
# marked translate="no" (a document number, a case reference, an address to type) keeps its
# digits as written too (it may not contain an element of its own name). Every alternative
# starts with "<" or "&", so the scan is quick over the text between.
_HTML_DIGITS = re.compile(
    r"(?P<kept><!--.*?-->"
    r"|<(?P<tag>script|style|textarea|pre|code|kbd|samp)\b.*?</(?P=tag)\s*>"
    r'|<(?P<marked>[a-zA-Z][\w-]*)\b[^>]*\btranslate="no"[^>]*>.*?</(?P=marked)\s*>'
    r"|<[^>]*[0-9][^>]*>|&#?\w+;)"
    r"|[0-9]+%?",
    re.S,
)
_TEXT_DIGITS = re.compile(r"[0-9]+%?")
_LATIN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD_ENDS = " \t\r\n<>\"'()"


def _in_a_code(text: str, start: int, end: int) -> bool:
    """Whether the digits at text[start:end] belong to a code kept as written: one mixing Latin
    letters and digits (A4, 2FA, 5155b0d0), a web or e-mail address, or a path."""
    if (start and text[start - 1] in _LATIN_LETTERS) or (
        end < len(text) and text[end] in _LATIN_LETTERS
    ):
        return True
    # The word around the digits, looked for within 200 characters (an address is shorter).
    lo, hi = max(0, start - 200), min(len(text), end + 200)
    left = max(text.rfind(c, lo, start) for c in _WORD_ENDS)
    left = lo if left < 0 else left + 1
    right = min((i for i in (text.find(c, end, hi) for c in _WORD_ENDS) if i >= 0), default=hi)
    word = text[left:right]
    return "@" in word or "://" in word or word.startswith("/")


def _persian_text(match: re.Match) -> str:
    token = match.group(0)
    if match.lastgroup == "kept" or _in_a_code(match.string, match.start(), match.end()):
        return token
    return token.translate(PERSIAN_DIGITS).replace("%", "\u066a")  # the Persian percent sign


def html_in_persian_digits(html: str) -> str:
    """An HTML page (or fragment) with the digits of its text in Persian: charts' SVG text,
    counts and dates included; tags, attributes, character references, scripts, styles, typed
    input, codes, addresses and elements marked translate="no" are left as they are."""
    return _HTML_DIGITS.sub(_persian_text, html)


def text_in_persian_digits(text: str) -> str:
    """Plain text (an e-mail) with Persian digits; web and e-mail addresses left as they are
    (a link with Persian digits leads nowhere)."""
    return _TEXT_DIGITS.sub(_persian_text, text)


def plain_text_for_reader(text: str, language: str | None = None) -> str:
    """A plain-text message (an e-mail) in the reader's digits: Persian digits for a Persian
    reader (links and addresses kept), as it is otherwise."""
    return text_in_persian_digits(text) if reads_persian(language) else text
