"""Cross-script name keys: محمد حسینی, Mohammad Hosseini, Mohamad Hoseini and Muhammad Husseini meet.

Persian script writes consonants and long vowels but not short ones; Latin spellings write
every vowel, differently in every source. So both scripts are reduced to the same alphabet
of consonant classes (ث/س/ص and s meet; ذ/ز/ض/ظ and z; ق/غ, q and gh; خ, kh and x; ...):

- the *loose* key keeps consonants only: it is what the scripts reliably share;
- the *strict* key also keeps long-vowel marks (I for ی / i, ee, ei, ey, ai; U for و / ou, oo,
  u), which separates Hassan (حسن, hsn) from Hossein (حسین, hsIn) and Mohammad from Mahmoud.

A full name is split into given names and a surname: a comma means "surname, given";
otherwise the last token is the surname, after joining surname affixes (Hossein Zadeh =
Hosseinzadeh, Pour Mohammadi = Pourmohammadi); titles (Seyed, Haj, Molavi) are dropped;
given-name tokens are joined, so Mohammad Reza = Mohammadreza = محمدرضا. See docs/linkage.md
for how the scheme was chosen and measured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from panah.evidence.normalise import canonical_text

_PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")
_REPEATS = re.compile(r"(.)\1+")
_NON_LETTERS = re.compile(r"[^a-z]")
_SHORT_U = re.compile(r"u(?=([b-df-hj-np-tv-z])\1)")
_DOUBLED = re.compile(r"([b-df-hj-np-tv-zCSZ])\1+")

# Persian letter -> skeleton symbol ("" = not written in Latin, "*" = handled in context).
_FA = {
    "ا": "",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "چ": "C",
    "ح": "*",
    "خ": "x",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "ژ": "Z",
    "س": "s",
    "ش": "S",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "ع": "",
    "غ": "q",
    "ف": "f",
    "ق": "q",
    "ک": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "*",
    "ه": "*",
    "ی": "*",
}
# Names whose final ی is read "a" (alef maqsura): Mostafa, Morteza, Musa, Isa, Yahya, ...
_FINAL_YEH_IS_A = frozenset(
    canonical_text(w)
    for w in [
        "مصطفی",
        "مرتضی",
        "موسی",
        "عیسی",
        "یحیی",
        "مجتبی",
        "کبری",
        "صغری",
        "لیلی",
        "مولی",
        "عظمی",
        "هدی",
    ]
)

_LATIN_DIGRAPHS = (
    ("kh", "x"),
    ("gh", "q"),
    ("sh", "S"),
    ("ch", "C"),
    ("zh", "Z"),
    ("ph", "f"),
    ("dj", "j"),
    ("ck", "k"),
    ("c", "k"),
    ("w", "v"),
)
_VOWELS = frozenset("aeiouy")
# Vowel groups as Latin spellings write them, longest first.
_VOWEL_UNITS = (
    ("ou", "U"),
    ("oo", "U"),
    ("ee", "I"),
    ("ei", "I"),
    ("ey", "I"),
    ("ai", "I"),
    ("ay", "I"),
    ("ie", "I"),
    ("iy", "I"),
    ("i", "I"),
    ("y", "I"),
    ("u", "U"),
    ("a", ""),
    ("e", ""),
    ("o", ""),
)

TITLES = frozenset(
    canonical_text(w)
    for w in [
        "seyed",
        "seyyed",
        "sayed",
        "sayyed",
        "sayyid",
        "seyd",
        "seyedeh",
        "seyyedeh",
        "sayedeh",
        "haj",
        "haji",
        "hajj",
        "hajji",
        "mulla",
        "mullah",
        "molla",
        "molavi",
        "mowlavi",
        "mawlawi",
        "sheikh",
        "mr",
        "mrs",
        "ms",
        "dr",
        "سید",
        "سیده",
        "حاج",
        "حاجی",
        "ملا",
        "مولوی",
        "آقای",
        "خانم",
    ]
)
# Tokens that belong to the surname before them (Ali Zadeh = Alizadeh) ...
SURNAME_SUFFIXES = frozenset(
    canonical_text(w)
    for w in [
        "zadeh",
        "zade",
        "zada",
        "zadah",
        "nejad",
        "nezhad",
        "nejhad",
        "nia",
        "far",
        "vand",
        "lou",
        "loo",
        "lu",
        "zehi",
        "zahi",
        "pour",
        "pur",
        "poor",
        "bakhsh",
        "baksh",
        "abadi",
        "زاده",
        "نژاد",
        "نیا",
        "فر",
        "وند",
        "لو",
        "زهی",
        "پور",
        "بخش",
        "آبادی",
    ]
)
# ... and tokens that belong to the name after them (Pour Mohammadi = Pourmohammadi).
SURNAME_PREFIXES = frozenset(
    canonical_text(w) for w in ["pour", "pur", "poor", "mir", "پور", "میر"]
)


def is_persian(text: str) -> bool:
    """Whether a text is written (at least partly) in Persian/Arabic script."""
    return bool(_PERSIAN_LETTER.search(text or ""))


def _collapse(symbols: str) -> str:
    return _REPEATS.sub(r"\1", symbols)


def _strip_edges(symbols: str) -> str:
    # Initial vowels are written in Latin (Ebrahim, Ibrahim, Iman) and carried by alef in
    # Persian (ابراهیم, ایمان) in ways that disagree, so the key starts at the first consonant.
    return symbols.lstrip("IU")


@lru_cache(maxsize=1 << 17)
def _persian_token(token: str) -> str:
    out: list[str] = []
    n = len(token)
    for i, ch in enumerate(token):
        sym = _FA.get(ch)
        if sym is None:
            continue  # digits, punctuation, foreign letters
        if sym != "*":
            out.append(sym)
            continue
        prev = token[i - 1] if i else ""
        nxt = token[i + 1] if i + 1 < n else ""
        if ch == "ی":
            if i == 0:
                out.append("Y")
            elif i == n - 1 and token in _FINAL_YEH_IS_A:
                pass
            else:
                out.append("I")
        elif ch == "و":
            if i == 0:
                out.append("v")
            elif prev == "ا" or nxt in ("ا", "ی"):
                pass  # consonant v between vowels: Latin spellings drop or keep it freely
            else:
                out.append("U")
        elif ch in "هح" and i != n - 1:
            out.append("h")  # a final h is silent or dropped in Latin spellings (Fatemeh, Saleh)
    return _strip_edges(_collapse("".join(out)))


@lru_cache(maxsize=1 << 17)
def _latin_token(token: str) -> str:
    t = _NON_LETTERS.sub("", token)
    if not t:
        return ""
    # A u before a doubled consonant is short (Hussein, Muhammad): Persian writes no letter.
    t = _SHORT_U.sub("o", t)
    initial_y = t[0] == "y" and len(t) > 1 and t[1] in _VOWELS
    initial_v = t[0] in "vw"
    # Digraphs before doubled letters: Mashhadi is sh+h, Nikkhah is k+kh.
    for a, b in _LATIN_DIGRAPHS:
        t = t.replace(a, b)
    t = _DOUBLED.sub(r"\1", t)
    if len(t) > 1 and t.endswith("h"):
        t = t[:-1]  # final -eh, -ah: the silent heh of Fatemeh, Zadeh, Allah
    out: list[str] = []
    i = 1 if initial_y else 0
    if initial_y:
        out.append("Y")
    while i < len(t):
        ch = t[i]
        if ch in _VOWELS:
            for unit, sym in _VOWEL_UNITS:
                if t.startswith(unit, i):
                    out.append(sym)
                    i += len(unit)
                    break
            continue
        if ch == "v" and not (i == 0 and initial_v):
            i += 1  # medial v: see the Persian و rule
            continue
        out.append(ch)
        i += 1
    return _strip_edges(_collapse("".join(out)))


def token_key(token: str) -> str:
    """The strict skeleton of one name token, in either script."""
    token = canonical_text(token)
    return _persian_token(token) if _PERSIAN_LETTER.search(token) else _latin_token(token)


_LOOSE = str.maketrans({"I": None, "U": None, "Z": "j"})


def loose(key: str) -> str:
    """The loose form of a strict key: consonants only, and zh with j (Latin writes
    نژاد as nejad and ژینا as Jina)."""
    return _collapse(key.translate(_LOOSE))


@dataclass(frozen=True)
class NameKeys:
    """The keys of one written name; empty strings where a part is missing."""

    given: str  # strict skeleton of the joined given names
    surname: str  # strict skeleton of the surname
    given_loose: str
    surname_loose: str
    given_initial: str  # first letter of the given name as written ('m' for M. Hosseini)
    given_is_initial: bool
    script: str  # "fa", "latin" or "" when empty

    @property
    def full(self) -> str:
        """The loose key of the whole name, given names then surname, joined: the cross-script
        name key (joined, so "Mehdi Hossein Bor" meets "Mehdi Hosseinbor")."""
        return f"{self.given_loose}{self.surname_loose}"

    @property
    def full_strict(self) -> str:
        """The strict key of the whole name, joined likewise."""
        return f"{self.given}{self.surname}"


_SPLIT = re.compile(r"[\s\-_./]+")
_EMPTY = NameKeys("", "", "", "", "", False, "")

_ROMAN_INITIAL = {
    "ا": "a",
    "آ": "a",
    "ع": "a",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "چ": "c",
    "ح": "h",
    "خ": "k",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "ژ": "z",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "غ": "g",
    "ف": "f",
    "ق": "g",
    "ک": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "v",
    "ه": "h",
    "ی": "y",
}


def _initial(token: str) -> str:
    ch = token[:1]
    if not ch:
        return ""
    if ch in _ROMAN_INITIAL:
        return _ROMAN_INITIAL[ch]
    # Latin initials meet the Persian ones above: vowels, q/gh and kh/k are one class each.
    if ch in "aeiou":
        return "a"
    return {"q": "g", "x": "k", "w": "v", "c": "k"}.get(ch, ch)


def _join_affixes(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        last = i == len(tokens) - 1
        if tok in SURNAME_PREFIXES and i + 1 == len(tokens) - 1:
            out.append(tok + tokens[i + 1])
            i += 2
            continue
        if tok in SURNAME_SUFFIXES and out and (last or tok not in SURNAME_PREFIXES):
            out[-1] = out[-1] + tok
        else:
            out.append(tok)
        i += 1
    return out


@lru_cache(maxsize=1 << 18)
def name_keys(text: str | None) -> NameKeys:
    """Split a written full name into given names and surname and key both parts."""
    clean = canonical_text(text)
    if not clean:
        return _EMPTY
    if "," in clean:
        surname_part, _, given_part = clean.partition(",")
        given_tokens = [t for t in _SPLIT.split(given_part) if t and t not in TITLES]
        surname_tokens = _join_affixes([t for t in _SPLIT.split(surname_part) if t])
    else:
        tokens = _join_affixes([t for t in _SPLIT.split(clean) if t and t not in TITLES])
        given_tokens, surname_tokens = tokens[:-1], tokens[-1:]
    surname_tokens = [t for t in surname_tokens if t not in TITLES]
    if not surname_tokens and not given_tokens:
        return _EMPTY
    raw_given = "".join(given_tokens)
    is_initial = bool(given_tokens) and all(len(t) == 1 for t in given_tokens)
    given = "" if is_initial else "".join(token_key(t) for t in given_tokens)
    surname = "".join(token_key(t) for t in surname_tokens)
    return NameKeys(
        given=given,
        surname=surname,
        given_loose=loose(given),
        surname_loose=loose(surname),
        given_initial=_initial(raw_given),
        given_is_initial=is_initial,
        script="fa" if is_persian(clean) else "latin",
    )


def name_key(text: str | None) -> str:
    """The cross-script key of a full name (loose skeleton of given names and surname)."""
    return name_keys(text).full


@lru_cache(maxsize=1 << 16)
def single_name_key(text: str | None) -> str:
    """The strict key of a single name (a father's name, a city): all tokens joined."""
    clean = canonical_text(text)
    tokens = [t for t in _SPLIT.split(clean) if t and t not in TITLES]
    return "".join(token_key(t) for t in tokens)


# ---------------------------------------------------------------------------------------
# Romanisation for display (after the US ODNI/BGN-style letter table)

_ROMAN = {
    "ا": "a",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "چ": "ch",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "ژ": "zh",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "ع": "'",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ک": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
}


def romanise(text: str | None) -> str:
    """A deterministic letter-by-letter romanisation of Persian script (ODNI-style letter
    table: و -> v/u, ی -> y/i, final ه -> eh); short vowels, unwritten in Persian, stay absent."""
    clean = canonical_text(text)
    words = []
    for word in clean.split(" "):
        out = []
        n = len(word)
        for i, ch in enumerate(word):
            if ch in _ROMAN:
                out.append(_ROMAN[ch])
            elif ch == "و":
                out.append("v" if i == 0 or (i + 1 < n and word[i + 1] in "اوی") else "u")
            elif ch == "ی":
                out.append("y" if i == 0 else "i")
            elif ch == "ه":
                out.append("eh" if i == n - 1 and i > 0 else "h")
            else:
                out.append(ch)
        words.append("".join(out))
    return " ".join(w[:1].upper() + w[1:] for w in words if w)
