"""The audit chain: every write service appends one entry, with ids only, in its organisation's chain."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django_scopes import scope, scopes_disabled

from panah.core import audit, services
from panah.core.models import AuditEntry, AuthenticatorDevice, Membership, Organisation, Role, User

from .helpers import password_login, totp_code


def entries(chain: str | None = None) -> list[dict]:
    with scopes_disabled():
        qs = AuditEntry.objects.order_by("chain", "sequence")
        if chain:
            qs = qs.filter(chain=chain)
        return list(qs.values())


def actions(chain: str) -> list[str]:
    return [e["action"] for e in entries(chain)]


def membership_of(user: User, org: Organisation) -> Membership:
    with scopes_disabled():
        return Membership.objects.get(user=user, organisation=org)


@pytest.fixture
def story(org_a, admin_a, caseworker_a):
    """Every write service of core, once, the way members use them."""
    founder = User.objects.create_user("founder@example.org", "pw", display_name="Founder Name")
    new_org = services.create_organisation(name="Refuge Gent", founder=founder)
    with scope(organisation=org_a):
        issued = services.invite_member(
            organisation=org_a, email="invitee@example.org", roles=[Role.RESEARCHER],
            invited_by=admin_a,
        )  # fmt: skip
        joined = services.accept_invitation(
            token=issued.token, display_name="Invitee Name", password="a long passphrase 2026"
        )
        revoked = services.invite_member(
            organisation=org_a, email="revoked@example.org", roles=[Role.AUDITOR],
            invited_by=admin_a,
        )  # fmt: skip
        services.revoke_invitation(invitation=revoked.invitation, by=admin_a)
        services.change_member_roles(
            membership=membership_of(caseworker_a, org_a),
            roles=[Role.CASEWORKER, Role.COORDINATOR],
            by=admin_a,
        )
        services.remove_member(membership=joined, by=admin_a)
    device = services.start_totp_enrolment(user=founder)
    services.confirm_totp_enrolment(user=founder, device=device)
    services.note_second_factor_failure(user=founder)
    return {
        "new_org": new_org,
        "joined": joined,
        "invitation": issued.invitation,
        "revoked": revoked.invitation,
        "founder": founder,
    }


def test_each_write_service_appends_its_entry_in_order(story, org_a, admin_a, caseworker_a):
    chain = entries(audit.chain_name(org_a))

    assert [(e["sequence"], e["action"]) for e in chain] == [
        (1, "member.invited"),
        (2, "member.joined"),
        (3, "member.invited"),
        (4, "member.invitation_revoked"),
        (5, "member.roles_changed"),
        (6, "member.removed"),
    ]
    joined = story["joined"]
    assert [(e["actor_id"], e["object_type"], e["object_id"], e["data"]) for e in chain] == [
        (admin_a.pk, "core.invitation", str(story["invitation"].pk), {"roles": ["researcher"]}),
        (
            joined.user_id,
            "core.membership",
            str(joined.pk),
            {"invitation": story["invitation"].pk, "roles": ["researcher"]},
        ),
        (admin_a.pk, "core.invitation", str(story["revoked"].pk), {"roles": ["auditor"]}),
        (admin_a.pk, "core.invitation", str(story["revoked"].pk), {}),
        (
            admin_a.pk,
            "core.membership",
            str(membership_of(caseworker_a, org_a).pk),
            {"roles": ["caseworker", "coordinator"]},
        ),
        (admin_a.pk, "core.membership", str(joined.pk), {}),
    ]


def test_a_new_organisation_starts_its_own_chain(story):
    new_org = story["new_org"]

    chain = entries(audit.chain_name(new_org))

    assert [(e["sequence"], e["action"], e["actor_id"]) for e in chain] == [
        (1, "organisation.created", story["founder"].pk),
        # The founder's authenticator: their organisation's admins see it in its trail.
        (2, "account.second_factor_enrolled", story["founder"].pk),
    ]
    assert chain[0]["organisation_id"] == new_org.pk
    assert chain[0]["previous_hash"] == audit.GENESIS


def test_account_events_go_to_the_system_chain(story):
    assert actions(audit.SYSTEM_CHAIN) == ["account.second_factor_failed"]


def test_each_entry_follows_the_previous_one(story, org_a):
    chain = entries(audit.chain_name(org_a))

    assert [e["previous_hash"] for e in chain[1:]] == [e["entry_hash"] for e in chain[:-1]]
    assert len({e["entry_hash"] for e in chain}) == len(chain)


def test_the_whole_story_verifies(story, org_a):
    chains = audit.all_chains()

    assert set(chains) == {
        audit.SYSTEM_CHAIN,
        audit.chain_name(org_a),
        audit.chain_name(story["new_org"]),
    }
    assert [audit.verify_chain(c) for c in chains] == [None] * 3


def test_no_entry_carries_a_personal_value(story, admin_a, caseworker_a):
    personal = [
        "admin-a@example.org", "caseworker-a@example.org", "invitee@example.org",
        "revoked@example.org", "founder@example.org", "Founder Name", "Invitee Name",
        "admin-a", "caseworker-a",
    ]  # fmt: skip

    for entry in entries():
        text = json.dumps(entry, default=str)
        assert [p for p in personal if p in text] == [], entry["action"]


def test_logging_in_and_out_is_recorded_without_the_address(caseworker_a):
    client = Client()
    password_login(client, "caseworker-a@example.org", "wrong password")
    password_login(client, "caseworker-a@example.org")
    client.post("/login/second-factor/", {"code": "000000x"})
    device = AuthenticatorDevice.objects.get(user=caseworker_a)
    AuthenticatorDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    client.post("/login/second-factor/", {"code": totp_code(device)})
    client.post("/logout/")

    system = entries(audit.SYSTEM_CHAIN)

    assert [(e["action"], e["actor_id"]) for e in system] == [
        ("account.login_failed", None),
        ("account.logged_in", caseworker_a.pk),
        ("account.second_factor_failed", caseworker_a.pk),
        ("account.logged_out", caseworker_a.pk),
    ]
    assert all("caseworker" not in json.dumps(e, default=str) for e in system)
    assert {e["ip"] for e in system} == {"127.0.0.1"}


def test_a_refused_service_appends_nothing(org_a, admin_a):
    with scope(organisation=org_a), pytest.raises(ValidationError):
        services.remove_member(membership=membership_of(admin_a, org_a), by=admin_a)

    assert entries() == []


def test_an_entry_is_undone_with_the_write_it_records(org_a, admin_a, caseworker_a):
    with scope(organisation=org_a), pytest.raises(RuntimeError), transaction.atomic():
        services.remove_member(membership=membership_of(caseworker_a, org_a), by=admin_a)
        raise RuntimeError("the request failed after the service")

    assert entries() == []
    assert membership_of(caseworker_a, org_a).removed_at is None
    # The chain's head was rolled back too, so the next entry is number 1 again.
    with scope(organisation=org_a):
        services.remove_member(membership=membership_of(caseworker_a, org_a), by=admin_a)
    assert [e["sequence"] for e in entries(audit.chain_name(org_a))] == [1]


def test_the_chains_of_two_organisations_do_not_mix(org_a, org_b, admin_a, admin_b):
    with scope(organisation=org_b):
        services.invite_member(
            organisation=org_b, email="b@example.org", roles=[Role.AUDITOR], invited_by=admin_b
        )
    with scope(organisation=org_a):
        services.invite_member(
            organisation=org_a, email="a@example.org", roles=[Role.AUDITOR], invited_by=admin_a
        )

    assert [(e["organisation_id"], e["sequence"]) for e in entries(audit.chain_name(org_a))] == [
        (org_a.pk, 1)
    ]
    assert [(e["organisation_id"], e["sequence"]) for e in entries(audit.chain_name(org_b))] == [
        (org_b.pk, 1)
    ]


def test_reads_go_to_the_members_read_chain_and_leave_the_written_position_alone(
    org_a, admin_a, caseworker_a
):
    start = audit.written_position(org_a)
    with transaction.atomic():
        audit.record("member.noted", organisation=org_a, actor=admin_a)
    after_write = audit.written_position(org_a)
    assert after_write == audit.chain_position(org_a) > start

    first = audit.record_read("case.viewed", organisation=org_a, actor=admin_a, object_id="1")
    # The member's first read opens their read chain, a write of the organisation's, once.
    opened = after_write + 1
    assert audit.written_position(org_a) == opened
    second = audit.record_read("case.viewed", organisation=org_a, actor=admin_a, object_id="2")
    other = audit.record_read("case.viewed", organisation=org_a, actor=caseworker_a, object_id="1")
    third = audit.record_read("case.viewed", organisation=org_a, actor=admin_a, object_id="3")

    assert audit.written_position(org_a) == opened + 1  # the caseworker's chain opened
    reads = audit.read_chain_name(org_a, admin_a.pk)
    assert [(e.chain, e.sequence) for e in (first, second, third)] == [
        (reads, 1),
        (reads, 2),
        (reads, 3),
    ]
    assert (other.chain, other.sequence) == (audit.read_chain_name(org_a, caseworker_a.pk), 1)
    assert actions(audit.chain_name(org_a))[-2:] == [audit.READ_CHAIN_OPENED] * 2
    assert all(audit.verify_chain(c) is None for c in audit.all_chains())

    with transaction.atomic(), audit.batch(org_a):
        audit.record("case.imported", organisation=org_a, actor=admin_a)
    assert audit.written_position(org_a) == audit.chain_position(org_a) == opened + 2
