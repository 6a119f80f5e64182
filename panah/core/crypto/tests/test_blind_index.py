"""Normalisation for the blind index: one form for every spelling variant of the same letters."""

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from panah.core.crypto import blind_index
from panah.core.crypto.keys import OrgKey


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("حسيني", "حسینی"),  # Arabic yeh
        ("حسـینی", "حسینی"),  # tatweel
        ("حُسِینی", "حسینی"),  # diacritics
        ("كاظمی", "کاظمی"),  # Arabic kaf
        ("محمد\u200cرضا", "محمدرضا"),  # ZWNJ
        ("فاطمة", "فاطمه"),  # teh marbuta
        ("آزاده", "ازاده"),  # alef madda
        ("مؤمنی", "مومنی"),  # hamza on waw
        ("HOSSEÏNI", "hosseini"),  # case and accents
        ("۱۴۰۲", "1402"),  # Persian digits
        ("١٤٠٢", "1402"),  # Arabic-Indic digits
    ],
)
def test_spelling_variants_normalise_to_one_form(variant, canonical):
    assert blind_index.normalise(variant) == canonical


def test_name_tokens_are_words_and_joined_words():
    assert blind_index.name_tokens("Gholam-Reza", "حسین‌زاده") == {
        "gholam",
        "reza",
        "gholamreza",
        "حسینزاده",
    }


def test_document_numbers_lose_separators_and_case():
    assert blind_index.document_token(" ab-12 34/۵ ") == "ab12345"


def test_digests_depend_on_the_key_and_the_kind():
    one = OrgKey("ok-1", 1, b"\x01" * 32, AESGCM(b"\x01" * 32))
    two = OrgKey("ok-2", 1, b"\x02" * 32, AESGCM(b"\x02" * 32))
    assert blind_index.digest(one, "name", "hosseini") == blind_index.digest(
        one, "name", "hosseini"
    )
    assert blind_index.digest(one, "name", "hosseini") != blind_index.digest(
        two, "name", "hosseini"
    )
    assert blind_index.digest(one, "name", "123") != blind_index.digest(one, "document", "123")
    assert len(blind_index.digest(one, "name", "hosseini")) == 32
