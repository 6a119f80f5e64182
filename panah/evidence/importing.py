"""Reading report files (CSV, XLSX, JSON) row by row into clean report fields.

Nothing here writes to the database: `services.import_reports` drives it inside a transaction.
Files are checked before any row is read (size, encoding, zip bomb, declared sheet size) and
then streamed, so memory stays bounded whatever the file's length (a web upload, which never
lies on disk as plaintext, is read from memory: at most MAX_FILE_BYTES). The column format is
documented in docs/evidence-import.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from . import dates
from .models import Announced, Calendar, ChargeCategory, Gender, Verification
from .names import name_key
from .normalise import canonical_text

MB = 1024 * 1024
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


class ImportRefused(Exception):
    """The whole file is refused (size, encoding, layout); the message says why and what to do."""


# A file on disk (the command line), or a file's content in memory: a web upload is kept
# encrypted between the import's steps and is read from its decrypted bytes, never from a
# plaintext copy on disk.
FileInput = str | os.PathLike | bytes


def file_size(file: FileInput) -> int:
    """The file's size in bytes."""
    return len(file) if isinstance(file, bytes) else os.path.getsize(file)


def open_binary(file: FileInput) -> io.BufferedIOBase:
    """The file opened for reading bytes, from the disk or from memory."""
    return io.BytesIO(file) if isinstance(file, bytes) else open(file, "rb")  # noqa: SIM115 (the caller closes it)


def _open_text(file: FileInput, **options) -> io.TextIOWrapper:
    """The file opened as UTF-8 text (a byte-order mark skipped), as `open` would."""
    return io.TextIOWrapper(open_binary(file), encoding="utf-8-sig", **options)


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
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


@lru_cache(maxsize=1 << 14)
def _word(value: str) -> str:
    """A cell value reduced for matching against the words we accept."""
    value = value.translate(_DIGITS).replace("ي", "ی").replace("ك", "ک").replace("\u200c", " ")
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


# --- The file as a whole ------------------------------------------------------------------------


