"""One canonical form for Persian and Latin text (panah.evidence.normalise)."""

from hypothesis import given
from hypothesis import strategies as st

from panah.evidence.normalise import ZWNJ, ascii_digits, canonical_text, display_text


def test_arabic_and_persian_yeh_and_kaf_meet():
    assert canonical_text("علي") == canonical_text("علی") == "علی"
    assert canonical_text("عيسى") == "عیسی"
    assert canonical_text("كريم") == canonical_text("کریم") == "کریم"


def test_heh_teh_marbuta_and_hamza_forms_meet():
    assert canonical_text("فاطمة") == "فاطمه"
    assert canonical_text("رئیسی") == canonical_text("رییسی") == "رییسی"
    assert canonical_text("مؤمن") == "مومن"
    assert canonical_text("أحمد") == canonical_text("احمد") == "احمد"
    assert canonical_text("آزاد") == "ازاد"


def test_diacritics_tatweel_and_zwnj_are_removed_for_keys():
    assert canonical_text("مُحَمَّد") == "محمد"
    assert canonical_text("محـــمد") == "محمد"
    assert canonical_text(f"حسین{ZWNJ}زاده") == "حسینزاده"
    assert canonical_text(f"حسین{ZWNJ}{ZWNJ}زاده") == "حسینزاده"


def test_persian_and_arabic_indic_digits_become_ascii():
    assert canonical_text("۱۴۰۲/۱۰/۱۱") == "1402/10/11"
    assert canonical_text("٣٤") == "34"
    assert ascii_digits("سن ۳۵") == "سن 35"


def test_latin_is_case_folded_without_accents_and_whitespace_is_folded():
    assert canonical_text("  Mohammád \u00a0 HOSSEINI\t") == "mohammad hosseini"
    assert canonical_text("Ḥusayn") == "husayn"


def test_empty_and_missing_text_are_empty():
    assert canonical_text(None) == ""
    assert canonical_text("   ") == ""
    assert display_text(None) == ""


def test_display_text_keeps_one_zwnj_and_the_case():
    assert display_text(f"حسین{ZWNJ}{ZWNJ}زاده") == f"حسین{ZWNJ}زاده"
    assert display_text(f"می {ZWNJ}شود{ZWNJ}") == "می شود"
    assert display_text("علي  Rezaei") == "علی Rezaei"
    assert display_text("مُحَمَّد") == "مُحَمَّد"


@given(st.text())
def test_canonical_text_is_idempotent(text):
    once = canonical_text(text)
    assert canonical_text(once) == once


@given(st.text())
def test_canonical_text_leaves_no_zwnj_tatweel_or_persian_digits(text):
    out = canonical_text(text)
    assert ZWNJ not in out
    assert "\u0640" not in out
    assert not any("\u06f0" <= ch <= "\u06f9" or "\u0660" <= ch <= "\u0669" for ch in out)


@given(st.integers(min_value=0, max_value=10**12))
def test_any_number_in_persian_digits_reads_as_the_same_ascii_number(number):
    persian = str(number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    arabic = str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert canonical_text(persian) == canonical_text(arabic) == str(number)
