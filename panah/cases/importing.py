"""Import people and their cases from the spreadsheets associations keep (CSV or XLSX).

- Column mapping: each field below is read from the column of the same name, or from the
  column a mapping names (`{"external_reference": "File no.", "registered_on": "تاریخ ثبت"}`).
- Dates may be Gregorian (2024-03-05, 05/03/2024, 05.03.2024) or Solar Hijri (1402/12/15), in
  Latin or Persian digits; a year before 1700 is read as Solar Hijri.
- All or nothing: every row is checked first; a single error anywhere and nothing is saved, and
  the report says which row, which field and what is wrong. A dry run checks and reports only.
- Idempotent: a row whose external reference is already a case of the organisation is skipped,
  so importing the same file twice creates nothing the second time.
- Bounded: the file goes through the shared reader (panah.core.spreadsheets) within LIMITS
  (size, zip bomb, rows), rows are streamed, and the report keeps the first MAX_ERRORS_KEPT
  errors with the count of all of them.
- Personal fields get the person form's validation (panah.people.validators).
- A web upload is read from memory and never stored: it holds personal data in clear.
People are created through the people app's service (create_person), cases through open_case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.dates import parse_date
from panah.core.models import Membership, Organisation, User
from panah.core.spreadsheets import MB, FileInput, Limits, SpreadsheetRefused, open_table
from panah.people.services import create_person
from panah.people.validators import clean_details

from .models import ProcedureLanguage, ProcedureType
from .queries import imported_references
from .services import bulk, open_case

PERSONAL = (
    "given_name_fa",
    "family_name_fa",
    "given_name_latin",
    "family_name_latin",
    "date_of_birth",
    "gender",
    "nationality",
    "phone",
    "email",
)
FIELDS = (
    "external_reference",
    *PERSONAL,
    "procedure",
    "registered_on",
    "detained",
    "accelerated",
    "language",
    "caseworker_email",
)
REQUIRED = ("external_reference", "registered_on")
# An association's case list is thousands of rows, not millions; the import runs in one
# request and one transaction (docs/casework.md).
LIMITS = Limits(
    file_bytes=10 * MB,
    rows=20_000,
    columns=100,
    unpacked_bytes=100 * MB,
    cells=2_000_000,
)
MAX_ERRORS_KEPT = 100
REFERENCE_MAX_LENGTH = 64
TRUE = {"1", "yes", "y", "true", "x", "oui", "ja", "بله", "آری"}
FALSE = {"", "0", "no", "n", "false", "non", "nee", "خیر", "نه"}
PROCEDURES = {
    "first": ProcedureType.FIRST,
    "first application": ProcedureType.FIRST,
    "subsequent": ProcedureType.SUBSEQUENT,
    "repeat": ProcedureType.SUBSEQUENT,
    "subsequent application": ProcedureType.SUBSEQUENT,
    "dublin": ProcedureType.DUBLIN,
}
GENDERS = {"f": "female", "female": "female", "m": "male", "male": "male", "other": "other"}


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1)
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS_KEPT
    error_count: int = 0  # all of them
    dry_run: bool = False
    saved: bool = False

    def add(self, error: RowError, *, first: bool = False) -> None:
        """Count an error; keep it for the report if fewer than MAX_ERRORS_KEPT are kept
        (`first`: always keep it, at the top, as the refusal of the whole file)."""
        self.error_count += 1
        if first:
            self.errors.insert(0, error)
            del self.errors[MAX_ERRORS_KEPT:]
        elif len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    @property
    def more_errors(self) -> int:
        """How many errors were counted but not kept."""
        return self.error_count - len(self.errors)


def parse_bool(value: Any) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(text)


def _columns(header: list[str], mapping: dict[str, str]) -> tuple[dict[str, str], list[RowError]]:
    unknown = set(mapping) - set(FIELDS)
    errors = [RowError(1, name, _("not a field that can be imported")) for name in sorted(unknown)]
    folded = {h.strip().casefold(): h for h in header}
    columns: dict[str, str] = {}
    for name in FIELDS:
        column = mapping.get(name, name)
        found = folded.get(column.strip().casefold())
        if found is not None:
            columns[name] = found
        elif name in REQUIRED:
            errors.append(
                RowError(1, name, _("no column named %(column)s") % {"column": repr(column)})
            )
    return columns, errors


def _parse_row(
    number: int, row: dict[str, str], columns: dict[str, str], members: dict[str, User]
) -> tuple[dict[str, Any], list[RowError]]:
    errors: list[RowError] = []
    out: dict[str, Any] = {}

    def get(name: str) -> str:
        column = columns.get(name)
        return (row.get(column) or "").strip() if column is not None else ""

    def convert(name: str, parser: Callable[[Any], Any], message: str) -> None:
        raw = get(name)
        if raw in (None, ""):
            if name in REQUIRED:
                errors.append(RowError(number, name, _("empty; this column is required")))
            return
        try:
            out[name] = parser(raw)
        except (ValueError, TypeError, KeyError):
            errors.append(RowError(number, name, message % {"value": str(raw)[:40]}))

    reference = get("external_reference")
    if not reference:
        errors.append(RowError(number, "external_reference", _("empty; this column is required")))
    elif len(reference) > REFERENCE_MAX_LENGTH:
        errors.append(
            RowError(number, "external_reference",
                     _("longer than %(limit)s characters") % {"limit": REFERENCE_MAX_LENGTH})
        )  # fmt: skip
    else:
        out["external_reference"] = reference
    date_message = _("%(value)r is not a date (write 2024-03-05, 05/03/2024 or 1402/12/15)")
    convert("registered_on", parse_date, date_message)
    convert("date_of_birth", parse_date, date_message)
    if "registered_on" in out and out["registered_on"] > dt.date.today():
        errors.append(RowError(number, "registered_on", _("the date is in the future")))
    for name in ("detained", "accelerated"):
        convert(name, parse_bool, _("%(value)r is not yes or no"))
    convert(
        "procedure",
        lambda v: PROCEDURES[str(v).strip().lower()],
        _("%(value)r is not a procedure (first, subsequent or dublin)"),
    )
    convert(
        "language",
        lambda v: ProcedureLanguage(str(v).strip().lower()[:2]).value,
        _("%(value)r is not a language of the procedure (fr or nl)"),
    )
    convert(
        "gender", lambda v: GENDERS[str(v).strip().lower()], _("%(value)r is not f, m or other")
    )
    # The person form's rules, so an import stores nothing the form would refuse.
    details, refused = clean_details(
        {name: get(name) for name in ("given_name_fa", "family_name_fa", "given_name_latin",
                                      "family_name_latin", "nationality", "phone", "email")}
    )  # fmt: skip
    for name, messages in refused.items():
        errors.extend(RowError(number, name, message) for message in messages)
    out.update((name, value) for name, value in details.items() if value and name not in refused)
    if not any(out.get(n) for n in PERSONAL[:4]):
        errors.append(RowError(number, "given_name_latin", _("give at least one name")))
    email = get("caseworker_email")
    if email:
        user = members.get(str(email).strip().lower())
        if user is None:
            errors.append(
                RowError(number, "caseworker_email", _("%(value)r is not a member here")
                         % {"value": str(email)[:60]})
            )  # fmt: skip
        else:
            out["caseworker"] = user
    return out, errors


def import_cases(
    *,
    organisation: Organisation,
    by: User,
    file: FileInput,
    filename: str,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    reading: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, then (unless a dry run, and only if no row failed) create them all.

    `file` is the upload's bytes or a path on disk; it is read within LIMITS. `reading(rows)`
    is called every 200 rows checked, `progress(rows)` every 500 rows created.
    """
    report = ImportReport(dry_run=dry_run)
    members = {
        m.user.email.lower(): m.user
        for m in Membership.objects.filter(
            organisation=organisation, removed_at__isnull=True
        ).select_related("user")
    }
    parsed: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    try:
        with open_table(file, filename, limits=LIMITS) as table:
            columns, errors = _columns(table.columns, mapping or {})
            for error in errors:
                report.add(error)
            if report.error_count:
                return report
            for number, row in table.rows():
                report.rows += 1
                if reading and report.rows % 200 == 0:
                    reading(report.rows)
                if isinstance(row, str):
                    report.add(RowError(number, "row", row))
                    continue
                values, errors = _parse_row(number, row, columns, members)
                for error in errors:
                    report.add(error)
                reference = values.get("external_reference")
                if reference:
                    if reference in seen:
                        report.add(
                            RowError(number, "external_reference",
                                     _("repeats row %(row)s") % {"row": seen[reference]})
                        )  # fmt: skip
                    seen.setdefault(reference, number)
                if not report.error_count:  # once a row failed nothing is saved: keep no more
                    parsed.append((number, values))
    except SpreadsheetRefused as exc:
        report.add(RowError(exc.row or 1, "file", str(exc)), first=True)
        return report
    if report.error_count:
        return report
    existing = imported_references(organisation, list(seen))
    new_rows = [(n, v) for n, v in parsed if v.get("external_reference") not in existing]
    report.already_imported = len(parsed) - len(new_rows)
    if dry_run:
        report.created = len(new_rows)
        return report
    try:
        # In bulk: the organisation's key, rule table and members are read once, not per row.
        with transaction.atomic(), bulk(organisation):
            for i, (number, values) in enumerate(new_rows, start=1):
                _create(organisation, by, number, values, report)
                if progress and i % 500 == 0:
                    progress(i)
            if report.error_count:
                raise _RollBack
            audit.record(
                "cases.imported",
                organisation=organisation,
                actor=by,
                data={"rows": report.rows, "created": len(new_rows),
                      "already_imported": report.already_imported},
            )  # fmt: skip
    except _RollBack:
        return report
    report.created = len(new_rows)
    report.saved = True
    return report


class _RollBack(Exception):
    pass


def _create(organisation: Organisation, by: User, number: int, values: dict, report) -> None:
    details = {k: values[k] for k in PERSONAL if k in values}
    try:
        with transaction.atomic():
            person = create_person(organisation=organisation, by=by, **details)
            open_case(
                organisation=organisation,
                person=person,
                by=by,
                registered_on=values["registered_on"],
                procedure=values.get("procedure", ProcedureType.FIRST),
                detained=values.get("detained", False),
                accelerated=values.get("accelerated", False),
                language=values.get("language", ""),
                caseworkers=[values["caseworker"]] if "caseworker" in values else [],
                external_reference=values["external_reference"],
                assign_opener=False,
            )
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
        for name, texts in messages.items():
            for text in texts:
                report.add(RowError(number, name, text))