def detect_format(file_name: str) -> str:
    """csv, xlsx or json from the file's extension; ImportRefused for anything else."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".json":
        return "json"
    if suffix in (".xls", ".ods", ".numbers"):
        raise ImportRefused(
            f"{suffix} files are not read: save the sheet as .xlsx or as CSV (UTF-8) first."
        )
    raise ImportRefused("Give a .csv, .xlsx or .json file.")


def check_file(path: FileInput, file_format: str) -> str:
    """Refuse a file too big, badly encoded or a zip bomb before reading it; return its SHA-256."""
    size = file_size(path)
    if size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"The file is {size / MB:.1f} MB; the limit is {MAX_FILE_BYTES // MB} MB. "
            "Split it into smaller files and import them one after the other."
        )
    if size == 0:
        raise ImportRefused("The file is empty.")
    if file_format == "xlsx":
        check_xlsx(path)
    return _sha256_and_encoding(path, check_utf8=file_format in ("csv", "json"))


def _sha256_and_encoding(path: FileInput, *, check_utf8: bool) -> str:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with open_binary(path) as f:
        head = f.read(4)
        if check_utf8 and head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise ImportRefused(
                "The file is in UTF-16 (Excel's 'Unicode text'). Save it as 'CSV UTF-8' instead."
            )
        f.seek(0)
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            if check_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = line + chunk[: exc.start].count(b"\n")
                    raise ImportRefused(
                        f"The file is not UTF-8 text: byte {offset + exc.start + 1} "
                        f"(line {bad_line}) cannot be read. Save it as "
                        "'CSV UTF-8' (in Excel: Save as > CSV UTF-8) and import it again."
                    ) from None
                line += chunk.count(b"\n")
                offset += len(chunk)
        if check_utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise ImportRefused(
                    "The file is not UTF-8 text: it ends in the middle of a character."
                ) from None
    return digest.hexdigest()


def check_xlsx(path: FileInput) -> None:
    """Refuse an XLSX whose zip would unpack to too much (a zip bomb), from its central directory.

    Python's zip reader stops at the size the directory declares, so a member that lies about
    its size fails its checksum instead of unpacking further.
    """
    try:
        with open_binary(path) as raw, zipfile.ZipFile(raw) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused("This is not a valid .xlsx file (it is not a zip archive).") from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise ImportRefused(f"The .xlsx file has {len(members)} parts; that is not a spreadsheet.")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportRefused(
            f"The .xlsx file would unpack to {unpacked / MB:.0f} MB (the limit is "
            f"{MAX_XLSX_UNPACKED_BYTES // MB} MB). It may be a zip bomb; if it is a real "
            "spreadsheet, split it or save it as CSV."
        )
    for m in members:
        if m.file_size > MB and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise ImportRefused(
                f"A part of the .xlsx file ({m.filename}) is compressed "
                f"{m.file_size // max(m.compress_size, 1)} times: that is a zip bomb, not a "
                "spreadsheet."
            )


# --- Reading rows --------------------------------------------------------------------------------

RowResult = tuple[int, dict[str, str] | str]  # (row number, cells by column, or a row error)


class Table:
    """A file's column names and an iterator over its rows, read lazily."""

    def __init__(self, path: FileInput, file_format: str):
        self.path = path
        self.format = file_format
        self.columns: list[str] = []
        self._close: Callable[[], None] = lambda: None
        self._rows: Iterator[RowResult] = iter(())
        opener = {"csv": self._open_csv, "xlsx": self._open_xlsx, "json": self._open_json}
        opener[file_format]()
        duplicates = sorted({c for c in self.columns if c and self.columns.count(c) > 1})
        if duplicates:
            self.close()
            raise ImportRefused(
                "Two columns have the same name: " + ", ".join(duplicates) + ". Rename one."
            )

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._close()

    def rows(self) -> Iterator[RowResult]:
        return self._rows

    # CSV: UTF-8 with or without BOM; comma, semicolon (Excel in Belgium) or tab separated.
    def _open_csv(self) -> None:
        handle = _open_text(self.path, newline="")  # closed by close()
        self._close = handle.close
        first = handle.readline()
        delimiter = max((",", ";", "\t"), key=first.count)
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportRefused("The file has no header row.") from None
        except csv.Error as exc:
            raise ImportRefused(f"The header row cannot be read: {exc}.") from None
        self.columns = [c.strip().lstrip("\ufeff") for c in header]
        if len(self.columns) > MAX_COLUMNS:
            raise ImportRefused(f"The file has {len(self.columns)} columns; at most {MAX_COLUMNS}.")
        self._rows = self._csv_rows(reader)

    def _csv_rows(self, reader) -> Iterator[RowResult]:
        width = len(self.columns)
        number = 1  # numbered as a spreadsheet shows them: the header is row 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield number, f"this row cannot be read as CSV ({exc})"
                continue
            number += 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                yield number, f"this row has {len(cells)} cells but the header has {width}"
                continue
            yield (
                number,
                dict(zip(self.columns, (*cells, *[""] * (width - len(cells))), strict=False)),
            )

    # XLSX: the first sheet, streamed (openpyxl read-only), the first row holding the headers.
    def _open_xlsx(self) -> None:
        import openpyxl

        try:
            source = io.BytesIO(self.path) if isinstance(self.path, bytes) else self.path
            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportRefused(f"The .xlsx file cannot be opened: {exc}") from None
        self._close = workbook.close
        sheet = workbook.worksheets[0]
        rows, cols = sheet.max_row, sheet.max_column
        if rows and rows > MAX_ROWS + 1:
            self.close()
            raise ImportRefused(f"The sheet declares {rows:,} rows; at most {MAX_ROWS:,} are read.")
        if rows and cols and rows * cols > MAX_XLSX_CELLS:
            self.close()
            raise ImportRefused(
                f"The sheet declares {rows * cols:,} cells; at most {MAX_XLSX_CELLS:,} are read."
            )
        header_rows = sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True)
        header = next(iter(header_rows), ())
        names = [_cell_text(v).strip() for v in header]
        while names and not names[-1]:
            names.pop()
        if not names:
            self.close()
            raise ImportRefused("The first sheet has no header row.")
        self.columns = names
        self._rows = self._xlsx_rows(sheet, len(names))

    def _xlsx_rows(self, sheet, width: int) -> Iterator[RowResult]:
        for number, values in enumerate(
            sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
        ):
            if number > MAX_ROWS + 1:
                raise ImportRefused(f"The sheet has more than {MAX_ROWS:,} rows.")
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            yield number, dict(zip(self.columns, cells, strict=False))

    # JSON: a list of objects, decoded one object at a time.
    def _open_json(self) -> None:
        handle = _open_text(self.path)  # closed by close()
        self._close = handle.close
        objects = _json_objects(handle)
        first = next(objects, None)
        if first is None:
            raise ImportRefused("The JSON list is empty: there is no report to import.")
        if not isinstance(first, dict):
            raise ImportRefused("The JSON file must be a list of objects, one per report.")
        self.columns = [str(k) for k in first]
        self._rows = self._json_rows(first, objects)

    def _json_rows(self, first: dict, objects: Iterator[Any]) -> Iterator[RowResult]:
        number = 1
        obj: Any = first
        while True:
            if not isinstance(obj, dict):
                yield number, "this item is not an object"
            else:
                try:
                    yield number, {str(k): _json_text(v) for k, v in obj.items()}
                except ValueError as exc:
                    yield number, str(exc)
            obj = next(objects, _END)
            if obj is _END:
                return
            number += 1


