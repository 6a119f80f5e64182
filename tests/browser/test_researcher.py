"""In a real browser, on a 390 px phone in Persian: a researcher opens a victim that the linkage
merged wrongly, splits the wrong report out of it, and downloads the estimate as a PDF that
carries its interval and its as-of date (after giving the password and a code again)."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import PASSWORD
from panah.core import dates
from panah.evidence.tests.linking_fixtures import (  # noqa: F401
    _linkage_settings,
    report,
    researcher,
    starter_model,
)
from panah.evidence.tests.test_victim_page import linked  # noqa: F401
from panah.evidence.tests.test_victim_page import victim_of as _victim_of

from .conftest import current_code
from .test_deadlines import PHONE, _fits, _language, _shots

pytestmark = pytest.mark.browser


def _pdf_text(path: Path) -> str:
    program = shutil.which("pdftotext")
    assert program, "poppler-utils (pdftotext) is needed to read the PDF"
    done = subprocess.run(  # noqa: S603 (our own PDF into poppler's reader)
        [program, str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode()


def test_a_researcher_splits_a_wrong_merge_and_downloads_the_estimate_as_a_pdf(
    page, live_server, log_in, researcher, linked, tmp_path
):
    org_a = linked
    shots = _shots(tmp_path)
    page.set_viewport_size(PHONE)
    _language(page, live_server, "fa")
    log_in(researcher)
    logged_in_step = int(time.time() // 30)

    # The linkage put the three Hosseini reports in one victim; M-1 is another man.
    wrong = _victim_of(org_a, "Persian", "P-1")
    assert wrong == _victim_of(org_a, "Mixed", "M-1")
    m1 = report(org_a, "Mixed", "M-1")
    page.goto(f"/evidence/victims/{wrong}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    for ref in ("P-1", "E-1", "M-1"):
        assert page.locator("table.side-by-side thead").get_by_text(ref).count() == 1
    _fits(page)
    page.screenshot(path=str(shots / "victim-fa-390.png"), full_page=True)

    page.check(f"input[name=correct-report][value='{m1.pk}']")
    page.check("input[name=correct-action][value=split_out]")
    page.fill("textarea[name=correct-reason]", "پدر و سن دیگری دارد؛ شخص دیگری است.")
    with page.expect_navigation():
        page.click("form:has(input[name=correct-action]) button[type=submit]")

    rest = _victim_of(org_a, "Persian", "P-1")
    alone = _victim_of(org_a, "Mixed", "M-1")
    assert rest == _victim_of(org_a, "English", "E-1") and alone not in (rest, wrong)
    assert page.url.endswith(f"/evidence/victims/{rest}/")
    header = page.locator("table.side-by-side thead")
    assert header.get_by_text("P-1").count() == 1 and header.get_by_text("M-1").count() == 0
    assert "شخص دیگری است" in page.locator("ol.history").inner_text()
    _fits(page)
    page.screenshot(path=str(shots / "victim-after-split-fa-390.png"), full_page=True)

    # The estimate: every source ticked, all dates, PDF.
    page.goto("/evidence/statistics/")
    page.select_option("select[name=est-period]", "all")
    for box in page.locator("input[name=est-sources]").all():
        assert box.is_checked()
    page.check("input[name=est-fmt][value=pdf]")
    page.locator("#estimate-download").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "statistics-estimate-form-fa-390.png"), full_page=True)
    with page.expect_navigation():
        page.click("form:has(input[name=est-fmt]) button[type=submit]")
    # A download leaves the organisation: the password and a fresh code first.
    assert "/account/confirm/" in page.url
    while int(time.time() // 30) == logged_in_step:  # a code is accepted once
        time.sleep(1)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", current_code(researcher))
    with page.expect_download(timeout=120_000) as info:
        page.click("form:has(input[name=code]) button[type=submit]", no_wait_after=True)
    download = info.value
    assert download.suggested_filename.startswith("estimate-all-")
    pdf = shots / "estimate-fa.pdf"
    download.save_as(str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(pdf)
    today = timezone.localdate()
    # The as-of date: its Jalali day and its Gregorian day, in Persian digits (poppler prints
    # right-to-left lines in visual order, so the parts are looked for one by one).
    numbers = set(re.findall("[۰-۹]+", text))
    jalali = dates.to_jalali(today)
    persian = dates.PERSIAN_DIGITS
    assert {str(jalali.year).translate(persian), str(today.year).translate(persian)} <= numbers
    assert "۹۵" in numbers and "latent-class" in text  # the headlined model's 95 % interval

    # The same estimate in French on a desktop: the dates and the interval read plainly.
    page.set_viewport_size({"width": 1280, "height": 900})
    _language(page, live_server, "fr")
    page.goto("/evidence/statistics/")
    page.select_option("select[name=est-period]", "all")
    with page.expect_download(timeout=120_000) as info:
        page.click("form:has(input[name=est-fmt]) button[type=submit]", no_wait_after=True)
    pdf = shots / "estimate-fr.pdf"
    info.value.save_as(str(pdf))
    text = " ".join(_pdf_text(pdf).split())
    assert today.isoformat() in text  # as of
    assert re.search(r"\d+ – \d+ \(95 ?%\)", text), text[:2000]  # each model's interval

    # The victim's page in French, for a person to look at.
    page.goto(f"/evidence/victims/{rest}/")
    assert "Rapports côte à côte" in page.content()
    page.screenshot(path=str(shots / "victim-fr.png"), full_page=True)
