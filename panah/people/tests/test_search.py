"""Search by name in either script and by document number, through the blind index only."""

from django.db import connection
from django_scopes import scope

from panah.people.models import PersonToken
from panah.people.queries import search_people
from panah.people.services import add_document, update_person

from .conftest import reload


def found(org, text: str) -> set:
    with scope(organisation=org):
        return set(search_people(org, text).values_list("pk", flat=True))


def test_a_name_is_found_in_either_script_and_spelling_of_its_letters(make_person, org_a):
    narges = make_person()
    ali = make_person(given_name_latin="Ali", family_name_latin="Rezaei", family_name_fa="رضایی")
    assert found(org_a, "Hosseini") == {narges.pk}
    assert found(org_a, "HOSSEINI") == {narges.pk}
    assert found(org_a, "حسینی") == {narges.pk}
    assert found(org_a, "حسيني") == {narges.pk}  # Arabic yeh
    assert found(org_a, "narges hosseini") == {narges.pk}
    assert found(org_a, "رضایی") == {ali.pk}
    assert found(org_a, "Hoseini") == set()  # exact match only
    assert found(org_a, "Narges Rezaei") == set()  # every word must match


def test_joined_and_split_compound_names_find_each_other(make_person, org_a):
    person = make_person(given_name_latin="Mohammad Reza", family_name_latin="Karimi")
    assert found(org_a, "Mohammadreza") == {person.pk}
    assert found(org_a, "mohammad reza karimi") == {person.pk}


def test_another_organisations_people_are_never_found(make_person, org_a, org_b):
    make_person(org=org_b)
    assert found(org_a, "Hosseini") == set()


def test_a_changed_name_is_found_under_the_new_name_only(make_person, org_a):
    person = reload(make_person())
    with scope(organisation=org_a):
        update_person(person=person, by=None, family_name_latin="Mohammadi")
    assert found(org_a, "Mohammadi") == {person.pk}
    assert found(org_a, "Hosseini") == set()


def test_a_document_number_finds_its_person(make_person, org_a):
    person = make_person()
    with scope(organisation=org_a):
        add_document(person=person, kind="passport", document_number="X 1234-567", by=None)
    assert found(org_a, "x1234567") == {person.pk}
    assert found(org_a, "X1234568") == set()


def test_the_index_holds_only_keyed_hashes(make_person, org_a):
    make_person()
    with scope(organisation=org_a):
        digests = list(PersonToken.objects.values_list("digest", flat=True))
    assert len(digests) == 4  # narges, hosseini, نرگس, حسینی
    assert all(len(d) == 32 and int(d, 16) >= 0 for d in digests)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_persontoken")
        dump = repr(cursor.fetchall())
    assert "hosseini" not in dump.lower() and "حسینی" not in dump
