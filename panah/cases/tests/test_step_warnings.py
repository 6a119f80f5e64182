"""Entering a step warns before saving what looks wrong, and refuses what cannot be."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from panah.cases import services
from panah.cases.models import CaseStep

from .conftest import lodged, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting_case(make_case, caseworker_a, today):
    return make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=100))])


def _refusal_form(today, **dates):
    return {
        "code": "cgrs_decision",
        "outcome": "refusal",
        "occurred_on": (today - dt.timedelta(days=3)).isoformat(),
        "notification_mode": "registered_letter",
        "document_reference": "CGRS 24/0815",
        **dates,
    }


def _decisions(org, case):
    with scope(organisation=org):
        return CaseStep.objects.filter(case=case, code="cgrs_decision").count()


def test_a_notification_date_in_the_future_is_saved_only_once_confirmed(
    waiting_case, caseworker_a, login_as, today, org_a
):
    client = login_as(caseworker_a)
    path = reverse("cases:record_step", args=[waiting_case.pk])
    future = (today + dt.timedelta(days=30)).isoformat()
    typed = _refusal_form(today, sent_on=(today - dt.timedelta(days=2)).isoformat(),
                          received_on=future)  # fmt: skip
    first = client.post(path, typed)
    assert first.status_code == 200
    html = first.content.decode()
    assert f"The notification date {future} is in the future." in html
    assert 'name="confirm"' in html
    assert "CGRS 24/0815" in html and future in html  # what was typed is kept
    assert _decisions(org_a, waiting_case) == 0

    # Ticking the box confirms the warning that was shown, for these dates only.
    warned = first.context["warning_keys"]
    other = (today + dt.timedelta(days=31)).isoformat()
    again = client.post(path, {**typed, "received_on": other, "confirm": "1", "warned": warned})
    assert again.status_code == 200 and _decisions(org_a, waiting_case) == 0

    saved = client.post(path, {**typed, "confirm": "1", "warned": warned})
    assert saved.status_code == 302
    assert _decisions(org_a, waiting_case) == 1


def test_a_box_left_unticked_confirms_nothing(waiting_case, caseworker_a, login_as, today, org_a):
    client = login_as(caseworker_a)
    path = reverse("cases:record_step", args=[waiting_case.pk])
    typed = _refusal_form(today, received_on=(today + dt.timedelta(days=5)).isoformat())
    warned = client.post(path, typed).context["warning_keys"]
    assert client.post(path, {**typed, "warned": warned}).status_code == 200
    assert _decisions(org_a, waiting_case) == 0


def test_a_binding_deadline_already_past_at_entry_is_a_warning(
    waiting_case, caseworker_a, login_as, today, org_a
):
    client = login_as(caseworker_a)
    path = reverse("cases:record_step", args=[waiting_case.pk])
    long_ago = (today - dt.timedelta(days=60)).isoformat()
    typed = {**_refusal_form(today), "occurred_on": long_ago, "notification_mode": "hand_delivery",
             "sent_on": long_ago}  # fmt: skip
    response = client.post(path, typed)
    assert response.status_code == 200
    assert "already passed on" in response.content.decode()
    assert _decisions(org_a, waiting_case) == 0
    saved = client.post(path, {**typed, "confirm": "1", "warned": response.context["warning_keys"]})
    assert saved.status_code == 302


def test_a_letter_that_arrived_before_its_decision_is_refused(
    waiting_case, caseworker_a, login_as, today, org_a
):
    client = login_as(caseworker_a)
    path = reverse("cases:record_step", args=[waiting_case.pk])
    typed = _refusal_form(
        today,
        occurred_on=(today - dt.timedelta(days=2)).isoformat(),
        notification_mode="hand_delivery",
        received_on=(today - dt.timedelta(days=5)).isoformat(),
    )
    response = client.post(path, {**typed, "confirm": "1", "warned": "anything"})
    assert response.status_code == 200
    errors = response.context["form"].errors["received_on"]
    assert errors == [
        f"The letter cannot have arrived ({(today - dt.timedelta(days=5)).isoformat()}) before "
        f"the decision was taken ({(today - dt.timedelta(days=2)).isoformat()}). Check both dates."
    ]
    assert _decisions(org_a, waiting_case) == 0


def test_the_service_itself_refuses_an_unconfirmed_warning(waiting_case, org_a, today):
    step = refusal(today - dt.timedelta(days=1), mode="registered_letter",
                   received_on=today + dt.timedelta(days=3))  # fmt: skip
    with scope(organisation=org_a):
        with pytest.raises(services.Unconfirmed) as raised:
            services.record_step(case=waiting_case, by=None, step=step, confirmed=frozenset())
        [warning] = raised.value.warnings
        assert warning.field == "received_on"
        assert not CaseStep.objects.filter(case=waiting_case, code="cgrs_decision").exists()
        services.record_step(
            case=waiting_case, by=None, step=step, confirmed=frozenset({warning.key})
        )
        assert CaseStep.objects.filter(case=waiting_case, code="cgrs_decision").exists()
