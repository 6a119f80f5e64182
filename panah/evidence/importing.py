"""Reading report files (CSV, XLSX, JSON) row by row into clean report fields.

Nothing here writes to the database: `services.import_reports` drives it inside a transaction.
Files are read through panah.core.spreadsheets, the reader every import shares: checked before
any row is read (size, encoding, zip bomb, declared sheet size), then streamed, so memory stays
bounded whatever the file's length (a web upload, which never lies on disk as plaintext, is
read from memory: at most MAX_FILE_BYTES). The column format is documented in
docs/evidence-import.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from panah.core import spreadsheets
from panah.core.persian import ZWNJ, matching_form
from panah.core.spreadsheets import MB, FileInput, Limits, SpreadsheetRefused, Table

from . import dates
from .models import Announced, Calendar, ChargeCategory, Gender, Verification
from .names import name_key
from .normalise import canonical_text

# Overridable per test (monkeypatch); read when a file is checked or opened (see limits()).
MAX_FILE_BYTES = 50 * MB
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
# XLSX: what the zip may unpack to, and how much a member may be compressed (zip bombs).
MAX_XLSX_UNPACKED_BYTES = 600 * MB
MAX_XLSX_MEMBERS = 1000
MAX_COMPRESSION_RATIO = 200
MAX_XLSX_CELLS = 20_000_000
MAX_JSON_OBJECT_BYTES = 1 * MB
MAX_CELL_CHARS = 20_000
# Problems kept for the report (the counts are always complete).
MAX_PROBLEMS_KEPT = 1000
FORMATS = ("csv", "xlsx", "json")

# The reader is shared with the other importers (panah.core.spreadsheets).
ImportRefused = SpreadsheetRefused


def limits() -> Limits:
    """What an evidence import reads at most."""
    return Limits(
        file_bytes=MAX_FILE_BYTES,
        rows=MAX_ROWS,
        columns=MAX_COLUMNS,
        unpacked_bytes=MAX_XLSX_UNPACKED_BYTES,
        members=MAX_XLSX_MEMBERS,
        compression_ratio=MAX_COMPRESSION_RATIO,
        cells=MAX_XLSX_CELLS,
        json_object_bytes=MAX_JSON_OBJECT_BYTES,
    )


def detect_format(file_name: str) -> str:
    """csv, xlsx or json from the file's extension; ImportRefused for anything else."""
    return spreadsheets.detect_format(file_name, FORMATS)


def check_file(path: FileInput, file_format: str) -> str:
    """Refuse a file too big, badly encoded or a zip bomb before reading it; return its SHA-256."""
    return spreadsheets.check_file(path, file_format, limits())


def open_table(path: FileInput, file_format: str) -> Table:
    """The file's table, read within the evidence import's limits."""
    return Table(path, file_format, limits())


@dataclass(frozen=True)
class FieldSpec:
    name: str
    max_length: int | None = None
    help: str = ""


# Our columns, in the order of the documented format.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("source_reference", 200, "the source's own identifier of the report (required)"),
    FieldSpec("url", 500, "link to the report"),
    FieldSpec("publication_date", None, "when the source published the report"),
    FieldSpec("name_as_written", 300, "the victim's name, in either script"),
    FieldSpec("father_name", 200, "the father's name"),
    FieldSpec("age", None, "age in years"),
    FieldSpec("gender", None, "male, female or unknown"),
    FieldSpec("ethnicity", 100),
    FieldSpec("nationality", 100),
    FieldSpec("province", 100),
    FieldSpec("city", 100),
    FieldSpec("prison", 200),
    FieldSpec("charge_category", None, "drugs, murder, rape, moharebeh, efsad, baghy, ..."),
    FieldSpec("charge_text", MAX_CELL_CHARS, "the charge as the source words it"),
    FieldSpec("date_as_written", 100, "the execution date as the source writes it"),
    FieldSpec("calendar", None, "gregorian, jalali, or empty to detect"),
    FieldSpec("announced", None, "yes, no or unknown: officially announced?"),
    FieldSpec("verification", None, "confirmed, unverified or excluded"),
    FieldSpec("identity_confirmed", None, "yes or no"),
    FieldSpec("notes", MAX_CELL_CHARS),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
