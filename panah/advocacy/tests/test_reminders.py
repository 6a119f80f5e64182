"""Task and follow-up reminders: once a day, to the owner, in their language, naming no one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope

from panah.advocacy import services
from panah.advocacy.reminders import send_task_reminders

pytestmark = pytest.mark.django_db


def test_the_owner_gets_their_follow_ups_once_a_day(org_a, year, coordinator_a):
    today = timezone.localdate()
    result = send_task_reminders(today=today, days=3)
    assert (result.sent, result.tasks) == (1, 1)  # the brief to send; the rest is further off
    assert mail.outbox[0].to == [coordinator_a.email]
    assert "Send the brief and our figures" in mail.outbox[0].body
    assert "sofie" not in mail.outbox[0].body.lower()  # no official's contact, no name
    again = send_task_reminders(today=today, days=3)
    assert (again.sent, again.already_sent) == (0, 1)
    assert len(mail.outbox) == 1


def test_a_done_task_is_not_reminded(org_a, year, coordinator_a):
    with scope(organisation=org_a):
        for task in year.meeting.follow_ups.all():
            services.complete_task(task=task, by=coordinator_a)
        for task in year.rally.tasks.all():
            services.complete_task(task=task, by=coordinator_a)
    assert send_task_reminders(today=timezone.localdate(), days=3).sent == 0


def test_the_reminder_speaks_the_owners_language(org_a, year, coordinator_a):
    coordinator_a.language = "fa"
    coordinator_a.save(update_fields=["language"])
    send_task_reminders(today=timezone.localdate() + dt.timedelta(days=4), days=0)
    body = mail.outbox[0].body
    assert "سررسید" in mail.outbox[0].subject or "کار" in mail.outbox[0].subject
    assert "(دیرکرد)" in body


def test_a_removed_member_is_not_reminded(org_a, year, coordinator_a):
    from panah.core.models import Membership

    with scope(organisation=org_a):
        Membership.objects.filter(user=coordinator_a).update(removed_at=timezone.now())
    assert send_task_reminders(today=timezone.localdate(), days=3).sent == 0


def test_the_command_reports_what_it_sent(year, capsys):
    call_command("advocacy", "remind", "--days", "3")
    assert "1 email(s) sent for 1 task(s)" in capsys.readouterr().out
