"""The estimate as a file (CSV, XLSX, PDF): as-of date, lists used, every model with its
interval, the headlined one and why, the dependence warning; the researcher chooses the sources."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scope

from panah.core.models import AuditEntry, Role

from .linking_fixtures import LIGHT_ESTIMATE
from .test_review import reauthenticated
from .test_statistics import world  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "evidence:estimate_download"


@pytest.fixture(autouse=True)
def _light(settings):
    settings.EVIDENCE_WEB_ESTIMATE = LIGHT_ESTIMATE
    settings.DISCLOSURE_THRESHOLD = 5


@pytest.fixture
def researcher(world, make_member):
    return make_member(world, [Role.RESEARCHER], email="researcher-estimate@example.org")


def pdf_text(body: bytes) -> str:
    """The PDF's text as poppler reads it (the same package as pdftoppm for looking at it)."""
    import shutil
    import subprocess

    program = shutil.which("pdftotext")
    if not program:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    done = subprocess.run(  # noqa: S603 (our own PDF into poppler's reader)
        [program, "-", "-"], input=body, capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode()


def download(client, **params):
    query = {"est-period": "all", "est-sources": ["IHR", "HRANA", "Hengaw"], "est-fmt": "csv"}
    query.update({f"est-{k}": v for k, v in params.items()})
    return client.get(reverse(URL), query)


def test_the_csv_has_the_as_of_date_lists_every_model_and_the_warning(world, researcher, login_as):
    response = download(reauthenticated(login_as(researcher)))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="estimate-all-')
    text = response.content.decode()
    fields = dict(r[:2] for r in csv.reader(io.StringIO(text)) if len(r) == 2)
    assert fields["as_of"][:2] == "20" and fields["data_up_to"] == "2023-12-22"
    assert fields["lists_used"] == "HRANA; Hengaw; IHR"
    assert fields["documented_at_least"] == "30"
    assert fields["headlined_model"] and fields["why_headlined"]
    assert "depend" in fields["warning"]
    rows = list(csv.reader(io.StringIO(text)))
    header = rows.index(
        ["model", "method", "estimate", "interval_low", "interval_high", "level",
         "interval_type", "chosen_by", "headlined"]
    )  # fmt: skip
    models = [r for r in rows[header + 1 :] if len(r) == 9]
    assert len(models) >= 2 and sum(r[8] == "yes" for r in models) == 1
    assert all(float(r[2]) >= 30 and r[3] != "" for r in models)
    with scope(organisation=world):
        entry = AuditEntry.objects.get(action="evidence.estimate_exported")
    assert entry.data["lists"] == 3 and entry.data["format"] == "csv"


def test_the_researcher_chooses_the_sources_that_enter_it(world, researcher, login_as):
    response = download(reauthenticated(login_as(researcher)), sources=["IHR", "HRANA"])
    fields = dict(r[:2] for r in csv.reader(io.StringIO(response.content.decode())) if len(r) == 2)
    assert fields["lists_used"] == "HRANA; IHR"
    assert fields["documented_at_least"] == "29"  # the Hengaw-only victim is out


def test_one_source_is_refused_on_the_form_with_the_choice_kept(world, researcher, login_as):
    response = download(reauthenticated(login_as(researcher)), sources=["IHR"])
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose at least two sources" in text
    assert 'value="IHR" id="id_est-sources_' in text
    with scope(organisation=world):
        assert not AuditEntry.objects.filter(action="evidence.estimate_exported").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_xlsx_and_pdf_carry_the_interval_and_as_of_date(world, researcher, login_as, fmt):
    response = download(reauthenticated(login_as(researcher)), fmt=fmt)
    assert response.status_code == 200
    body = response.content
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body))
        cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
        assert "Data up to" in cells and "2023-12-22" in cells and "Interval from" in cells
        assert "HRANA; Hengaw; IHR" in cells
    else:
        assert body[:5] == b"%PDF-"
        text = pdf_text(body)
        assert "2023-12-22" in text and "interval" in text.lower() and "headlined" in text


def test_the_download_needs_a_recent_reauthentication_and_the_export_role(
    world, researcher, make_member, login_as
):
    response = download(login_as(researcher))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:reauthenticate"))
    caseworker = make_member(world, [Role.CASEWORKER], email="cw-estimate@example.org")
    assert download(reauthenticated(login_as(caseworker))).status_code == 403


def test_the_statistics_page_offers_the_form_with_every_source_ticked(world, researcher, login_as):
    text = login_as(researcher).get(reverse("evidence:statistics")).content.decode()
    assert "Download the estimate" in text
    for name in ("IHR", "HRANA", "Hengaw"):
        assert f'value="{name}"' in text
    assert text.count('name="est-sources"') == 3 and text.count("checked") >= 3
