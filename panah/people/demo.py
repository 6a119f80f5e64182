"""Synthetic people for the demo and the benchmarks: Persian names with their Latin spellings.

Faker picks the names (from pairs written in both scripts, so the two always agree), the
dates of birth and Belgian addresses and phone numbers. Nothing here is a real person.
"""

from __future__ import annotations

import datetime as dt

from django_scopes import scope, scopes_disabled

from panah.core.models import Organisation

from .models import Gender, Person
from .services import create_person

# (Persian script, a usual Latin spelling)
FEMALE_NAMES = [
    ("زهرا", "Zahra"), ("فاطمه", "Fatemeh"), ("مریم", "Maryam"), ("نرگس", "Narges"),
    ("سارا", "Sara"), ("لیلا", "Leila"), ("مهسا", "Mahsa"), ("نسرین", "Nasrin"),
    ("شیرین", "Shirin"), ("آزاده", "Azadeh"), ("پریسا", "Parisa"), ("نازنین", "Nazanin"),
    ("سپیده", "Sepideh"), ("الهام", "Elham"), ("ژینا", "Jina"), ("نیلوفر", "Niloufar"),
    ("گلاره", "Gelareh"), ("شبنم", "Shabnam"), ("هانیه", "Hanieh"), ("رویا", "Roya"),
]  # fmt: skip
MALE_NAMES = [
    ("علی", "Ali"), ("محمد", "Mohammad"), ("حسین", "Hossein"), ("رضا", "Reza"),
    ("مهدی", "Mehdi"), ("امیر", "Amir"), ("سعید", "Saeed"), ("مجید", "Majid"),
    ("بهروز", "Behrouz"), ("کاوه", "Kaveh"), ("آرش", "Arash"), ("فرهاد", "Farhad"),
    ("محمدرضا", "Mohammadreza"), ("غلامرضا", "Gholamreza"), ("یوسف", "Yousef"),
    ("کیوان", "Keyvan"), ("نوید", "Navid"), ("پیمان", "Peyman"), ("جواد", "Javad"),
    ("هوشنگ", "Houshang"),
]  # fmt: skip
FAMILY_NAMES = [
    ("حسینی", "Hosseini"), ("محمدی", "Mohammadi"), ("رضایی", "Rezaei"), ("احمدی", "Ahmadi"),
    ("کریمی", "Karimi"), ("موسوی", "Mousavi"), ("جعفری", "Jafari"), ("قاسمی", "Ghasemi"),
    ("صادقی", "Sadeghi"), ("رحیمی", "Rahimi"), ("کاظمی", "Kazemi"), ("نوری", "Nouri"),
    ("طاهری", "Taheri"), ("امینی", "Amini"), ("ریگی", "Rigi"), ("شه‌بخش", "Shahbakhsh"),
    ("کردی", "Kordi"), ("نارویی", "Narouei"), ("حسین‌زاده", "Hosseinzadeh"),
    ("علی‌پور", "Alipour"), ("یزدانی", "Yazdani"), ("زمانی", "Zamani"),
    ("فراهانی", "Farahani"), ("تهرانی", "Tehrani"), ("شریفی", "Sharifi"),
    ("باقری", "Bagheri"), ("اکبری", "Akbari"), ("سلطانی", "Soltani"),
    ("میرزایی", "Mirzaei"), ("عباسی", "Abbasi"),
]  # fmt: skip
NATIONALITIES = ["Iranian", "Iranian", "Iranian", "Afghan", "Iraqi"]
LANGUAGE_SETS = [["fa"], ["fa", "en"], ["fa", "fr"], ["fa", "nl"], ["ku", "fa"], ["az", "fa"]]


def demo_person_details(faker, belgian_fakers: dict) -> dict:
    """One synthetic person's details, as create_person takes them."""
    gender = faker.random_element([Gender.FEMALE, Gender.MALE])
    given_fa, given_latin = faker.random_element(
        FEMALE_NAMES if gender == Gender.FEMALE else MALE_NAMES
    )
    family_fa, family_latin = faker.random_element(FAMILY_NAMES)
    address = belgian_fakers[faker.random_element(sorted(belgian_fakers))].address()
    return {
        "given_name_fa": given_fa,
        "family_name_fa": family_fa,
        "given_name_latin": given_latin,
        "family_name_latin": family_latin,
        "date_of_birth": faker.date_between(dt.date(1950, 1, 1), dt.date(2012, 12, 31)),
        "gender": gender,
        "nationality": faker.random_element(NATIONALITIES),
        "languages": faker.random_element(LANGUAGE_SETS),
        "phone": "+32 4{}{} {}{} {}{} {}{}".format(*(faker.random_digit() for _ in range(8))),
        "email": f"{given_latin}.{family_latin}{faker.random_int(1, 999)}@example.org".lower(),
        "address": address,
    }


def create_demo_people(organisation: Organisation, n: int, *, seed: int = 2026) -> list[Person]:
    """Create `n` synthetic people in the organisation (through the audited service)."""
    from faker import Faker  # noqa: PLC0415 (faker is slow to import; only this path needs it)

    faker = Faker("fa_IR")
    faker.seed_instance(seed)
    belgian = {locale: Faker(locale) for locale in ("fr_BE", "nl_BE")}
    for n_locale, locale_faker in enumerate(belgian.values()):
        locale_faker.seed_instance(seed + 1 + n_locale)
    people = []
    with scope(organisation=organisation):
        for _ in range(n):
            people.append(
                create_person(
                    organisation=organisation, by=None, **demo_person_details(faker, belgian)
                )
            )
    return people


def load_demo_records(organisation: Organisation, progress) -> None:
    """The people part of `panah demo`: 24 people, unless the organisation has some already."""
    with scopes_disabled():
        if Person.objects.filter(organisation=organisation).exists():
            return
    progress("Creating demo people...")
    create_demo_people(organisation, 24)


def demo_people(organisation: Organisation) -> list[Person]:
    """The demo people in the order they were created (other apps' demo data uses them)."""
    with scopes_disabled():
        return list(Person.objects.filter(organisation=organisation).order_by("created_at", "pk"))
