"""Reading and writing the spreadsheets people bring (CSV, XLSX, JSON), safely.

Every importer reads through here (evidence reports, casework, shelter) and every CSV or XLSX
we write passes its cells through `neutralise`:

    limits = Limits(file_bytes=10 * MB, rows=20_000)
    try:
        with open_table(upload_bytes, "people.xlsx", limits=limits) as table:
            table.columns                      # the header, stripped
            for number, cells in table.rows(): # cells: {column: text}, or a str: a row error
                ...
    except SpreadsheetRefused as exc:          # the whole file is refused; str(exc) says why
        ...

A file is checked before any row is read (size, encoding, zip bomb, declared sheet size) and
then streamed, so memory stays bounded whatever the file holds: past `limits.rows` data rows
the reading stops with a row-level message. A web upload is read from memory (never from a
plaintext copy on disk, see panah.core.uploads); the command line reads from the disk.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

MB = 1024 * 1024

# A file on disk (the command line), or a file's content in memory (a web upload).
FileInput = str | os.PathLike | bytes
# (row number as a spreadsheet shows it, cells by column or a message saying why the row is unread)
RowResult = tuple[int, dict[str, str] | str]


class SpreadsheetRefused(Exception):
    """The whole file is refused (size, encoding, layout); the message says why and what to do.

    `row` is the row where the reading stopped, when it stopped at a row (too many rows).
    """

    def __init__(self, message: str, *, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class Limits:
    """What one import reads at most; each importer chooses its own (see docs/security.md)."""

    file_bytes: int = 50 * MB
    rows: int = 1_000_000  # data rows, the header not counted
    columns: int = 200
    # XLSX: what the zip may unpack to, how many parts it has, and how much a part may be
    # compressed (a zip bomb); the cells the sheet declares (rows x columns).
    unpacked_bytes: int = 600 * MB
    members: int = 1000
    compression_ratio: int = 200
    cells: int = 20_000_000
    json_object_bytes: int = 1 * MB


def file_size(file: FileInput) -> int:
    """The file's size in bytes."""
    return len(file) if isinstance(file, bytes) else os.path.getsize(file)


def open_binary(file: FileInput) -> io.BufferedIOBase:
    """The file opened for reading bytes, from the disk or from memory."""
    return io.BytesIO(file) if isinstance(file, bytes) else open(file, "rb")  # noqa: SIM115 (the caller closes it)


def detect_format(file_name: str, formats: Iterable[str] = ("csv", "xlsx", "json")) -> str:
    """csv, xlsx or json from the file's extension; SpreadsheetRefused for anything else."""
    formats = tuple(formats)
    suffix = Path(file_name).suffix.lower()
    found = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json"}
    if found.get(suffix) in formats:
        return found[suffix]
    if suffix in (".xls", ".ods", ".numbers"):
        raise SpreadsheetRefused(
            _("%(suffix)s files are not read: save the sheet as .xlsx or as CSV (UTF-8) first.")
            % {"suffix": suffix}
        )
    names = ", ".join(f".{f}" for f in formats)
    raise SpreadsheetRefused(_("Give a file ending in %(formats)s.") % {"formats": names})


