"""Report search across scripts: a Latin query finds Persian-script reports and the reverse."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from panah.evidence import queries
from panah.evidence.importing import name_forms
from panah.evidence.models import Report

from .conftest import row
from .test_views import import_file

pytestmark = pytest.mark.django_db

NAMES = (
    "محمد حسینی",
    "Mohamad Hoseini",
    "علی كريمی",
    "Reza Ahmadi",
    "Hassan Rezaei",
    "Sara Tehrani",
)


@pytest.fixture
def imported(source_a, write_csv):
    import_file(
        source_a,
        write_csv([row(source_reference=f"R-{i}", name_as_written=n) for i, n in enumerate(NAMES)]),
    )
    return source_a


def found(org, query: str) -> set[str]:
    with scope(organisation=org):
        return set(queries.reports(org, name=query).values_list("name_as_written", flat=True))


def test_a_latin_query_finds_the_persian_script_report_and_the_reverse(imported, org_a):
    assert found(org_a, "Mohammad Hosseini") == {"محمد حسینی", "Mohamad Hoseini"}
    # The key is the linker's loose one (consonants only): Hassan (hsn) meets Hosseini too.
    assert found(org_a, "حسینی") == {"محمد حسینی", "Mohamad Hoseini", "Hassan Rezaei"}
    assert found(org_a, "Karimi") == {"علی كريمی"}
    assert found(org_a, "رضا احمدی") == {"Reza Ahmadi"}


def test_the_search_uses_the_key_the_import_stored_for_the_linker(imported, org_a):
    with scope(organisation=org_a):
        stored = dict(queries.reports(org_a).values_list("name_as_written", "name_key"))
    assert stored["محمد حسینی"] == name_forms("محمد حسینی")[1] == stored["Mohamad Hoseini"]


def test_a_different_name_is_not_found_and_a_too_short_key_matches_as_written_only(imported, org_a):
    assert found(org_a, "Tehrani") == {"Sara Tehrani"}
    assert found(org_a, "تهرانی") == {"Sara Tehrani"}
    assert "Reza Ahmadi" not in found(org_a, "Hosseini")
    assert found(org_a, "Ali") == set()  # "l" alone is in nearly every name: not used
    assert found(org_a, "Reza") == {"Reza Ahmadi", "Hassan Rezaei"}  # as written


def test_the_reports_page_finds_across_scripts(imported, researcher_a, login_as):
    body = login_as(researcher_a).get(reverse("evidence:reports"), {"name": "Hosseini"})
    text = body.content.decode()
    assert "محمد حسینی" in text and "Mohamad Hoseini" in text and "Reza Ahmadi" not in text


def test_the_year_filter_offers_the_years_that_have_reports_newest_first(
    source_a, write_csv, org_a
):
    with scope(organisation=org_a):
        assert queries.report_years(org_a) == []
    dates = ["2019-05-01", "2021-12-31", "2021-01-01", "", "2023"]
    import_file(
        source_a,
        write_csv([row(source_reference=f"Y-{i}", date_as_written=d) for i, d in enumerate(dates)]),
    )
    with scope(organisation=org_a):
        # 2020 and 2022 have no report: they are not offered.
        assert queries.report_years(org_a) == [2023, 2021, 2019]


def test_the_list_names_the_charge_and_verification_in_the_readers_language():
    """`choice_label` says what `get_<field>_display` says, in the language of the request."""
    report = Report(charge_category="drugs", verification="confirmed")
    template = Template('{% load panah %}{{ r|choice_label:"charge_category" }}')
    for language in ("en", "fr"):
        with translation.override(language):
            assert template.render(Context({"r": report})) == report.get_charge_category_display()
    with translation.override("fr"):
        assert template.render(Context({"r": report})) == "Lié aux stupéfiants"
    # A value outside the choices is shown as stored, as Django's display does.
    report.charge_category = "other-typed"
    assert template.render(Context({"r": report})) == "other-typed"