_END = object()


def _json_objects(handle) -> Iterator[Any]:
    """The items of a top-level JSON array, decoded one by one from a bounded buffer."""
    decoder = json.JSONDecoder()
    buffer = handle.read(1 << 16)
    position = len(buffer) - len(buffer.lstrip())
    if buffer[position : position + 1] != "[":
        raise ImportRefused("The JSON file must be a list of objects ([{...}, {...}]).")
    position += 1
    expect_item = True
    count = 0
    while True:
        # Skip whitespace and the comma between items, refilling the buffer as needed.
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer):
                break
            more = handle.read(1 << 16)
            if not more:
                raise ImportRefused("The JSON file ends before its list is closed.")
            buffer, position = buffer[position:] + more, 0
        char = buffer[position]
        if char == "]":
            if handle.read(1 << 16).strip() or buffer[position + 1 :].strip():
                raise ImportRefused("The JSON file has more after its list.")
            return
        if char == ",":
            if expect_item:
                raise ImportRefused(f"The JSON list has an extra comma after item {count}.")
            position += 1
            expect_item = True
            continue
        if not expect_item:
            raise ImportRefused(f"The JSON list lacks a comma after item {count}.")
        while True:
            try:
                item, end = decoder.raw_decode(buffer, position)
                break
            except json.JSONDecodeError as exc:
                more = handle.read(1 << 16)
                if not more:
                    raise ImportRefused(
                        f"The JSON file cannot be read at item {count + 1}: {exc.msg}."
                    ) from None
                buffer, position = buffer[position:] + more, 0
                if len(buffer) > MAX_JSON_OBJECT_BYTES:
                    raise ImportRefused(
                        f"Item {count + 1} of the JSON list is larger than "
                        f"{MAX_JSON_OBJECT_BYTES // MB} MB or cannot be read."
                    ) from None
        count += 1
        expect_item = False
        buffer, position = buffer[end:], 0
        yield item


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as text: dates in ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_text(value: Any) -> str:
    if isinstance(value, dict | list):
        raise ValueError("a value is a list or an object; give text or a number")
    return _cell_text(value)


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


