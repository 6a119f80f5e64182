"""The benchmark generator's own spelling habits: transliteration schemes, Persian-script
variants and province spellings, written for the generator and never read by the linker.

The linker's name key was tuned on the synthetic generator's spellings (English-style
romanisations: Hosseini, Hoseini, Husseini). These rules write names the way other
traditions do (French, German, Turkish, the academic Arabic-style transcription, loose
English), from the standard Latin form of panah.evidence.reference, so a benchmark on them
measures how the linker does on spellings it has never seen.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Each scheme: ordered (pattern, replacement) rewrites of the lower-case standard form.
SCHEMES: dict[str, tuple[tuple[str, str], ...]] = {
    # Loose English: doubled letters single, long vowels as ee/oo, q for gh.
    "english": (
        (r"([bcdfghjklmnpqrstvwxz])\1", r"\1"),
        (r"(?<![aeou])i(?=[^aeiou]|$)", "ee"),
        (r"ou", "oo"),
        (r"gh", "q"),
    ),
    # French: ch for sh, dj for j, ou for u, final -i as -y after a vowel.
    "french": (
        (r"sh", "ch"),
        (r"(?<!d)j", "dj"),
        (r"(?<!o)u", "ou"),
        (r"ei", "eï"),
        (r"kh", "kh"),
    ),
    # German: sch, tsch, dsch, w for v, j for y.
    "german": (
        (r"ch", "tsch"),
        (r"sh", "sch"),
        (r"j", "dsch"),
        (r"v", "w"),
        (r"y", "j"),
        (r"ou", "u"),
        (r"kh", "ch"),
    ),
    # Academic Arabic-style transcription: u for o, a for e between consonants, ay for ei.
    "academic": (
        (r"ss", "s"),
        (r"eh$", "a"),
        (r"ei|ey", "ay"),
        (r"ou", "u"),
        (r"o", "u"),
        (r"(?<=[^aeiou])e(?=[^aeiou])", "a"),
        (r"gh", "q"),
    ),
    # Turkish/Azeri: ş ç c ğ ü (accents the import strips).
    "turkish": (
        (r"sh", "ş"),
        (r"ch", "ç"),
        (r"j", "c"),
        (r"gh", "ğ"),
        (r"kh", "h"),
        (r"ou", "u"),
        (r"(?<=h)o(?=s)", "ü"),
        (r"ei", "ey"),
    ),
}
SCHEME_NAMES = tuple(SCHEMES)


@lru_cache(maxsize=65536)
def transliterate(standard: str, scheme: str) -> str:
    """A standard Latin name form ("Mohammad Reza", "Hossein+zadeh") written in `scheme`."""
    parts = re.split(r"([ +\-])", standard.replace("+", ""))
    out = []
    for part in parts:
        if not part.strip() or part in " -":
            out.append(part)
            continue
        text = part.lower()
        for pattern, replacement in SCHEMES[scheme]:
            text = re.sub(pattern, replacement, text)
        out.append(text[:1].upper() + text[1:])
    return "".join(out)


# Persian-script habits: Arabic letters for yeh and kaf, a compound joined, split by a space
# or by a zero-width non-joiner.
ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})
ZWNJ = "\u200c"


def persian_variant(standard: str, habit: int) -> str:
    """The Persian form ("+" at a compound's joint) as one source writes it (habit 0-3)."""
    joint = ("", " ", ZWNJ, "")[habit % 4]
    text = standard.replace("+", joint)
    if habit == 3:
        text = text.translate(ARABIC_LETTERS)
    return text


# Province spellings the generator uses beside the standard names: not the linker's aliases.
PROVINCE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "te": ("Teheran", "Téhéran", "Tehran Province", "استان تهران"),
    "sb": ("Sistan-Baluchistan", "Baluchistan", "Sistan va Baluchestan", "Sistan-et-Baloutchistan"),
    "ku": ("Kurdestan", "Kordistan", "استان کردستان"),
    "ks": ("Kirmanshah", "Kermanchah", "Kermanshah Province"),
    "is": ("Ispahan", "Esfahan Province"),
    "kz": ("Khouzestan", "Khuzistan", "Ahvaz (Khuzestan)"),
    "wa": ("Azarbaijan-e Gharbi", "W. Azerbaijan", "West Azarbayjan"),
    "ea": ("E. Azerbaijan", "Azarbaijan-e Sharghi"),
    "kr": ("Khorasan", "Khorassan Razavi"),
    "al": ("Alburz", "Karaj (Alborz)"),
    "lo": ("Lurestan", "Loristan"),
    "fa": ("Pars", "Fars Province"),
}
