"""The demo's safety files: an unlockable officer key and sealed incidents a newcomer can read."""

from __future__ import annotations

from django_scopes import scope

from panah.core.models import Role
from panah.people.services import create_person
from panah.safety import services
from panah.safety.demo import DEMO_PASSPHRASE, create_demo_safety
from panah.safety.models import Incident


def test_the_demo_officer_unlocks_with_the_demo_password_and_reads_the_threat(org_a, make_member):
    officer = make_member(org_a, [Role.SAFETY_OFFICER])
    with scope(organisation=org_a):
        people = [create_person(organisation=org_a, by=None, given_name_latin=f"D{n}")
                  for n in range(3)]  # fmt: skip
    create_demo_safety(org_a, people, officer)
    with scope(organisation=org_a):
        key = services.active_officer_key(org_a, officer)
        private = services.unlock(officer_key=key, passphrase=DEMO_PASSPHRASE)
        incident = Incident.objects.get(category="coercion_relatives")
        opened = services.open_incident(
            incident=incident, officer_key=key, private=private, by=officer
        )
        assert Incident.objects.count() == 3
        assert people[0].risk_assessments.get().level == "high"
    assert "summoned by the Ministry of Intelligence" in opened.narrative
