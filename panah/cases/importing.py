"""Import people and their cases from the spreadsheets associations keep (CSV or XLSX).

- Column mapping: each field below is read from the column of the same name, or from the
  column a mapping names (`{"external_reference": "File no.", "registered_on": "تاریخ ثبت"}`).
- Dates may be Gregorian (2024-03-05, 05/03/2024, 05.03.2024) or Solar Hijri (1402/12/15), in
  Latin or Persian digits; a year before 1700 is read as Solar Hijri.
- All or nothing: every row is checked first; a single error anywhere and nothing is saved, and
  the report says which row, which field and what is wrong. A dry run checks and reports only.
- Idempotent: a row whose external reference is already a case of the organisation is skipped,
  so importing the same file twice creates nothing the second time.
- The file is read in memory and never stored: it holds personal data in clear.
People are created through the people app's service (create_person), cases through open_case.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jdatetime
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.models import Membership, Organisation, User
from panah.people.services import create_person

from .models import Case, ProcedureLanguage, ProcedureType
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
DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
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


class ImportFileError(ValueError):
    """The file cannot be read as a table at all."""


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
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    saved: bool = False


def parse_date(value: Any) -> dt.date:
    """A date from a cell: Gregorian or Solar Hijri, Latin or Persian digits; ValueError if not."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().translate(DIGITS)
    match = _YMD.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = _DMY.match(text)
        if not match:
            raise ValueError(text)
        d, m, y = (int(g) for g in match.groups())
    if y < 1700:
        return jdatetime.date(y, m, d).togregorian()
    return dt.date(y, m, d)


def parse_bool(value: Any) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(text)


def read_table(data: bytes, filename: str) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a CSV (UTF-8, comma or semicolon) or XLSX file (its first sheet)."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The CSV file is not in UTF-8. Save it as 'CSV UTF-8'.")) from None
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return [h.strip() for h in rows[0]], rows[1:]


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise ImportFileError(_("The file is empty."))
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    return header, [r for r in rows[1:] if any(c not in (None, "") for c in r)]


def _columns(header: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[RowError]]:
    unknown = set(mapping) - set(FIELDS)
    errors = [RowError(1, name, _("not a field that can be imported")) for name in sorted(unknown)]
    folded = {h.strip().casefold(): i for i, h in enumerate(header)}
    columns: dict[str, int] = {}
    for name in FIELDS:
        column = mapping.get(name, name)
        index = folded.get(column.strip().casefold())
        if index is not None:
            columns[name] = index
        elif name in REQUIRED:
            errors.append(
                RowError(1, name, _("no column named %(column)s") % {"column": repr(column)})
            )
    return columns, errors


def _cell(row: list[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    value = row[index]
    return value.strip() if isinstance(value, str) else value


def _parse_row(
    number: int, row: list[Any], columns: dict[str, int], members: dict[str, User]
) -> tuple[dict[str, Any], list[RowError]]:
    errors: list[RowError] = []
    out: dict[str, Any] = {}

    def get(name: str) -> Any:
        return _cell(row, columns.get(name))

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
    if reference in (None, ""):
        errors.append(RowError(number, "external_reference", _("empty; this column is required")))
    else:
        out["external_reference"] = str(reference).strip()[:64]
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
    for name in ("given_name_fa", "family_name_fa", "given_name_latin", "family_name_latin",
                 "nationality", "phone", "email"):  # fmt: skip
        value = get(name)
        if value not in (None, ""):
            out[name] = str(value).strip()[:200]
    if not any(out.get(n) for n in PERSONAL[:4]):
        errors.append(RowError(number, "given_name_latin", _("give at least one name")))
    email = get("caseworker_email")
    if email not in (None, ""):
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
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, then (unless a dry run, and only if no row failed) create them all."""
    report = ImportReport(dry_run=dry_run)
    try:
        header, rows = read_table(data, filename)
    except ImportFileError as exc:
        report.errors.append(RowError(1, "file", str(exc)))
        return report
    columns, report.errors = _columns(header, mapping or {})
    report.rows = len(rows)
    if report.errors:
        return report
    members = {
        m.user.email.lower(): m.user
        for m in Membership.objects.filter(
            organisation=organisation, removed_at__isnull=True
        ).select_related("user")
    }
    parsed: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        values, errors = _parse_row(number, row, columns, members)
        report.errors.extend(errors)
        reference = values.get("external_reference")
        if reference:
            if reference in seen:
                report.errors.append(
                    RowError(number, "external_reference",
                             _("repeats row %(row)s") % {"row": seen[reference]})
                )  # fmt: skip
            seen.setdefault(reference, number)
        parsed.append((number, values))
    references = list(seen)
    existing: set[str] = set()
    for start in range(0, len(references), 5000):  # within SQLite's limit of bound parameters
        existing.update(
            Case.objects.filter(
                organisation=organisation, external_reference__in=references[start : start + 5000]
            ).values_list("external_reference", flat=True)
        )
    new_rows = [(n, v) for n, v in parsed if v.get("external_reference") not in existing]
    report.already_imported = len(parsed) - len(new_rows)
    if report.errors or dry_run:
        report.created = 0 if report.errors else len(new_rows)
        return report
    try:
        # In bulk: the organisation's key, rule table and members are read once, not per row.
        with transaction.atomic(), bulk(organisation):
            for i, (number, values) in enumerate(new_rows, start=1):
                _create(organisation, by, number, values, report)
                if progress and i % 500 == 0:
                    progress(i)
            if report.errors:
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
                report.errors.append(RowError(number, name, text))
