"""The daily reminder helper every reminder job uses: who gets an e-mail, once a day, in their
language (the jobs' own tests prove what each e-mail says)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from panah.cases.models import ReminderSent  # any app's sent-record will do: core has none
from panah.core import audit
from panah.core.models import AuditEntry, Membership, Role
from panah.core.reminders import send_daily


def _run(today, *, due=None, organisations=None):
    def write(user, organisation, items):
        # The language the e-mail is written in, and a figure to show in the reader's digits.
        return f"{translation.get_language()} subject", f"{len(items)} things for {user.email}"

    return send_daily(
        today=today,
        sent_record=ReminderSent,
        count_field="deadlines",
        due=due or (lambda organisation: lambda membership: ["first", "second"]),
        write=write,
        roles=[Role.CASEWORKER],
        organisations=organisations,
    )


def test_one_email_per_member_and_day_in_the_members_language(org_a, make_member):
    english = make_member(org_a, [Role.CASEWORKER], email="en@example.org", language="en")
    persian = make_member(org_a, [Role.CASEWORKER], email="fa@example.org", language="fa")
    make_member(org_a, [Role.COORDINATOR], email="other-role@example.org")
    gone = make_member(org_a, [Role.CASEWORKER], email="gone@example.org")
    with scopes_disabled():
        Membership.objects.filter(user=gone).update(removed_at=timezone.now())
    today = timezone.localdate()

    result = _run(today, organisations=[org_a])

    assert (result.sent, result.already_sent, result.items) == (2, 0, 4)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {english.email, persian.email}  # not another role, not removed
    assert by_address[english.email].subject == "en subject"
    assert by_address[english.email].body.startswith("2 things")
    assert by_address[persian.email].subject == "fa subject"
    assert by_address[persian.email].body.startswith("۲ things")  # a Persian reader's digits
    with scopes_disabled():
        assert ReminderSent.objects.filter(day=today).count() == 2
        # Each e-mail is a write in the organisation's trail: to whom, how many, no content.
        entries = AuditEntry.objects.filter(action="cases.reminder_sent", organisation=org_a)
        assert sorted(int(e.object_id) for e in entries) == sorted([english.pk, persian.pk])
        assert all(e.data == {"day": today.isoformat(), "deadlines": 2} for e in entries)
    assert audit.verify_chain(audit.chain_name(org_a)) is None

    again = _run(today, organisations=[org_a])
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(mail.outbox) == 2  # nothing more on the same day

    tomorrow = _run(today + dt.timedelta(days=1), organisations=[org_a])
    assert tomorrow.sent == 2
    assert len(mail.outbox) == 4


def test_nobody_with_nothing_due_is_written_to(org_a, org_b, make_member):
    make_member(org_a, [Role.CASEWORKER], email="a@example.org")
    make_member(org_b, [Role.CASEWORKER], email="b@example.org")
    today = timezone.localdate()

    result = _run(
        today,
        # Nothing at all in org_a; in org_b, nothing for this member.
        due=lambda organisation: None if organisation == org_a else (lambda membership: []),
        organisations=[org_a, org_b],
    )

    assert (result.sent, result.already_sent) == (0, 0)
    assert mail.outbox == []
    with scopes_disabled():
        assert not ReminderSent.objects.exists()


def test_every_reminder_command_reads_its_date_and_organisation_alike(org_a, make_member):
    make_member(org_a, [Role.COORDINATOR], email="coordinator@example.org")
    for command in ("cases", "advocacy", "shelter"):
        with pytest.raises(CommandError, match="--date takes a date written YYYY-MM-DD."):
            call_command(command, "remind", "--date", "6 December")
        with pytest.raises(CommandError, match="No organisation has the slug 'nope'."):
            call_command(command, "remind", "--organisation", "nope")
        call_command(command, "remind", "--organisation", org_a.slug, "--date", "2026-12-06")
