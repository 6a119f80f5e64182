"""In a real browser: a coordinator downloads a demo person's subject access PDF in Persian and in
French through the export page, and the PDF reads in order: the phone number left to right, the
Solar Hijri date with the Gregorian one beside it, labels in the person's language."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_scopes import scope

from conftest import PASSWORD
from panah.cases import services as cases
from panah.core.models import AuthenticatorDevice
from panah.people.services import create_person

pytestmark = pytest.mark.browser


def next_code(user) -> str:
    """The authenticator's code of the next 30 seconds (the one of now was used to log in)."""
    device = AuthenticatorDevice.objects.get(user=user, confirmed=True)
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + 1)
    return f"{value:0{device.digits}d}"


@pytest.fixture
def narges(org_a):
    with scope(organisation=org_a):
        person = create_person(
            organisation=org_a, by=None, given_name_fa="نرگس", family_name_fa="حسینی",
            given_name_latin="Narges", family_name_latin="Hosseini",
            date_of_birth=dt.date(1988, 3, 21), gender="female", languages=["fa", "fr"],
            phone="+32 470 12 34 56", email="narges@example.org",
        )  # fmt: skip
        case = cases.open_case(
            organisation=org_a, person=person, by=None, registered_on=dt.date(2024, 8, 2)
        )
        cases.record_step(
            case=case, by=None, step=cases.StepInput("application_lodged", dt.date(2024, 8, 2))
        )
    return person


def download(page, person, language: str, tmp_path: Path) -> str:
    page.goto(f"/people/{person.pk}/export/")
    page.select_option("main select[name=language]", language)
    page.select_option("main select[name=format]", "pdf")
    with page.expect_download() as download:
        page.click("main form button[type=submit]")
    path = tmp_path / f"sar-{language}.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    # pdftotext -raw: each line as drawn, from left to right (bidi embedding marks dropped).
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (Debian's poppler-utils) is needed"
    return subprocess.run(  # noqa: S603 (our own file, a fixed program)
        [pdftotext, "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.translate(dict.fromkeys(range(0x202A, 0x202F)))


def test_the_subject_access_pdf_reads_right_in_persian_and_french(
    page, log_in, member, narges, tmp_path
):
    log_in(member)
    page.goto(f"/people/{narges.pk}/export/")
    page.wait_for_url("**/account/confirm/**")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", next_code(member))
    with page.expect_navigation():
        page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(f"**/people/{narges.pk}/export/")

    persian = download(page, narges, "fa", tmp_path)
    lines = persian.splitlines()
    # Drawn left to right: a Persian line reads from its right end. The phone number is an
    # isolated left-to-right run (backwards it would be drawn "۵۶ ۳۴ ۱۲ ۴۷۰ ۳۲+").
    assert "+۳۲ ۴۷۰ ۱۲ ۳۴ ۵۶" in lines
    # Read from the right: "۱ فروردین ۱۳۶۷ (۲۱ مارس ۱۹۸۸)", the Gregorian date in its order.
    assert ")۱۹۸۸ مارس ۲۱( ۱۳۶۷ فروردین ۱" in lines
    assert "شما" in persian and "Data held" not in persian
    # One digit system: every number in Persian digits (legal articles, dates, page numbers).
    assert not any(c in "0123456789" for c in persian)
    assert "GDPR" not in persian and "Legal basis" not in persian
    for leak in ("False", "True", str(narges.pk), "application_lodged", "T00:"):
        assert leak not in persian

    french = download(page, narges, "fr", tmp_path)
    assert "Données détenues à votre sujet" in french
    assert "+32 470 12 34 56" in french
    assert "21 mars 1988" in french and "2 août 2024" in french
    assert "Demande introduite (annexe 26)" in french
    assert "9(2)(f)" in french
    for leak in ("False", "True", str(narges.pk), "application_lodged", "T00:"):
        assert leak not in french
