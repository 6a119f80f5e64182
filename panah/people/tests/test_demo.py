"""Demo people: synthetic, in both scripts, created through the audited service."""

from django_scopes import scope, scopes_disabled

from panah.core.models import AuditEntry
from panah.people.demo import FAMILY_NAMES, create_demo_people
from panah.people.queries import search_people


def test_demo_people_have_names_in_both_scripts_that_agree(org_a):
    people = create_demo_people(org_a, 5)
    pairs = dict(FAMILY_NAMES)
    assert len(people) == 5
    for person in people:
        assert pairs[person.family_name_fa] == person.family_name_latin
        assert person.phone.startswith("+32 4")
        assert person.address
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="person.created").count() == 5
    with scope(organisation=org_a):
        assert people[0] in search_people(org_a, people[0].family_name_fa)


def test_the_same_seed_gives_the_same_people(org_a, org_b):
    first = create_demo_people(org_a, 3, seed=7)
    second = create_demo_people(org_b, 3, seed=7)
    assert [p.name_latin for p in first] == [p.name_latin for p in second]