def resolve_mapping(columns: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """Which of our fields each column feeds: {column: field}; ImportRefused if unusable.

    Columns named like our fields map to them; `mapping` ({their column: our field}, an empty
    field meaning "ignore this column") adds to and overrides that.
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
    for column, target in mapping.items():
        target = (target or "").strip()
        if not target:
            result.pop(column, None)
            continue
        if target not in SPECS:
            raise ImportRefused(
                f"The mapping sends column {column!r} to {target!r}, which is not one of our "
                "fields: " + ", ".join(FIELD_NAMES) + "."
            )
        result[column] = target
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


def clean_row(number: int, cells: dict[str, str], mapping: dict[str, str]) -> CleanRow:
    """The Report fields of one row, with a problem for each cell that cannot be used."""
    row = CleanRow(number)
    raw: dict[str, str] = {}
    column_of: dict[str, str] = {}
    for column, target in mapping.items():
        value = (cells.get(column) or "").strip()
        raw[target] = value
        column_of[target] = column

    def problem(target: str, message: str) -> None:
        row.problems.append(Problem(number, column_of.get(target, ""), target, message))

    values = row.values
    for spec in FIELDS:
        value = raw.get(spec.name, "")
        if spec.max_length and len(value) > spec.max_length:
            problem(spec.name, f"longer than {spec.max_length} characters")
            value = ""
        raw[spec.name] = value

    if not raw["source_reference"]:
        problem("source_reference", "the source reference is empty")
    values["source_reference"] = raw["source_reference"]
    for text_field in (
        "name_as_written", "father_name", "ethnicity", "nationality", "province", "city",
        "prison", "charge_text", "date_as_written", "notes",
    ):  # fmt: skip
        values[text_field] = raw[text_field]
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
        match = re.fullmatch(
            r"(\d{1,3})(?:\.0+)?(?:\s*(?:years?|yrs?|ساله|سال))?", _word(raw["age"])
        )
        if not match:
            problem("age", f"{raw['age']!r} is not an age in years")
        elif int(match[1]) > 130:
            problem("age", f"{match[1]} is not a plausible age")
        else:
            values["age"] = int(match[1])

    for target, table, default in (
        ("gender", GENDERS, Gender.UNKNOWN),
        ("charge_category", CHARGES, ChargeCategory.UNKNOWN),
        ("announced", ANNOUNCED, Announced.UNKNOWN),
        ("verification", VERIFICATIONS, Verification.UNVERIFIED),
        ("calendar", CALENDARS, Calendar.UNKNOWN),
    ):
        value = table.get(_word(raw[target]))
        if value is None:
            accepted = ", ".join(sorted({v for v in table.values()}))
            problem(target, f"{raw[target]!r} is not one of: {accepted}")
            value = default
        values[target] = str(value)

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


@lru_cache(maxsize=1 << 14)  # a victim's name recurs across reports
def name_forms(name: str) -> tuple[str, str]:
    """The canonical text and cross-script key of a name (shared with search and linkage)."""
    if not name:
        return "", ""
    return canonical_text(name)[:300], name_key(name)[:300]


def iter_clean_rows(
    table: Table, mapping: dict[str, str], progress: Callable[[int], None] | None = None
) -> Iterator[CleanRow]:
    """Every data row of `table`, cleaned; `progress(rows_read)` is called every 5,000 rows."""
    count = 0
    for number, cells in table.rows():
        count += 1
        if count > MAX_ROWS:
            raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows.")
        if progress and count % 5000 == 0:
            progress(count)
        if isinstance(cells, str):
            yield CleanRow(number, problems=[Problem(number, "", "", cells)])
            continue
        yield clean_row(number, cells, mapping)
    if progress:
        progress(count)


def row_fingerprint(values: dict[str, Any]) -> int:
    """A digest of a row's values, to tell a repeated row from a conflicting one in one import.

    Python's hash is enough: fingerprints are only compared within one process.
    """
    return hash(tuple(sorted(values.items())))
