"""The blind index, the evidence keys and the importers read a name through one Persian text
module: a name written one way is found written another, and the stored index is recomputed."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scope

from panah.core.crypto import blind_index
from panah.evidence.names import name_key
from panah.evidence.normalise import canonical_text
from panah.people.models import PersonToken
from panah.people.queries import search_people
from panah.people.services import reindex_person

# One name, as keyboards, older sources and Kurdish spellings write it.
KAZEMI = ["کاظمی", "كاظمي", "كاظمى", "کاظمے", "ڪاظمی", "كـاظـمي", "کاظِمی", "کاظمی\u200f"]
MOHAMMADREZA = ["محمدرضا", "محمد\u200cرضا", "مُحَمَّدرضا", "محمدرضا\u200d"]
HOSSEINZADEH = ["حسین‌زاده", "حسين‌زاده", "حسینزاده", "حسینزادۀ", "حسینزادە", "حسینزادھ"]


@pytest.mark.parametrize("spellings", [KAZEMI, MOHAMMADREZA, HOSSEINZADEH])
def test_blind_index_and_evidence_key_agree_on_every_spelling(spellings):
    index_words = {tuple(blind_index.words(s)) for s in spellings}
    evidence_words = {tuple(canonical_text(s).split()) for s in spellings}
    assert len(index_words) == 1, index_words
    assert index_words == evidence_words
    assert len({name_key(s) for s in spellings}) == 1


def found(org, text: str) -> set:
    with scope(organisation=org):
        return set(search_people(org, text).values_list("pk", flat=True))


def test_a_person_registered_one_way_is_found_every_other_way(make_person, org_a):
    person = make_person(given_name_fa="محمد\u200cرضا", family_name_fa="كاظمے")
    for spelling in KAZEMI + MOHAMMADREZA:
        assert found(org_a, spelling) == {person.pk}, spelling


def test_the_migration_writes_every_persons_tokens_again(make_person, org_a, monkeypatch):
    person = make_person(family_name_fa="کاظمے", given_name_latin="Reza")
    before = set(PersonToken._base_manager.filter(person=person).values_list("kind", "digest"))
    # Tokens written by the old normaliser: the Kurdish/Urdu yeh barree kept as it was.
    monkeypatch.setattr(blind_index, "normalise", lambda text: text.casefold())
    with scope(organisation=org_a):
        reindex_person(person)
    assert found(org_a, "کاظمی") == set()
    monkeypatch.undo()
    migration = importlib.import_module("panah.people.migrations.0004_blind_index_one_persian_form")
    state = MigrationExecutor(connection).loader.project_state(
        ("people", "0004_blind_index_one_persian_form")
    )
    migration.reindex(state.apps, None)
    after = set(PersonToken._base_manager.filter(person=person).values_list("kind", "digest"))
    assert after == before
    assert found(org_a, "کاظمی") == {person.pk}
