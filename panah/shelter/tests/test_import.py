"""Importing needs and hosts: all or nothing, a dry run that saves nothing, row-level errors."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from conftest import verified_client
from panah.core.spreadsheets import SpreadsheetRefused as ImportRefused
from panah.shelter.importing import import_shelter
from panah.shelter.models import Host, Need, Offer

pytestmark = pytest.mark.django_db

NEEDS = (
    "reference;given_name;family_name;without_roof_since;adult_women;adult_men;children;area;"
    "languages;vulnerabilities;place_needed_until\n"
    "N-1;Leila;Karimi;2026-11-02;1;0;2;brussels;fa en;pregnancy;2027-01-15\n"
    "N-2;Hossein;Moradi;1405/08/20;0;1;0;antwerp;fa;;\n"
)
HOSTS = (
    "reference,kind,name,address,area,beds,available_from,single_men\n"
    "H-1,family,Famille Lambert,Rue Cachée 4,brussels,3,2026-11-01,no\n"
)


def test_a_dry_run_checks_everything_and_saves_nothing(org_a, shelter_a):
    with scope(organisation=org_a):
        report = import_shelter(
            organisation=org_a, by=shelter_a, data=NEEDS.encode(), filename="needs.csv",
            kind="needs", dry_run=True,
        )  # fmt: skip
        assert (report.rows, report.created, report.errors, report.saved) == (2, 2, [], False)
        assert Need.objects.count() == 0


def test_needs_import_once_and_a_second_import_adds_nothing(org_a, shelter_a):
    with scope(organisation=org_a):
        for expected in (2, 0):
            report = import_shelter(
                organisation=org_a, by=shelter_a, data=NEEDS.encode(), filename="needs.csv",
                kind="needs",
            )  # fmt: skip
            assert report.created == expected and report.saved
        leila = Need.objects.get(external_reference="N-1")
        assert (leila.size, leila.vulnerabilities, leila.languages) == (
            3,
            ["pregnancy"],
            ["fa", "en"],
        )
        hossein = Need.objects.get(external_reference="N-2")
        assert hossein.without_roof_since.isoformat() == "2026-11-11"
        # The date a place is needed until, when the sheet gives it; empty when it does not.
        assert leila.place_needed_until.isoformat() == "2027-01-15"
        assert hossein.place_needed_until is None


def test_one_bad_row_saves_nothing_and_names_the_row(org_a, shelter_a):
    bad = NEEDS + "N-3;Bad;Row;yesterday;1;0;0;brussels;fa;;\nN-4;;;2026-11-01;1;0;0;;fa;;\n"
    with scope(organisation=org_a):
        report = import_shelter(
            organisation=org_a, by=shelter_a, data=bad.encode(), filename="needs.csv", kind="needs"
        )
        assert Need.objects.count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(4, ""), (5, "area")]
    assert not report.saved


def test_hosts_import_unvetted_with_their_offer(org_a, shelter_a):
    with scope(organisation=org_a):
        report = import_shelter(
            organisation=org_a,
            by=shelter_a,
            data=HOSTS.encode(),
            filename="hosts.csv",
            kind="hosts",
        )
        host = Host.objects.get()
        assert report.created == 1 and host.address == "Rue Cachée 4"
        assert not host.vetted_on(host.created_at.date())
        assert Offer.objects.get().beds == 3


def test_a_refused_file_is_said_on_the_page(org_a, shelter_a):
    client = verified_client(shelter_a)
    with pytest.raises(ImportRefused):
        import_shelter(organisation=org_a, by=shelter_a, data=b"x", filename="a.ods", kind="needs")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sheet.ods", b"whatever")
    response = client.post(reverse("shelter:import"), {"kind": "needs", "file": upload})
    assert response.status_code == 400
    assert ".ods files are not read" in response.content.decode()
