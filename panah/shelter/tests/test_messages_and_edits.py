"""Messages to guest and host in their language, the safety module's flag in matching, and the
edit pages of needs, hosts and offers (every rule checked again, nothing half-saved)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from conftest import verified_client
from panah.core.audit import AuditEntry
from panah.core.models import Role
from panah.people.services import update_person
from panah.safety import services as safety
from panah.shelter import notices, services
from panah.shelter.models import Need, Notice, Offer, Placement

pytestmark = pytest.mark.django_db
ADDRESS = "Rue Secrète 7"


def _guest_with_email(need_for, **fields):
    need = need_for("Shirin", adult_women=1, children=1, languages=["fa"], **fields)
    update_person(person=need.person, by=None, email="shirin@example.org")
    return need


def _host_with_email(host_for, **kwargs):
    host, offer = host_for(address=ADDRESS, **kwargs)
    services.update_host(host=host, by=None, email="host@example.org", languages=["fr"])
    return host, offer


def _flag(org, person, make_member, today):
    officer = make_member(org, [Role.SAFETY_OFFICER], email="officer@example.org")
    safety.assess_risk(
        person=person, level="high", assessed_on=today, next_review_on=today + dt.timedelta(30),
        reviewer=officer, by=officer,
    )  # fmt: skip


def test_the_address_is_never_in_a_message_before_confirmation(
    org_a, need_for, host_for, shelter_a
):
    need = _guest_with_email(need_for)
    with scope(organisation=org_a):
        host, offer = _host_with_email(host_for)
        services.run_matcher(organisation=org_a, by=shelter_a)
        placement = Placement.objects.get(need=need)
        assert placement.status == "proposed"
        # Nothing is sent on a proposal, and no message rendered before confirmation has it.
        assert mail.outbox == []
        for recipient, kind in (("guest", "offered"), ("host", "offered"), ("host", "accepted")):
            _, subject, body, included = notices.render(placement, recipient=recipient, kind=kind)
            assert ADDRESS not in subject + body and not included

        services.confirm_placement(placement=placement, by=shelter_a)
        guest, to_host = mail.outbox
        assert guest.to == ["shirin@example.org"] and to_host.to == ["host@example.org"]
        assert ADDRESS in guest.body and "میزبان" in guest.body  # Persian, with the address
        assert ADDRESS not in to_host.body and "Shirin" not in to_host.body
        assert "ménage" in to_host.body  # the host reads French
        told = {n.recipient: n for n in Notice.objects.filter(placement=placement)}
        assert told["guest"].address_included and told["guest"].language == "fa"
        assert not told["host"].address_included and told["host"].language == "fr"

        services.record_guest_decision(placement=placement, accepted=False, by=shelter_a)
        assert len(mail.outbox) == 3 and ADDRESS not in mail.outbox[2].body
    with scopes_disabled():
        actions = list(AuditEntry.objects.values_list("action", flat=True))
        assert actions.count("shelter.guest_told") == 1
        assert actions.count("shelter.host_told") == 2
        entry = AuditEntry.objects.get(action="shelter.guest_told")
        assert entry.data["address_included"] is True and ADDRESS not in str(entry.data)


def test_without_an_email_address_the_page_says_so_and_nothing_is_sent(
    org_a, need_for, host_for, shelter_a
):
    need = need_for("Reza", adult_men=1)
    with scope(organisation=org_a):
        _, offer = host_for(address=ADDRESS)
        placement = services.propose_placement(need=need, offer=offer, by=shelter_a)
        services.confirm_placement(placement=placement, by=shelter_a)
        assert mail.outbox == []
        assert set(Notice.objects.values_list("problem", "sent")) == {("no_email", False)}
    client = verified_client(shelter_a)
    page = client.get(f"/shelter/placements/{placement.pk}/").content.decode()
    assert "No e-mail address" in page


def test_the_safety_flag_blocks_uncleared_hosts_by_name_and_keeps_the_address_out_of_mail(
    org_a, need_for, host_for, shelter_a, make_member, today
):
    need = _guest_with_email(need_for)
    with scope(organisation=org_a):
        _flag(org_a, need.person, make_member, today)
        assert not Need.objects.get(pk=need.pk).safety_alert  # the flag is safety's, not ours
        _, plain = host_for(name="Plain")
        with pytest.raises(ValidationError) as refused:
            services.propose_placement(need=need, offer=plain, by=shelter_a)
        assert refused.value.codes == ["safety_alert_cleared_host"]
        assert "cleared" in " ".join(refused.value.messages)
        run = services.run_matcher(organisation=org_a, by=shelter_a)
        assert run.unhoused[str(need.pk)] == ["safety_alert_cleared_host"]

        host, cleared = _host_with_email(host_for, name="Cleared", cleared=True)
        services.run_matcher(organisation=org_a, by=shelter_a)
        placement = Placement.objects.get(need=need, status="proposed")
        assert placement.offer_id == cleared.pk
        services.confirm_placement(placement=placement, by=shelter_a)
        guest = mail.outbox[0]
        assert ADDRESS not in guest.body
        assert not Notice.objects.get(recipient="guest").address_included
    page = verified_client(shelter_a).get(f"/shelter/needs/{need.pk}/").content.decode()
    assert "Safety alert" in page and "cleared" in page


def test_a_flag_on_a_household_member_counts_too(org_a, need_for, shelter_a, make_member, today):
    from panah.people.services import create_household, create_person

    with scope(organisation=org_a):
        mother = create_person(organisation=org_a, by=None, given_name_latin="Mina")
        son = create_person(organisation=org_a, by=None, given_name_latin="Arash")
        household = create_household(organisation=org_a, by=None, members=[mother, son])
        need = services.register_need(
            organisation=org_a, person=mother, household=household, by=None, adult_women=1,
            children=1, area="brussels", without_roof_since=today,
        )  # fmt: skip
        assert services.needs_under_alert([need]) == set()
        _flag(org_a, son, make_member, today)
        assert services.needs_under_alert([need]) == {need.pk}


def test_an_edit_that_would_break_a_held_place_is_refused_by_name_and_saves_nothing(
    org_a, need_for, host_for, shelter_a
):
    need = need_for("Sara", adult_women=1, children=1)
    with scope(organisation=org_a):
        host, offer = host_for(beds=2)
        placement = services.propose_placement(need=need, offer=offer, by=shelter_a)
        with pytest.raises(ValidationError) as too_many:
            services.update_need(need=need, by=shelter_a, children=2)
        assert too_many.value.codes == ["whole_household_fits"]
        assert Need.objects.get(pk=need.pk).children == 1
        with pytest.raises(ValidationError) as beds:
            services.update_offer(offer=offer, by=shelter_a, beds=1)
        assert beds.value.codes == ["whole_household_fits"]
        assert Offer.objects.get(pk=offer.pk).beds == 2
        with pytest.raises(ValidationError) as man:
            services.update_host(host=host, by=shelter_a, kind="single_man")
        assert man.value.codes == ["no_women_children_with_single_man"]
        # A change that breaks nothing goes through, audited with field names only.
        assert services.update_need(need=need, by=shelter_a, notes="Asthma") == ["notes"]
        assert services.update_offer(offer=offer, by=shelter_a, beds=3) == ["beds"]
        assert placement.pk
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="shelter.need_updated")
        assert entry.data == {"fields": ["notes"]}
        assert AuditEntry.objects.filter(action="shelter.offer_updated").count() == 1


def test_moving_the_date_without_a_roof_moves_the_street_episode(org_a, need_for, today):
    need = need_for("Amir", adult_men=1, without_roof_since=today - dt.timedelta(days=3))
    with scope(organisation=org_a):
        services.update_need(need=need, by=None, without_roof_since=today - dt.timedelta(days=9))
        nights = services.nights_without_shelter([need.person_id], on=today)
    assert nights[need.person_id] == 10


def test_the_edit_pages_keep_what_was_typed_and_hide_the_address_from_others(
    org_a, need_for, host_for, shelter_a, make_member, today
):
    need = need_for("Sara", adult_women=1)
    with scope(organisation=org_a):
        host, offer = host_for(address=ADDRESS)
    client = verified_client(shelter_a)
    page = client.get(f"/shelter/needs/{need.pk}/edit/")
    assert page.status_code == 200 and 'name="sleeping_in"' not in page.content.decode()
    data = {
        "without_roof_since": (today + dt.timedelta(days=5)).isoformat(),
        "sleeping_now": "Behind the Midi station",
        "adult_women": "1", "adult_men": "0", "children": "0", "area": "brussels",
        "fedasil_status": "waiting",
    }  # fmt: skip
    refused = client.post(f"/shelter/needs/{need.pk}/edit/", data)
    assert refused.status_code == 400
    assert "Behind the Midi station" in refused.content.decode()
    data["without_roof_since"] = (today - dt.timedelta(days=5)).isoformat()
    assert client.post(f"/shelter/needs/{need.pk}/edit/", data).status_code == 302
    with scope(organisation=org_a):
        assert Need.objects.get(pk=need.pk).sleeping_now == "Behind the Midi station"

    assert ADDRESS in client.get(f"/shelter/hosts/{host.pk}/edit/").content.decode()
    coordinator = make_member(org_a, [Role.COORDINATOR], email="coord@example.org")
    other = verified_client(coordinator)
    page = other.get(f"/shelter/hosts/{host.pk}/edit/").content.decode()
    assert ADDRESS not in page and 'name="address"' not in page
    offer_page = f"/shelter/hosts/{host.pk}/offers/{offer.pk}/edit/"
    bad = other.post(
        offer_page,
        {
            "beds": "4",
            "max_households": "1",
            "max_men": "99",
            "available_from": today.isoformat(),
            "available_until": (today - dt.timedelta(days=2)).isoformat(),
        },
    )
    assert bad.status_code == 400 and 'value="4"' in bad.content.decode()


def test_the_reminder_mails_placements_ending_without_a_next_place_once_a_day(
    org_a, need_for, host_for, shelter_a, make_member, today
):
    from django.core.management import call_command

    from panah.shelter.reminders import send_shelter_reminders

    persian = make_member(org_a, [Role.COORDINATOR], email="coord-fa@example.org", language="fa")
    caseworker = make_member(org_a, [Role.CASEWORKER], email="cw@example.org")
    need = need_for("Sara", adult_women=1)
    later = need_for("Mina", adult_women=1)
    with scope(organisation=org_a):
        _, offer = host_for(kind="couple", stay_days=5)
        _, far = host_for(kind="couple", name="Far", stay_days=60)
        soon = services.propose_placement(need=need, offer=offer, by=None)
        services.confirm_placement(placement=soon, by=shelter_a)
        not_soon = services.propose_placement(need=later, offer=far, by=None)
        services.confirm_placement(placement=not_soon, by=shelter_a)
    mail.outbox.clear()
    result = send_shelter_reminders(today=today)
    assert (result.sent, result.placements) == (2, 2)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {shelter_a.email, persian.email}  # not the caseworker
    assert caseworker.email not in by_address
    body = by_address[shelter_a.email].body
    assert str(soon.pk)[:8] in body and str(not_soon.pk)[:8] not in body
    assert "Sara" not in body  # names no one
    assert "جای بعدی" in by_address[persian.email].body  # in the member's language
    call_command("shelter", "remind", f"--date={today.isoformat()}")
    assert len(mail.outbox) == 2  # once a day
    with scope(organisation=org_a):
        services.end_placement(
            placement=soon, by=shelter_a, ended_on=today, reason="stay over", next_place="host"
        )
    mail.outbox.clear()
    send_shelter_reminders(today=today + dt.timedelta(days=1))
    assert mail.outbox == []  # a next place is recorded: nothing left to remind
