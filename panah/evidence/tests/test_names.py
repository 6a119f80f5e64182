"""Cross-script name keys (panah.evidence.names)."""

import pytest

from panah.evidence.names import name_key, name_keys, romanise, single_name_key, token_key


def test_the_four_spellings_of_mohammad_hosseini_meet():
    keys = {
        name_key(n)
        for n in ("محمد حسینی", "Mohammad Hosseini", "Mohamad Hoseini", "Muhammad Husseini")
    }
    assert keys == {"mhmdhsn"}


@pytest.mark.parametrize(
    "spellings",
    [
        (
            "محمدرضا قاسمی",
            "Mohammad Reza Ghasemi",
            "Mohammadreza Qasemi",
            "Mohammad-Reza Ghassemi",
            "محمد رضا قاسمي",
        ),
        (
            "غلامرضا حسین\u200cزاده",
            "Gholamreza Hosseinzadeh",
            "Qolam Reza Hossein Zadeh",
            "Gholam-Reza Hossein-zadeh",
        ),
        ("علی پورمحمدی", "Ali Pour Mohammadi", "Ali Pourmohammadi"),
        ("عبدالغنی نارویی", "Abdolghani Narouei", "Abdolghani Naroui", "Abdolghani Narooei"),
        ("خدابخش شه‌بخش", "Khoda Bakhsh Shahbakhsh", "Khodabakhsh Shah Bakhsh"),
        ("آزاد کردی", "Azad Kordi", "Azad Kurdi"),
    ],
)
def test_compounds_affixes_and_baluch_and_kurdish_names_meet(spellings):
    assert len({name_key(s) for s in spellings}) == 1


def test_surname_first_with_a_comma_is_read_as_surname_given():
    assert name_keys("Hosseini, Ali") == name_keys("Ali Hosseini")


def test_titles_are_not_part_of_the_name():
    assert (
        name_key("Seyed Mohammad Mousavi")
        == name_key("سید محمد موسوی")
        == name_key("Mohammad Mousavi")
    )


def test_an_initial_keeps_only_the_surname_and_the_initial():
    keys = name_keys("M. Hosseini")
    assert keys.given == ""
    assert keys.given_is_initial
    assert keys.given_initial == name_keys("محمد حسینی").given_initial == "m"
    assert keys.surname == name_keys("Hosseini").surname == "hsInI"


def test_strict_keys_separate_names_whose_consonants_agree():
    assert token_key("حسن") == token_key("Hassan") == "hsn"
    assert token_key("حسین") == token_key("Hossein") == token_key("Hussein") == "hsIn"
    assert token_key("محمود") == token_key("Mahmoud") == "mhmUd"
    assert token_key("محمد") == token_key("Mohammad") == "mhmd"


def test_persian_final_yeh_read_as_a_is_not_a_long_i():
    assert token_key("مصطفی") == token_key("Mostafa") == "mstf"
    assert token_key("یحیی") == token_key("Yahya") == "YhI"


def test_names_are_reported_with_their_script():
    assert name_keys("علی رضایی").script == "fa"
    assert name_keys("Ali Rezaei").script == "latin"
    assert name_keys("").script == ""


def test_a_single_name_key_joins_all_tokens():
    assert single_name_key("Ali Reza") == single_name_key("علیرضا") == "lIrz"


def test_romanisation_is_letter_by_letter_and_deterministic():
    assert romanise("محمد حسینی") == "Mhmd Hsini"
    assert romanise("یوسف") == "Yusf"
    assert romanise("فاطمه") == "Fatmeh"
    assert romanise("") == ""
