"""The shared spreadsheet reader's limits, and the one function that neutralises formulas."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils.text import format_lazy
from openpyxl import Workbook

from panah.core.spreadsheets import (
    Limits,
    SpreadsheetRefused,
    expected_rows,
    neutralise,
    neutralise_row,
    open_table,
)

SMALL = Limits(rows=3)


@pytest.mark.parametrize(
    "text", ["=1+1", "+32 470", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://e")']
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


def test_numbers_dates_and_plain_text_are_kept_as_they_are():
    values = [-5, -2.5, 0, 7, None, dt.date(2024, 3, 5), "Tehran", "تهران", "", "a=b"]
    assert neutralise_row(values) == values
    assert type(neutralise(-5)) is int


def test_a_lazily_translated_label_is_checked_as_its_text():
    assert neutralise(format_lazy("{}{}", "=", "x")) == "'=x"


def _rows(table):
    return list(table.rows())


def test_a_csv_is_read_up_to_the_row_limit_and_refused_at_the_row_after():
    data = ("a,b\n" + "".join(f"{i},x\n" for i in range(5))).encode()
    with open_table(data, "f.csv", limits=SMALL) as table:
        rows = table.rows()
        assert [next(rows)[0] for _ in range(3)] == [2, 3, 4]
        with pytest.raises(SpreadsheetRefused) as refused:
            next(rows)
    assert refused.value.row == 5
    assert str(refused.value).startswith("Row 5 is past the limit of 3 rows")


def test_a_json_list_past_the_row_limit_is_refused():
    data = json.dumps([{"a": i} for i in range(4)]).encode()
    with (
        open_table(data, "f.json", limits=SMALL, formats=("json",)) as table,
        pytest.raises(SpreadsheetRefused, match="past the limit of 3 rows"),
    ):
        _rows(table)


def test_an_xlsx_of_empty_rows_is_refused_without_reading_them_all():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(["a", "b"])
    for _ in range(50):
        sheet.append([None, ""])
    out = io.BytesIO()
    book.save(out)
    with (
        open_table(out.getvalue(), "f.xlsx", limits=Limits(rows=10, cells=10**6)) as table,
        pytest.raises(SpreadsheetRefused, match="past the limit of 10 rows"),
    ):
        _rows(table)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(SpreadsheetRefused, match="the limit is 0 MB"):
        open_table(b"a\n" + b"x\n" * 100, "f.csv", limits=Limits(file_bytes=100))


@pytest.mark.parametrize("name", ["f.xls", "f.ods", "f.pdf", "f.json"])
def test_a_format_not_asked_for_is_refused_with_what_to_do(name):
    with pytest.raises(SpreadsheetRefused) as refused:
        open_table(b"a\n1\n", name, limits=SMALL)
    assert ".xlsx" in str(refused.value)


def test_a_header_with_too_many_columns_is_refused():
    data = (",".join(f"c{i}" for i in range(5)) + "\n1,2,3,4,5\n").encode()
    with pytest.raises(SpreadsheetRefused, match="The file has 5 columns; at most 4."):
        open_table(data, "f.csv", limits=Limits(columns=4))


def test_the_rows_a_progress_bar_expects_are_counted_ahead_where_the_file_says():
    limits = Limits(rows=1000, cells=10**6)
    assert expected_rows(b"a,b\n1,2\n3,4\n", "f.csv", limits) == 2
    assert expected_rows(b"a,b\n1,2\n3,4", "f.csv", limits) == 2  # no final new line
    book = Workbook()
    for row in (["a", "b"], [1, 2], [3, 4], [5, 6]):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    assert expected_rows(out.getvalue(), "f.xlsx", limits) == 3
    # Not counted ahead: JSON, a format not read, a file that is not a workbook.
    assert expected_rows(b'[{"a": 1}]', "f.json", limits, ("csv", "xlsx", "json")) is None
    assert expected_rows(b"a\n1\n", "f.ods", limits) is None
    assert expected_rows(b"not a zip", "f.xlsx", limits) is None
