"""The evidence modules' names for the one Persian text module (`panah.core.persian`).

`canonical_text` is the form used for storage keys, blocking and search (the same form as the
people's blind index); `display_text` is the form shown to people (it keeps the zero-width
non-joiner that correct Persian needs). Dates are read by panah.evidence.dates.
"""

from __future__ import annotations

from panah.core.persian import ZWNJ, display_form, latin_digits, matching_form

canonical_text = matching_form
display_text = display_form
ascii_digits = latin_digits

__all__ = ["ZWNJ", "ascii_digits", "canonical_text", "display_text"]
