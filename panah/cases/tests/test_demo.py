"""The demo's case histories follow the rule table and show the deadlines the demo is about."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope

from panah.cases.demo import create_demo_cases
from panah.cases.models import Case, Deadline
from panah.core.models import Role

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_recent_refusal_with_its_call_appeal_deadline(
    org_a, make_person, make_member
):
    workers = [make_member(org_a, [Role.CASEWORKER]), make_member(org_a, [Role.CASEWORKER])]
    people = [make_person(given_name_latin=f"Demo {n}", nationality="Iranian") for n in range(10)]
    cases = create_demo_cases(org_a, people, workers)
    today = timezone.localdate()
    with scope(organisation=org_a):
        assert Case.objects.count() == len(cases) == 10
        appeals = Deadline.objects.filter(rule_code="call_appeal")
        assert {d.due_on > today for d in appeals} == {True, False}
        assert appeals.filter(due_on__range=(today, today + timezone.timedelta(days=7))).exists()
        assert Case.objects.filter(stage="protection_granted", ended=True).count() == 1
        assert Case.objects.filter(restricted=True).count() == 1
