"""What a person's details may hold: one set of rules for the person form and every import.

Each validator raises django's ValidationError with a message for the member; `clean_details`
applies them all to a dict of details, as an import needs.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from panah.core.spreadsheets import FORMULA_STARTS

NAME_MAX_LENGTH = 100
PHONE_MAX_LENGTH = 32
NAME_FIELDS = ("given_name_fa", "family_name_fa", "given_name_latin", "family_name_latin")

_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,32}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_name(value: str) -> None:
    """A name (or other short text such as a nationality): no control character, and not
    starting with = + - @, which no name does and a spreadsheet would run as a formula."""
    if _CONTROL.search(value):
        raise ValidationError(_("Remove the line breaks and tabs."), code="control")
    if value.startswith(FORMULA_STARTS):
        raise ValidationError(
            _("Begin with a letter: this cannot start with = + - or @."), code="formula"
        )


def validate_phone(value: str) -> None:
    """A phone number: digits (at least six), spaces, ( ) . / - and an optional leading +."""
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 6 or value[:1] == "-":
        raise ValidationError(
            _("Write the phone number with digits, spaces and an optional leading +."),
            code="phone",
        )


# The validators of each personal text field, with its greatest length.
TEXT_RULES: dict[str, tuple[int, tuple]] = {
    **{name: (NAME_MAX_LENGTH, (validate_name,)) for name in NAME_FIELDS},
    "nationality": (NAME_MAX_LENGTH, (validate_name,)),
    "phone": (PHONE_MAX_LENGTH, (validate_phone,)),
    "email": (254, (validate_email,)),
}


def clean_details(details: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The details with their text stripped, and {field: messages} for each one refused."""
    cleaned = dict(details)
    errors: dict[str, list[str]] = {}
    for name, (max_length, validators) in TEXT_RULES.items():
        value = details.get(name)
        if value in (None, ""):
            continue
        value = str(value).strip()
        cleaned[name] = value
        if len(value) > max_length:
            errors.setdefault(name, []).append(
                str(
                    _("At most %(limit)s characters (this has %(count)s).")
                    % {"limit": max_length, "count": len(value)}
                )
            )
            continue
        for validator in validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(str(m) for m in exc.messages)
    return cleaned, errors