SPECS = {f.name: f for f in FIELDS}
# The file must have a column for each of these (cells other than the reference may be empty).
REQUIRED_COLUMNS = ("source_reference", "name_as_written", "date_as_written")

# Header spellings suggested in the mapping step of the web import (never applied silently).
SUGGESTIONS: dict[str, str] = {
    "id": "source_reference", "reference": "source_reference", "ref": "source_reference",
    "شناسه": "source_reference", "کد": "source_reference",
    "link": "url", "source_url": "url", "لینک": "url", "پیوند": "url",
    "published": "publication_date", "publication": "publication_date",
    "تاریخ انتشار": "publication_date",
    "name": "name_as_written", "full_name": "name_as_written", "victim": "name_as_written",
    "نام": "name_as_written", "نام و نام خانوادگی": "name_as_written",
    "father": "father_name", "fathers_name": "father_name", "نام پدر": "father_name",
    "سن": "age", "sex": "gender", "جنسیت": "gender", "قومیت": "ethnicity",
    "ملیت": "nationality", "استان": "province", "شهر": "city", "زندان": "prison",
    "charge": "charge_category", "crime": "charge_category", "اتهام": "charge_category",
    "date": "date_as_written", "execution_date": "date_as_written",
    "date_of_execution": "date_as_written", "تاریخ": "date_as_written",
    "تاریخ اعدام": "date_as_written", "تقویم": "calendar",
    "official": "announced", "اعلام رسمی": "announced", "status": "verification",
    "وضعیت": "verification", "یادداشت": "notes", "توضیحات": "notes",
}  # fmt: skip

_validate_url = URLValidator(schemes=["http", "https"])


@lru_cache(maxsize=1 << 14)
def _word(value: str) -> str:
    """A cell value reduced for matching against the words we accept."""
    value = matching_form(value.replace(ZWNJ, " "))  # a ZWNJ stands for a space between words
    return re.sub(r"[\s_\-]+", " ", value).strip().lower()


def _synonyms(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_word(word): value for value, words in table.items() for word in (value, *words)}


