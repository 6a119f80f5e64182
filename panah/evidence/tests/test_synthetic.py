"""Synthetic execution reports with ground truth (panah.evidence.synthetic)."""

import csv
from collections import Counter

import pytest

from panah.evidence.dates import parse_date
from panah.evidence.names import is_persian
from panah.evidence.synthetic import GIVEN, REPORT_FIELDS, SURNAMES, generate, write_csv


@pytest.fixture(scope="module")
def data():
    return generate(n_reports=3000, seed=5)


def test_the_same_seed_gives_the_same_reports_and_another_seed_others():
    assert generate(n_victims=200, seed=1).reports == generate(n_victims=200, seed=1).reports
    assert generate(n_victims=200, seed=1).reports != generate(n_victims=200, seed=2).reports


def test_exactly_the_requested_number_of_reports_each_with_its_true_victim(data):
    assert len(data) == len(data.reports) == len(data.truth) == 3000
    assert set(data.reports[0]) == set(REPORT_FIELDS)
    assert data.n_victims_reported < 3000


def test_giving_both_or_neither_size_is_refused():
    with pytest.raises(ValueError, match="exactly one"):
        generate()
    with pytest.raises(ValueError, match="exactly one"):
        generate(n_victims=10, n_reports=10)


def test_the_name_lists_are_large_and_skewed_towards_mohammad_and_hosseini():
    assert len(GIVEN) >= 150
    assert len(SURNAMES) >= 300
    assert max(GIVEN, key=lambda e: e.weight).latin[0] == "Mohammad"
    assert max(SURNAMES, key=lambda e: e.weight).latin[0] == "Hosseini"
    assert {"B", "K"} <= {t for e in SURNAMES for t in e.tags}


def test_reports_mix_scripts_calendars_precisions_and_sources(data):
    reports = data.reports
    scripts = Counter(is_persian(r["name_as_written"]) for r in reports if r["name_as_written"])
    assert scripts[True] > 500 and scripts[False] > 500
    assert {r["calendar"] for r in reports} == {"jalali", "gregorian"}
    assert {r["date_precision"] for r in reports} == {"day", "month"}
    assert len({r["source"] for r in reports}) == 6
    assert any(any("\u06f0" <= c <= "\u06f9" for c in r["date_as_written"]) for r in reports)


def test_some_victims_are_reported_twice_by_the_same_source(data):
    seen = Counter(zip(data.truth, (r["source"] for r in data.reports), strict=True))
    assert max(seen.values()) >= 2


def test_every_written_date_reads_back_in_its_stated_calendar_and_precision(data):
    for r in data.reports:
        parsed = parse_date(r["date_as_written"], r["calendar"])
        assert parsed.calendar == r["calendar"]
        assert parsed.precision == r["date_precision"]


def test_source_references_are_unique(data):
    refs = [r["source_reference"] for r in data.reports]
    assert len(set(refs)) == len(refs)


def test_write_csv_writes_the_import_columns_and_every_report(tmp_path, data):
    path = write_csv(tmp_path / "reports.csv", data, with_truth=True)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [*REPORT_FIELDS, "victim_id"]
    assert len(rows) == 3001
    assert rows[1][-1] == str(data.truth[0])