def check_file(file: FileInput, file_format: str, limits: Limits) -> str:
    """Refuse a file too big, badly encoded or a zip bomb before reading it; return its SHA-256."""
    size = file_size(file)
    if size > limits.file_bytes:
        raise SpreadsheetRefused(
            _(
                "The file is %(size).1f MB; the limit is %(limit)s MB. "
                "Split it into smaller files and import them one after the other."
            )
            % {"size": size / MB, "limit": limits.file_bytes // MB}
        )
    if size == 0:
        raise SpreadsheetRefused(_("The file is empty."))
    if file_format == "xlsx":
        check_xlsx(file, limits)
    return _sha256_and_encoding(file, check_utf8=file_format in ("csv", "json"))


def _sha256_and_encoding(file: FileInput, *, check_utf8: bool) -> str:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with open_binary(file) as f:
        head = f.read(4)
        if check_utf8 and head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise SpreadsheetRefused(
                _("The file is in UTF-16 (Excel's 'Unicode text'). Save it as 'CSV UTF-8' instead.")
            )
        f.seek(0)
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            if check_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise SpreadsheetRefused(
                        _(
                            "The file is not UTF-8 text: byte %(byte)s (line %(line)s) cannot be "
                            "read. Save it as 'CSV UTF-8' (in Excel: Save as > CSV UTF-8) and "
                            "import it again."
                        )
                        % {
                            "byte": offset + exc.start + 1,
                            "line": line + chunk[: exc.start].count(b"\n"),
                        }
                    ) from None
                line += chunk.count(b"\n")
                offset += len(chunk)
        if check_utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise SpreadsheetRefused(
                    _("The file is not UTF-8 text: it ends in the middle of a character.")
                ) from None
    return digest.hexdigest()


def check_xlsx(file: FileInput, limits: Limits) -> None:
    """Refuse an XLSX whose zip would unpack to too much (a zip bomb), from its central directory.

    Python's zip reader stops at the size the directory declares, so a member that lies about
    its size fails its checksum instead of unpacking further.
    """
    try:
        with open_binary(file) as raw, zipfile.ZipFile(raw) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise SpreadsheetRefused(
            _("This is not a valid .xlsx file (it is not a zip archive).")
        ) from None
    if len(members) > limits.members:
        raise SpreadsheetRefused(
            _("The .xlsx file has %(count)s parts; that is not a spreadsheet.")
            % {"count": len(members)}
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.unpacked_bytes:
        raise SpreadsheetRefused(
            _(
                "The .xlsx file would unpack to %(size).0f MB (the limit is %(limit)s MB). It may "
                "be a zip bomb; if it is a real spreadsheet, split it or save it as CSV."
            )
            % {"size": unpacked / MB, "limit": limits.unpacked_bytes // MB}
        )
    for m in members:
        if m.file_size > MB and m.file_size > limits.compression_ratio * max(m.compress_size, 1):
            raise SpreadsheetRefused(
                _(
                    "A part of the .xlsx file (%(part)s) is compressed %(ratio)s times: that is a "
                    "zip bomb, not a spreadsheet."
                )
                % {"part": m.filename, "ratio": m.file_size // max(m.compress_size, 1)}
            )


def open_table(
    file: FileInput,
    file_name: str,
    *,
    limits: Limits,
    formats: Iterable[str] = ("csv", "xlsx"),
) -> Table:
    """The checked, opened table of a file (its format from its name); SpreadsheetRefused if not.

    Use it as a context manager so the file is closed.
    """
    file_format = detect_format(file_name, formats)
    check_file(file, file_format, limits)
    return Table(file, file_format, limits)


def expected_rows(
    file: bytes, file_name: str, limits: Limits, formats: Iterable[str] = ("csv", "xlsx")
) -> int | None:
    """About how many data rows a file holds, for a progress bar; None when it cannot say.

    A CSV's lines (a quoted cell may hold a new line: an upper bound); an XLSX sheet's declared
    size, once the file passed `check_xlsx` (a zip bomb is never opened); a JSON file's objects
    are not counted ahead, nor a file of a format not read (the import says why).
    """
    try:
        file_format = detect_format(file_name, formats)
    except SpreadsheetRefused:
        return None
    if file_format == "csv":
        lines = file.count(b"\n") + (0 if file.endswith(b"\n") else 1)
        return max(lines - 1, 0)
    if file_format == "xlsx":
        import openpyxl  # noqa: PLC0415 (slow to import; only an XLSX needs it)

        try:
            check_xlsx(file, limits)
            workbook = openpyxl.load_workbook(io.BytesIO(file), read_only=True, data_only=True)
        except Exception:  # the import itself will say what is wrong with the file
            return None
        try:
            rows = workbook.worksheets[0].max_row if workbook.worksheets else None
        finally:
            workbook.close()
        return max(rows - 1, 0) if rows else None
    return None


def too_many_rows(number: int, limits: Limits) -> SpreadsheetRefused:
    """The refusal at the first row past the limit (`number` as a spreadsheet numbers it)."""
    return SpreadsheetRefused(
        _(
            "Row %(row)s is past the limit of %(limit)s rows: split the file into smaller files "
            "and import them one after the other."
        )
        % {"row": number, "limit": f"{limits.rows:,}"},
        row=number,
    )


class Table:
    """A file's column names and an iterator over its rows, read lazily within `limits`."""

    def __init__(self, file: FileInput, file_format: str, limits: Limits):
        self.file = file
        self.format = file_format
        self.limits = limits
        self.columns: list[str] = []
        self._close: Callable[[], None] = lambda: None
        self._rows: Iterator[RowResult] = iter(())
        opener = {"csv": self._open_csv, "xlsx": self._open_xlsx, "json": self._open_json}
        opener[file_format]()
        duplicates = sorted({c for c in self.columns if c and self.columns.count(c) > 1})
        if duplicates:
            self.close()
            raise SpreadsheetRefused(
                _("Two columns have the same name: %(names)s. Rename one.")
                % {"names": ", ".join(duplicates)}
            )

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (the XLSX workbook)."""
        self._close()

    def rows(self) -> Iterator[RowResult]:
        """(row number, {column: text}) for each non-empty data row, or (number, why unread).

        SpreadsheetRefused (with `too_many_rows`'s message) when the file has more rows than
        the limits allow: the rows before it have been yielded, nothing after is read.
        """
        for count, (number, cells) in enumerate(self._rows, start=1):
            if count > self.limits.rows:
                raise too_many_rows(number, self.limits)
            yield number, cells

    def _check_width(self) -> None:
        if len(self.columns) > self.limits.columns:
            self.close()
            raise SpreadsheetRefused(
                _("The file has %(count)s columns; at most %(limit)s.")
                % {"count": len(self.columns), "limit": self.limits.columns}
            )

    # CSV: UTF-8 with or without BOM; comma, semicolon (Excel in Belgium) or tab separated.
    def _open_csv(self) -> None:
        handle = io.TextIOWrapper(open_binary(self.file), encoding="utf-8-sig", newline="")
        self._close = handle.close
        first = handle.readline()
        delimiter = max((",", ";", "\t"), key=first.count)
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            self.close()
            raise SpreadsheetRefused(_("The file has no header row.")) from None
        except csv.Error as exc:
            self.close()
            raise SpreadsheetRefused(
                _("The header row cannot be read: %(error)s.") % {"error": exc}
            ) from None
        self.columns = [c.strip().lstrip("\ufeff") for c in header]
        self._check_width()
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
                yield number, _("this row cannot be read as CSV (%(error)s)") % {"error": exc}
                continue
            number += 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                yield (
                    number,
                    _("this row has %(cells)s cells but the header has %(width)s")
                    % {"cells": len(cells), "width": width},
                )
                continue
            yield (
                number,
                dict(zip(self.columns, (*cells, *[""] * (width - len(cells))), strict=False)),
            )

    # XLSX: the first sheet, streamed (openpyxl read-only), the first row holding the headers.
    def _open_xlsx(self) -> None:
        import openpyxl  # noqa: PLC0415 (slow to import; only an XLSX needs it)

        try:
            source = io.BytesIO(self.file) if isinstance(self.file, bytes) else self.file
            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SpreadsheetRefused(
                _("The .xlsx file cannot be opened: %(error)s") % {"error": exc}
            ) from None
        self._close = workbook.close
        if not workbook.worksheets:
            self.close()
            raise SpreadsheetRefused(_("The first sheet has no header row."))
        sheet = workbook.worksheets[0]
        rows, cols = sheet.max_row, sheet.max_column
        if rows and rows > self.limits.rows + 1:
            self.close()
            raise SpreadsheetRefused(
                _("The sheet declares %(rows)s rows; at most %(limit)s are read.")
                % {"rows": f"{rows:,}", "limit": f"{self.limits.rows:,}"}
            )
        if rows and cols and rows * cols > self.limits.cells:
            self.close()
            raise SpreadsheetRefused(
                _("The sheet declares %(cells)s cells; at most %(limit)s are read.")
                % {"cells": f"{rows * cols:,}", "limit": f"{self.limits.cells:,}"}
            )
        header_rows = sheet.iter_rows(
            min_row=1, max_row=1, max_col=self.limits.columns, values_only=True
        )
        header = next(iter(header_rows), ())
        names = [cell_text(v).strip() for v in header]
        while names and not names[-1]:
            names.pop()
        if not names:
            self.close()
            raise SpreadsheetRefused(_("The first sheet has no header row."))
        self.columns = names
        self._rows = self._xlsx_rows(sheet, len(names))

    def _xlsx_rows(self, sheet, width: int) -> Iterator[RowResult]:
        for number, values in enumerate(
            sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
        ):
            cells = [cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                # Empty rows count too, or a sheet of a million empty rows would be read whole.
                if number > self.limits.rows + 1:
                    raise too_many_rows(number, self.limits)
                continue
            yield number, dict(zip(self.columns, cells, strict=False))

    # JSON: a list of objects, decoded one object at a time.
    def _open_json(self) -> None:
        handle = io.TextIOWrapper(open_binary(self.file), encoding="utf-8-sig")
        self._close = handle.close
        objects = _json_objects(handle, self.limits)
        first = next(objects, None)
        if first is None:
            self.close()
            raise SpreadsheetRefused(_("The JSON list is empty: there is no row to import."))
        if not isinstance(first, dict):
            self.close()
            raise SpreadsheetRefused(_("The JSON file must be a list of objects, one per row."))
        self.columns = [str(k) for k in first]
        self._check_width()
        self._rows = self._json_rows(first, objects)

    def _json_rows(self, first: dict, objects: Iterator[Any]) -> Iterator[RowResult]:
        number = 1
        obj: Any = first
        while True:
            if not isinstance(obj, dict):
                yield number, _("this item is not an object")
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


def _json_objects(handle, limits: Limits) -> Iterator[Any]:
    """The items of a top-level JSON array, decoded one by one from a bounded buffer."""
    decoder = json.JSONDecoder()
    buffer = handle.read(1 << 16)
    position = len(buffer) - len(buffer.lstrip())
    if buffer[position : position + 1] != "[":
        raise SpreadsheetRefused(_("The JSON file must be a list of objects ([{...}, {...}])."))
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
                raise SpreadsheetRefused(_("The JSON file ends before its list is closed."))
            buffer, position = buffer[position:] + more, 0
        char = buffer[position]
        if char == "]":
            if handle.read(1 << 16).strip() or buffer[position + 1 :].strip():
                raise SpreadsheetRefused(_("The JSON file has more after its list."))
            return
        if char == ",":
            if expect_item:
                raise SpreadsheetRefused(
                    _("The JSON list has an extra comma after item %(count)s.") % {"count": count}
                )
            position += 1
            expect_item = True
            continue
        if not expect_item:
            raise SpreadsheetRefused(
                _("The JSON list lacks a comma after item %(count)s.") % {"count": count}
            )
        while True:
            try:
                item, end = decoder.raw_decode(buffer, position)
                break
            except json.JSONDecodeError as exc:
                more = handle.read(1 << 16)
                if not more:
                    raise SpreadsheetRefused(
                        _("The JSON file cannot be read at item %(item)s: %(error)s.")
                        % {"item": count + 1, "error": exc.msg}
                    ) from None
                buffer, position = buffer[position:] + more, 0
                if len(buffer) > limits.json_object_bytes:
                    raise SpreadsheetRefused(
                        _(
                            "Item %(item)s of the JSON list is larger than %(limit)s MB or "
                            "cannot be read."
                        )
                        % {"item": count + 1, "limit": limits.json_object_bytes // MB}
                    ) from None
        count += 1
        expect_item = False
        buffer, position = buffer[end:], 0
        yield item


def cell_text(value: Any) -> str:
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
        raise ValueError(_("a value is a list or an object; give text or a number"))
    return cell_text(value)


# --- Writing ------------------------------------------------------------------------------------

# A text cell starting with one of these is run as a formula by spreadsheet programs (and
# openpyxl writes a string starting with "=" as a live formula).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet program runs as a formula: text starting with = + - @,
    a tab or a carriage return gets a leading apostrophe; numbers, dates and None are kept as
    they are (a negative number stays a number)."""
    if isinstance(value, Promise):  # a lazily translated label
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through `neutralise`, for csv.writer.writerow or sheet.append."""
    return [neutralise(v) for v in values]


def table_bytes(
    header: Iterable[Any], rows: Iterable[Iterable[Any]], file_format: str, *, title: str = "data"
) -> bytes:
    """A table as a download: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
    Persian right) or XLSX (one sheet named `title`); every cell through `neutralise`."""
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(neutralise_row(header))
        writer.writerows(neutralise_row(row) for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if file_format == "xlsx":
        from openpyxl import Workbook  # noqa: PLC0415 (openpyxl is slow to import; only this path needs it)

        book = Workbook()
        sheet = book.active
        sheet.title = title[:31]
        sheet.append(neutralise_row(header))
        for row in rows:
            sheet.append(neutralise_row(row))  # openpyxl writes a text starting with = as a formula
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise ValueError(f"unknown table format {file_format!r}: csv or xlsx")
