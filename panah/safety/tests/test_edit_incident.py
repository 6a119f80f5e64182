"""Correcting an incident: its clear fields and classification, the people linked to it."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from conftest import verified_client
from panah.core.models import AuditEntry, Role
from panah.people.services import create_person
from panah.safety.models import Incident, IncidentPerson

from .conftest import MARKER


def _details(**changes):
    data = {
        "action": "details", "category": "coercion_relatives", "occurred_on": "2025-03-05",
        "country": "IR", "place": "Tehran", "indicators": ["summons_of_relatives"],
        "confidence": "likely", "reported_by": "the_person",
    }  # fmt: skip
    data.update(changes)
    return data


def _actions(incident) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(object_id=str(incident.pk), action__startswith="incident.")
            .order_by("pk")
            .values_list("action", flat=True)
        )


def test_an_officer_corrects_the_classification_and_the_date(officer_a, officer_key_a, record):
    incident = record()
    client = verified_client(officer_a)
    url = reverse("safety:edit_incident", kwargs={"pk": incident.pk})
    page = client.get(url).content.decode()
    assert 'value="Tehran, Evin prison visiting room"' in page
    assert MARKER not in page  # the sealed facts are not on this page

    response = client.post(url, _details(occurred_on="1403/12/15", place="Antwerp station",
                                         category="surveillance", country="BE"))  # fmt: skip

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.category == "surveillance"
    assert incident.country == "BE"
    assert incident.place == "Antwerp station"
    assert incident.occurred_on == dt.date(2025, 3, 5)  # 1403/12/15 in the Solar Hijri calendar
    assert _actions(incident)[-1] == "incident.updated"
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="incident.updated").get()
    assert "Antwerp" not in str(entry.data)  # free text stays out of the trail


def test_a_future_date_is_refused_and_what_was_typed_stays(officer_a, officer_key_a, record):
    incident = record()
    client = verified_client(officer_a)
    url = reverse("safety:edit_incident", kwargs={"pk": incident.pk})
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()

    response = client.post(url, _details(occurred_on=future, place="Typed-Place-Kept"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Typed-Place-Kept" in page
    assert "future" in page
    incident.refresh_from_db()
    assert incident.place == "Tehran, Evin prison visiting room"


def test_becoming_serious_alerts_once_without_the_narrative(
    officer_a, officer_key_a, record, case_a, django_capture_on_commit_callbacks
):
    incident = record(category="defamation", alert=False)
    with scopes_disabled():
        Incident.objects.filter(pk=incident.pk).update(alerted_at=None)
    client = verified_client(officer_a)
    url = reverse("safety:edit_incident", kwargs={"pk": incident.pk})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _details(category="physical_attack"))

    assert mail.outbox
    assert all(MARKER not in m.body for m in mail.outbox)
    incident.refresh_from_db()
    assert incident.alerted_at is not None


def test_an_officer_links_and_unlinks_a_witness(
    officer_a, officer_key_a, record, org_a, make_member
):
    incident = record()
    # Finding people needs a role of the people records too.
    make_member(org_a, [Role.SAFETY_OFFICER, Role.CASEWORKER], email=officer_a.email)
    with scope(organisation=org_a):
        witness = create_person(
            organisation=org_a,
            by=officer_a,
            given_name_latin="Leila",
            family_name_latin="Witness-A",
        )
    client = verified_client(officer_a)
    url = reverse("safety:edit_incident", kwargs={"pk": incident.pk})
    found = client.get(url + "?q=Witness-A").content.decode()
    assert "Leila" in found

    client.post(url, {"action": "link", "person": str(witness.pk), "role": "witness"})

    with scopes_disabled():
        link = IncidentPerson.objects.get(incident=incident, person=witness)
    assert link.role == "witness"
    detail = client.get(reverse("safety:incident", kwargs={"pk": incident.pk})).content.decode()
    assert "Leila" in detail
    client.post(url, {"action": "unlink", "link": link.pk})
    with scopes_disabled():
        assert not IncidentPerson.objects.filter(incident=incident).exists()
    writes = [a for a in _actions(incident) if not a.endswith(".viewed")]
    assert writes[-2:] == ["incident.person_linked", "incident.person_unlinked"]


def test_a_caseworker_of_the_person_cannot_edit(caseworker_a, case_a, record, officer_key_a):
    incident = record()
    client = verified_client(caseworker_a)
    url = reverse("safety:edit_incident", kwargs={"pk": incident.pk})

    assert client.get(url).status_code in (403, 404)
    assert client.post(url, _details(place="Changed")).status_code in (403, 404)
    incident.refresh_from_db()
    assert incident.place == "Tehran, Evin prison visiting room"


def test_an_officer_without_people_access_cannot_link(officer_a, officer_key_a, record, org_a):
    incident = record()
    with scope(organisation=org_a):
        other = create_person(
            organisation=org_a, by=None, given_name_latin="Hidden", family_name_latin="Other-A"
        )
    client = verified_client(officer_a)
    url = reverse("safety:edit_incident", kwargs={"pk": incident.pk})

    assert "Hidden" not in client.get(url + "?q=Other-A").content.decode()
    response = client.post(url, {"action": "link", "person": str(other.pk), "role": "witness"})

    assert response.status_code == 404
    with scopes_disabled():
        assert not IncidentPerson.objects.filter(incident=incident).exists()
