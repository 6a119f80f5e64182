"""Fixtures of the evidence tests: a researcher, a source and files written on the fly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django_scopes import scope

from panah.core.models import Role
from panah.evidence import services
from panah.evidence.importing import FIELD_NAMES
from panah.evidence.models import Source, SourceKind

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


@pytest.fixture
def researcher_a(org_a, make_member):
    return make_member(org_a, [Role.RESEARCHER], email="researcher-a@example.org")


@pytest.fixture
def in_org_a(org_a):
    with scope(organisation=org_a):
        yield org_a


@pytest.fixture
def source_a(in_org_a, researcher_a) -> Source:
    return services.create_source(
        organisation=in_org_a, name="Iran Human Rights", kind=SourceKind.NGO, by=researcher_a
    )


def row(**values) -> dict[str, str]:
    """A valid report row; keyword arguments replace its cells."""
    base = {
        "source_reference": "R-1",
        "name_as_written": "Mohammad Hosseini",
        "date_as_written": "1402/10/11",
        "gender": "male",
        "charge_category": "drugs",
    }
    base.update(values)
    return base


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(rows, name="reports.csv", columns=None, encoding="utf-8") -> Path."""

    def write(rows, name="reports.csv", columns=None, encoding="utf-8", delimiter=","):
        columns = columns or [c for c in FIELD_NAMES if any(c in r for r in rows)] or list(rows[0])
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return write


@pytest.fixture
def write_json(tmp_path):
    def write(items, name="reports.json"):
        path = tmp_path / name
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    def write(rows, name="reports.xlsx", columns=None):
        import openpyxl

        columns = columns or list(rows[0])
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(columns)
        for r in rows:
            sheet.append([r.get(c) for c in columns])
        path = tmp_path / name
        workbook.save(path)
        return path

    return write
