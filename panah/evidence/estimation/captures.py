"""Capture histories: which lists (sources) documented how many people.

A capture-history table has one 0/1 column per list and a count column; each row says how many
distinct people were documented by exactly that combination of lists. It is built either from
a CSV file or in memory from each victim's set of sources.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COUNT_COLUMNS = ("count", "freq", "frequency", "n")
MAX_LISTS = 15  # 2**15 cells; beyond that the table is sparse and no model here is sound
MAX_ERRORS = 20  # a row-level report longer than this helps nobody


class CaptureFileError(ValueError):
    """A capture-history table that cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class CaptureTable:
    """Counts of documented people per capture pattern (the all-zero pattern is never observed).

    `patterns` is a (cells, lists) 0/1 array of every non-empty pattern in a fixed order
    (see `all_patterns`), `counts` the number of people with each pattern.
    """

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_counts(cls, lists: Iterable[str], counts: Mapping[tuple[int, ...], int]):
        """Build a table from {pattern: count}; patterns not given count zero."""
        lists = tuple(lists)
        _check_lists(lists)
        patterns = all_patterns(len(lists))
        index = {tuple(int(v) for v in row): i for i, row in enumerate(patterns)}
        values = np.zeros(len(patterns), dtype=np.int64)
        for pattern, count in counts.items():
            key = tuple(int(v) for v in pattern)
            if len(key) != len(lists) or any(v not in (0, 1) for v in key):
                raise CaptureFileError([f"pattern {pattern!r} does not match lists {lists}"])
            if count < 0:
                raise CaptureFileError([f"pattern {pattern!r} has a negative count"])
            if not any(key):
                if count:
                    raise CaptureFileError(["nobody can be counted on no list at all"])
                continue
            values[index[key]] += int(count)
        return cls(lists, patterns, values)

    @classmethod
    def from_source_sets(
        cls, documented_by: Iterable[Iterable[str]], lists: Iterable[str] | None = None
    ):
        """Build a table from one set of source names per victim (the output of linkage).

        `lists` fixes the order (and the selection) of sources; by default every source seen,
        sorted. Victims documented by none of the selected lists are left out.
        """
        sets = [frozenset(s) for s in documented_by]
        names = tuple(lists) if lists is not None else tuple(sorted(set().union(*sets)))
        counts: dict[tuple[int, ...], int] = {}
        for sources in sets:
            key = tuple(int(name in sources) for name in names)
            if any(key):
                counts[key] = counts.get(key, 0) + 1
        return cls.from_counts(names, counts)

    @property
    def observed(self) -> int:
        """The number of distinct people documented by at least one list."""
        return int(self.counts.sum())

    @property
    def list_totals(self) -> dict[str, int]:
        """How many people each list documented."""
        totals = self.patterns.T @ self.counts
        return {name: int(t) for name, t in zip(self.lists, totals, strict=True)}

    def without_empty_lists(self) -> tuple[CaptureTable, list[str]]:
        """Drop lists that document nobody (their capture probability cannot be estimated)."""
        totals = self.list_totals
        keep = [i for i, name in enumerate(self.lists) if totals[name] > 0]
        dropped = [name for name in self.lists if totals[name] == 0]
        if not dropped:
            return self, []
        counts: dict[tuple[int, ...], int] = {}
        for row, count in zip(self.patterns, self.counts, strict=True):
            key = tuple(int(row[i]) for i in keep)
            if any(key) and count:
                counts[key] = counts.get(key, 0) + int(count)
        return CaptureTable.from_counts([self.lists[i] for i in keep], counts), dropped

    def as_rows(self) -> list[dict[str, int]]:
        """The table as rows {list: 0/1, ..., "count": n}, in pattern order."""
        return [
            {**{name: int(v) for name, v in zip(self.lists, row, strict=True)}, "count": int(c)}
            for row, c in zip(self.patterns, self.counts, strict=True)
        ]


def all_patterns(k: int) -> np.ndarray:
    """Every non-empty 0/1 pattern over k lists, in binary order (first list most significant)."""
    codes = np.arange(1, 2**k)
    shifts = np.arange(k - 1, -1, -1)
    return ((codes[:, None] >> shifts) & 1).astype(np.int8)


def _check_lists(lists: tuple[str, ...]) -> None:
    if len(lists) < 2:
        raise CaptureFileError(
            [f"at least 2 lists are needed to estimate anything, found {len(lists)}"]
        )
    if len(lists) > MAX_LISTS:
        raise CaptureFileError([f"at most {MAX_LISTS} lists are supported, found {len(lists)}"])
    if len(set(lists)) != len(lists):
        raise CaptureFileError(["list names must be unique"])


def read_capture_file(path: str | Path) -> CaptureTable:
    """Read a capture-history CSV (`A,B,C,count`); raise CaptureFileError listing every problem."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return parse_capture_csv(handle)
    except FileNotFoundError:
        raise CaptureFileError([f"no such file: {path}"]) from None
    except UnicodeDecodeError:
        raise CaptureFileError([f"{path} is not UTF-8 text"]) from None
    except IsADirectoryError:
        raise CaptureFileError([f"{path} is a directory"]) from None


def parse_capture_csv(handle: io.TextIOBase | Iterable[str]) -> CaptureTable:
    """Parse capture-history CSV text (comma, semicolon or tab separated, with a header row).

    Rows with the same pattern are added up, so a file with one row per person (count 1) works.
    """
    lines = iter(handle)
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise CaptureFileError(["the file is empty"])
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(_chain([header_line], lines), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader)]
    errors: list[str] = []
    lowered = [h.lower() for h in header]
    count_at = next((lowered.index(c) for c in COUNT_COLUMNS if c in lowered), None)
    if count_at is None:
        raise CaptureFileError(
            [
                f"no count column: the header needs a column named 'count' (found: {', '.join(header)})"
            ]
        )
    if any(not h for h in header):
        errors.append("every column needs a name in the header row")
    lists = tuple(h for i, h in enumerate(header) if i != count_at)
    try:
        _check_lists(lists)
    except CaptureFileError as exc:
        errors.extend(exc.errors)
    if errors:
        raise CaptureFileError(errors)

    counts: dict[tuple[int, ...], int] = {}
    rows = 0
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if len(row) != len(header):
            errors.append(f"line {line_no}: {len(row)} fields, the header has {len(header)}")
        else:
            pattern = []
            for i, cell in enumerate(row):
                if i == count_at:
                    continue
                value = cell.strip()
                if value not in ("0", "1"):
                    errors.append(f"line {line_no}, column {header[i]}: {value!r} is not 0 or 1")
                pattern.append(value == "1")
            raw = row[count_at].strip()
            if not raw.lstrip("-").isdigit():
                errors.append(f"line {line_no}: count {raw!r} is not a whole number")
            elif int(raw) < 0:
                errors.append(f"line {line_no}: count {raw} is negative")
            elif not any(pattern) and int(raw) > 0:
                errors.append(
                    f"line {line_no}: a row on no list cannot have been observed (count {raw})"
                )
            else:
                key = tuple(int(p) for p in pattern)
                counts[key] = counts.get(key, 0) + int(raw)
        if len(errors) >= MAX_ERRORS:
            errors.append("(stopped after this many errors)")
            break
    if not errors and rows == 0:
        errors.append("the file has a header but no rows")
    if not errors and sum(counts.values()) == 0:
        errors.append("every count is zero: nobody was documented")
    if errors:
        raise CaptureFileError(errors)
    return CaptureTable.from_counts(lists, counts)


def _chain(first: list[str], rest: Iterable[str]):
    yield from first
    yield from rest
