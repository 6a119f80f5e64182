"""My cases, the deadlines and a case page show a change at once, never another member's
cases, and every visit to a case page is authorised and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from panah.cases import services
from panah.core.models import AuditEntry, Role

from .conftest import lodged, refusal

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"cases:{name}", kwargs=kwargs or None)


@pytest.mark.parametrize("name", ["list", "deadlines"])
def test_a_list_shows_a_change_on_the_next_visit(
    name, make_case, caseworker_a, login_as, org_a, today
):
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=90))])
    client = login_as(caseworker_a)
    assert "Aliens Act, art. 39/57" not in client.get(url(name)).content.decode()

    with scope(organisation=org_a):
        services.record_step(case=case, by=caseworker_a, step=refusal(today))

    page = client.get(url(name))  # with the appeal deadline the refusal opened
    if name == "list":
        assert page.context["page"].object_list[0].next_binding_rule == "call_appeal"
    else:
        assert "Aliens Act, art. 39/57" in page.content.decode()


def test_every_visit_to_a_case_page_is_recorded_as_read(make_case, caseworker_a, login_as, org_a):
    case = make_case(caseworkers=[caseworker_a])
    client = login_as(caseworker_a)

    client.get(url("detail", pk=case.pk))
    second = client.get(url("detail", pk=case.pk))

    assert b"Open deadlines" in second.content
    with scope(organisation=org_a):
        assert AuditEntry.objects.filter(action="case.viewed", actor=caseworker_a).count() == 2


def test_a_member_who_lost_a_case_no_longer_opens_or_lists_it(
    make_case, caseworker_a, admin_a, login_as, org_a
):
    case = make_case(caseworkers=[caseworker_a])
    client = login_as(caseworker_a)
    assert client.get(url("detail", pk=case.pk)).status_code == 200

    with scope(organisation=org_a):
        services.restrict_case(case=case, restricted=True, members=[admin_a], by=admin_a)

    assert client.get(url("detail", pk=case.pk)).status_code == 404
    assert case.pk.hex[:8] not in client.get(url("list")).content.decode()


def test_one_members_list_never_shows_anothers_cases(make_case, org_a, make_member, login_as):
    first, second = make_member(org_a, [Role.CASEWORKER]), make_member(org_a, [Role.CASEWORKER])
    mine = make_case(caseworkers=[first])
    theirs = make_case(caseworkers=[second])
    assert mine.pk.hex[:8] in login_as(first).get(url("list")).content.decode()

    page = login_as(second).get(url("list")).content.decode()

    assert mine.pk.hex[:8] not in page
    assert theirs.pk.hex[:8] in page


def test_the_case_page_look_up_finds_by_uuid_only_in_the_organisation_in_scope(
    make_case, org_a, org_b
):
    import uuid

    from django_scopes.exceptions import ScopeError

    from panah.cases.queries import case_of_organisation

    case = make_case()
    with scope(organisation=org_a):
        assert case_of_organisation(org_a.pk, case.pk) == case
        assert case_of_organisation(org_a.pk, uuid.uuid4()) is None
    with scope(organisation=org_b):
        assert case_of_organisation(org_b.pk, case.pk) is None
        with pytest.raises(ScopeError):
            case_of_organisation(org_a.pk, case.pk)