GENDERS = _synonyms(
    {
        Gender.MALE: ("m", "man", "men", "مرد", "مذکر", "homme", "man"),
        Gender.FEMALE: ("f", "woman", "women", "زن", "مونث", "femme", "vrouw"),
        Gender.UNKNOWN: ("", "?", "unknown", "نامعلوم", "نامشخص"),
    }
)
CHARGES = _synonyms(
    {
        ChargeCategory.DRUGS: (
            "drug", "drugs", "drug related", "drug-related", "drug trafficking", "narcotics",
            "مواد مخدر", "قاچاق مواد مخدر", "مواد",
        ),
        ChargeCategory.MURDER: ("qisas", "qesas", "homicide", "قتل", "قصاص", "قتل عمد"),
        ChargeCategory.RAPE: ("sexual assault", "sexual violence", "تجاوز", "تجاوز به عنف"),
        ChargeCategory.MOHAREBEH: ("moharebe", "enmity against god", "محاربه"),
        ChargeCategory.EFSAD: (
            "efsad fil arz", "efsad-fil-arz", "corruption on earth", "افساد فی الارض",
        ),
        ChargeCategory.BAGHY: ("baghi", "armed rebellion", "rebellion", "بغی"),
        ChargeCategory.ESPIONAGE: ("spying", "spy", "جاسوسی"),
        ChargeCategory.ARMED_ROBBERY: ("armed robbery", "robbery", "سرقت مسلحانه", "سرقت"),
        ChargeCategory.ADULTERY: ("zina", "زنا"),
        ChargeCategory.OTHER: ("سایر", "دیگر"),
        ChargeCategory.UNKNOWN: ("", "?", "unknown", "نامعلوم", "نامشخص"),
    }
)  # fmt: skip
ANNOUNCED = _synonyms(
    {
        Announced.YES: ("y", "true", "1", "official", "announced", "بله", "آری", "رسمی"),
        Announced.NO: ("n", "false", "0", "unannounced", "not announced", "خیر", "نه", "غیررسمی"),
        Announced.UNKNOWN: ("", "?", "unknown", "نامعلوم", "نامشخص"),
    }
)
VERIFICATIONS = _synonyms(
    {
        Verification.CONFIRMED: ("verified", "تایید شده", "تأیید شده"),
        Verification.UNVERIFIED: ("", "not verified", "تایید نشده", "تأیید نشده"),
        Verification.EXCLUDED: ("exclude", "rejected", "کنار گذاشته"),
    }
)
CALENDARS = _synonyms(
    {
        Calendar.GREGORIAN: ("g", "miladi", "میلادی", "christian"),
        Calendar.JALALI: (
            "j", "shamsi", "solar hijri", "persian", "iranian", "شمسی", "هجری شمسی", "خورشیدی",
        ),
        Calendar.UNKNOWN: ("", "?", "detect"),
    }
)  # fmt: skip
BOOLEANS = _synonyms(
    {
        "yes": ("y", "true", "1", "بله", "آری", "confirmed"),
        "no": ("", "n", "false", "0", "خیر", "نه"),
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row (or the header): where, and what to do about it."""

    row: int | None
    column: str
    field: str
    message: str
    level: str = "error"  # or "warning": the row is skipped or kept, but the file still imports

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "level": self.level,
        }


@dataclass
class CleanRow:
    """A row turned into Report fields, or the reasons it could not be."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


# --- Columns -------------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").lower())


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """A proposed field for each column the web import can show (exact names, then known spellings)."""
    proposal: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = _header_key(column)
        guess = key if key in SPECS else SUGGESTIONS.get(key) or SUGGESTIONS.get(_word(column))
        if guess and guess not in used:
            proposal[column] = guess
            used.add(guess)
    return proposal


# A mapping's word for "this column is not imported" ("" and null mean the same).
IGNORE = "ignore"


def resolve_mapping(columns: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """Which of our fields each column feeds: {column: field}; ImportRefused if unusable.

    Columns named like our fields map to them; `mapping` ({their column: our field}, "ignore"
    or an empty field meaning "do not import this column") adds to and overrides that. A
    named column that is neither our field, mapped nor ignored is refused: its data would
    otherwise be dropped without anyone knowing.
    """
    mapping = mapping or {}
    result: dict[str, str] = {}
    for column in columns:
        key = _header_key(column)
        if column and key in SPECS:
            result[column] = key
    unknown_columns = [c for c in mapping if c not in columns]
    if unknown_columns:
        raise ImportRefused(
            "The mapping names columns the file does not have: "
            + ", ".join(repr(c) for c in unknown_columns)
            + ". The file's columns are: "
            + ", ".join(repr(c) for c in columns)
            + "."
        )
    ignored: set[str] = set()
    for column, target in mapping.items():
        target = (target or "").strip()
        if not target or target.lower() == IGNORE:
            result.pop(column, None)
            ignored.add(column)
            continue
        if target not in SPECS:
            raise ImportRefused(
                f"The mapping sends column {column!r} to {target!r}, which is not one of our "
                "fields: " + ", ".join(FIELD_NAMES) + "."
            )
        result[column] = target
    unread = [c for c in columns if c.strip() and c not in result and c not in ignored]
    if unread:
        hints = [
            f"{c!r} ({guess}?)" if (guess := suggest_mapping([c]).get(c)) else repr(c)
            for c in unread
        ]
        example = json.dumps({unread[0]: IGNORE}, ensure_ascii=False)
        raise ImportRefused(
            "The file has columns that are not our fields: "
            + ", ".join(hints)
            + ". Map each to one of our fields, or ignore it in the mapping (e.g. "
            + example
            + "): nothing is dropped silently."
        )
    targets: dict[str, list[str]] = {}
    for column, target in result.items():
        targets.setdefault(target, []).append(column)
    doubled = {t: cs for t, cs in targets.items() if len(cs) > 1}
    if doubled:
        target, cs = next(iter(doubled.items()))
        raise ImportRefused(
            f"Two columns feed the field {target}: " + ", ".join(repr(c) for c in cs) + "."
        )
    missing = [f for f in REQUIRED_COLUMNS if f not in targets]
    if missing:
        raise ImportRefused(
            "The file has no column for "
            + ", ".join(missing)
            + ". The file's columns are: "
            + ", ".join(repr(c) for c in columns)
            + '. Rename the columns or give a mapping ({"their column": "our field"}).'
        )
    return result


# --- Cleaning one row ----------------------------------------------------------------------------


# Columns with a length limit, and the choice columns with the words they accept. clean_row
# runs once per row of files of a million rows: what can be worked out once is, here.
_LIMITED = tuple((f.name, f.max_length) for f in FIELDS if f.max_length)
_TEXT_FIELDS = (
    "name_as_written", "father_name", "ethnicity", "nationality", "province", "city", "prison",
    "charge_text", "date_as_written", "notes",
)  # fmt: skip
# Each table's values as plain strings: str() of a choice is a Python call, five per row.
_CHOICES = tuple(
    (
        target,
        {word: str(value) for word, value in table.items()},
        str(default),
        ", ".join(sorted(set(table.values()))),
    )
    for target, table, default in (
        ("gender", GENDERS, Gender.UNKNOWN),
        ("charge_category", CHARGES, ChargeCategory.UNKNOWN),
        ("announced", ANNOUNCED, Announced.UNKNOWN),
        ("verification", VERIFICATIONS, Verification.UNVERIFIED),
        ("calendar", CALENDARS, Calendar.UNKNOWN),
    )
)
_AGE = re.compile(r"(\d{1,3})(?:\.0+)?(?:\s*(?:years?|yrs?|ساله|سال))?")


@lru_cache(maxsize=1024)  # ages repeat: a few hundred distinct values in any file
def _age(text: str) -> tuple[int | None, str]:
    """An age cell as (years, "") or (None, why not)."""
    match = _AGE.fullmatch(_word(text))
    if not match:
        return None, f"{text!r} is not an age in years"
    if int(match[1]) > 130:
        return None, f"{match[1]} is not a plausible age"
    return int(match[1]), ""


def clean_row(number: int, cells: dict[str, str], mapping: dict[str, str]) -> CleanRow:
    """The Report fields of one row, with a problem for each cell that cannot be used."""
    row = CleanRow(number)
    problems = row.problems
    raw = dict.fromkeys(FIELD_NAMES, "")
    column_of: dict[str, str] = {}
    for column, target in mapping.items():
        raw[target] = (cells.get(column) or "").strip()
        column_of[target] = column

    def problem(target: str, message: str) -> None:
        problems.append(Problem(number, column_of.get(target, ""), target, message))

    for name, limit in _LIMITED:
        if len(raw[name]) > limit:
            problem(name, f"longer than {limit} characters")
            raw[name] = ""

    if not raw["source_reference"]:
        problem("source_reference", "the source reference is empty")
    values = {"source_reference": raw["source_reference"]}
    for text_field in _TEXT_FIELDS:
        values[text_field] = raw[text_field]
    row.values = values
    values["name_canonical"], values["name_key"] = name_forms(raw["name_as_written"])

    url = raw["url"]
    if url:
        try:
            if not url.lower().startswith(("http://", "https://")):
                raise ValidationError("scheme")
            _validate_url(url)
        except ValidationError:
            problem("url", "not a web address (it must start with http:// or https://)")
            url = ""
    values["url"] = url

    values["publication_date"] = None
    if raw["publication_date"]:
        try:
            published = dates.parse_date(raw["publication_date"])
        except dates.DateError as exc:
            problem("publication_date", str(exc))
        else:
            if published.precision != dates.DAY:
                problem("publication_date", "give the day of publication, not a month or a year")
            else:
                values["publication_date"] = published.date_start

    values["age"] = None
    if raw["age"]:
        age, why_not = _age(raw["age"])
        if why_not:
            problem("age", why_not)
        values["age"] = age

    for target, table, default, accepted in _CHOICES:
        value = table.get(_word(raw[target]))
        if value is None:
            problem(target, f"{raw[target]!r} is not one of: {accepted}")
            value = default
        values[target] = value

    identity = BOOLEANS.get(_word(raw["identity_confirmed"]))
    if identity is None:
        problem("identity_confirmed", f"{raw['identity_confirmed']!r} is not yes or no")
    values["identity_confirmed"] = identity == "yes"

    stated = values["calendar"] if values["calendar"] != Calendar.UNKNOWN else None
    try:
        parsed = dates.parse_date(raw["date_as_written"], stated)
    except dates.DateError as exc:
        problem("date_as_written", f"{raw['date_as_written']!r}: {exc}")
        parsed = dates.NO_DATE
    values["date_start"], values["date_end"] = parsed.date_start, parsed.date_end
    values["date_precision"] = parsed.precision
    if parsed.calendar != dates.UNKNOWN:
        values["calendar"] = parsed.calendar
    return row


PREVIEW_ROWS = 5


def preview_rows(
    table: Table, mapping: dict[str, str], count: int = PREVIEW_ROWS
) -> list[CleanRow]:
    """The first `count` data rows as the import would read them with `mapping` ({column: field}),
    so the member sees names and dates as read before the dry run checks every row."""
    rows = []
    for number, cells in table.rows():
        if isinstance(cells, str):
            rows.append(CleanRow(number, problems=[Problem(number, "", "", cells)]))
        else:
            rows.append(clean_row(number, cells, mapping))
        if len(rows) >= count:
            break
    return rows


# A victim's name recurs across reports; an import of 100,000 reports has ~60,000 distinct.
@lru_cache(maxsize=1 << 17)
def name_forms(name: str) -> tuple[str, str]:
    """The canonical text and cross-script key of a name (shared with search and linkage)."""
    if not name:
        return "", ""
    return canonical_text(name)[:300], name_key(name)[:300]


def iter_clean_rows(
    table: Table, mapping: dict[str, str], progress: Callable[[int], None] | None = None
) -> Iterator[CleanRow]:
    """Every data row of `table`, cleaned; `progress(rows_read)` is called every 500 rows."""
    count = 0
    for number, cells in table.rows():
        count += 1
        if progress and count % 500 == 0:
            progress(count)
        if isinstance(cells, str):
            yield CleanRow(number, problems=[Problem(number, "", "", cells)])
            continue
        yield clean_row(number, cells, mapping)
    if progress:
        progress(count)


def row_fingerprint(values: dict[str, Any]) -> int:
    """A digest of a row's values, to tell a repeated row from a conflicting one in one import.

    Python's hash is enough: fingerprints are only compared within one process. `values` are
    as clean_row builds them, always the same keys in the same order, so they are not sorted
    (sorting 25 items was a tenth of the cleaning's time).
    """
    return hash(tuple(values.items()))


# --- a clerical check of the linkage, for the estimates ---------------------------------------

CHECK_COLUMNS = ("victim_id", "same_as", "several_people")
YES = {"yes", "y", "1", "true", "oui", "ja", "بله"}
NO = {"", "no", "n", "0", "false", "non", "nee", "خیر"}


def read_clerical_check(path: FileInput, file_name: str) -> list[tuple[int, int | None, bool]]:
    """The rows of a clerical check (victim_id, same_as, several_people) as (victim, the victim
    it is the same person as or None, whether its reports are of several people); ValueError
    listing every problem by line."""
    rows: list[tuple[int, int | None, bool]] = []
    problems: list[str] = []
    try:
        file_format = spreadsheets.detect_format(file_name, ("csv", "xlsx"))
        with open_table(path, file_format) as table:
            missing = [c for c in CHECK_COLUMNS[:1] if c not in table.columns]
            if missing:
                raise ValueError(
                    _("The check needs the columns %(names)s.")
                    % {"names": ", ".join(CHECK_COLUMNS)}
                )
            for number, cells in table.rows():
                if isinstance(cells, str):
                    problems.append(f"{number}: {cells}")
                    continue
                victim, same = cells.get("victim_id", "").strip(), cells.get("same_as", "").strip()
                several = cells.get("several_people", "").strip().lower()
                if not victim.isdigit() or (same and not same.isdigit()) or several not in YES | NO:
                    problems.append(
                        _(
                            "line %(line)s: victim_id and same_as are victim numbers, "
                            "several_people is yes or no"
                        )
                        % {"line": number}
                    )
                    continue
                rows.append((int(victim), int(same) if same else None, several in YES))
    except SpreadsheetRefused as exc:
        raise ValueError(str(exc)) from None
    if problems:
        raise ValueError("\n".join(problems))
    return rows
