"""Retention: `panah retention apply` lists the people past their period, then erases exactly those."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.cases.models import Case, CaseStep
from panah.cases.services import open_case
from panah.core.models import AuditEntry
from panah.people.models import Person
from panah.people.retention import months_before

LONG_AGO = timezone.now() - dt.timedelta(days=3 * 365)


def aged(person: Person, when: dt.datetime = LONG_AGO) -> Person:
    """The person as if registered and last changed at `when`."""
    with scopes_disabled():
        Person.objects.filter(pk=person.pk).update(created_at=when, updated_at=when)
    return person


def run(*args, stdin=None) -> str:
    out = io.StringIO()
    call_command("retention", "apply", *args, stdout=out, stdin=stdin or io.StringIO())
    return out.getvalue()


def erased_ids() -> set[str]:
    with scopes_disabled():
        return {
            str(pk)
            for pk in Person.objects.filter(erased_at__isnull=False).values_list("pk", flat=True)
        }


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def people(make_person):
    """Two people past retention, one registered recently."""
    return {
        "old_1": aged(make_person()),
        "old_2": aged(make_person(given_name_latin="Ali")),
        "recent": make_person(given_name_latin="Reza"),
    }


def test_a_dry_run_lists_the_expired_ids_without_names_and_erases_nothing(people):
    output = run("--dry-run")
    assert f"person {people['old_1'].pk}" in output and f"person {people['old_2'].pk}" in output
    assert str(people["recent"].pk) not in output
    assert "org-a: 2 people" in output
    assert "Narges" not in output and "Hosseini" not in output and "Ali" not in output
    assert erased_ids() == set()


def test_yes_erases_exactly_the_listed_people_with_the_retention_reason(people):
    output = run("--yes")
    assert erased_ids() == {str(people["old_1"].pk), str(people["old_2"].pk)}
    assert "Erased 2 people" in output
    with scopes_disabled():
        reasons = list(
            AuditEntry.objects.filter(action="person.erased").values_list("data", flat=True)
        )
    assert [r["reason"] for r in reasons] == ["retention_expired", "retention_expired"]


def test_without_a_terminal_and_without_yes_it_refuses(people):
    with pytest.raises(CommandError, match="--yes"):
        run()
    assert erased_ids() == set()


def test_a_typed_yes_on_a_terminal_confirms(people):
    run(stdin=Terminal("yes\n"))
    assert len(erased_ids()) == 2


def test_any_other_answer_erases_nothing(people):
    with pytest.raises(CommandError, match="Not confirmed"):
        run(stdin=Terminal("no\n"))
    assert erased_ids() == set()


def test_recent_case_activity_keeps_a_person(make_person, org_a):
    person = aged(make_person())
    with scope(organisation=org_a):
        case = open_case(organisation=org_a, person=person, by=None, registered_on=LONG_AGO.date())
        Case.objects.filter(pk=case.pk).update(opened_at=LONG_AGO)
        CaseStep.objects.filter(case=case).update(recorded_at=LONG_AGO, occurred_on=LONG_AGO.date())
        # Recorded long ago, but dated last month: the case moved recently.
        CaseStep.objects.create(
            recorded_at=LONG_AGO,
            organisation=org_a,
            case=case,
            sequence=99,
            code="interview",
            occurred_on=timezone.localdate() - dt.timedelta(days=30),
        )
    assert "Nothing to erase." in run("--yes")
    assert erased_ids() == set()


def test_an_old_case_does_not_keep_a_person(make_person, org_a):
    person = aged(make_person())
    with scope(organisation=org_a):
        case = open_case(organisation=org_a, person=person, by=None, registered_on=LONG_AGO.date())
        Case.objects.filter(pk=case.pk).update(opened_at=LONG_AGO)
        CaseStep.objects.filter(case=case).update(recorded_at=LONG_AGO, occurred_on=LONG_AGO.date())
    run("--yes")
    assert erased_ids() == {str(person.pk)}


def test_the_period_comes_from_the_settings(people, settings):
    settings.RETENTION_PERSON_MONTHS = 48
    assert "Nothing to erase." in run("--dry-run")


def test_one_organisation_only(people, make_person, org_b):
    other = aged(make_person(org=org_b))
    output = run("--yes", "--organisation", "org-b")
    assert "org-a" not in output
    assert erased_ids() == {str(other.pk)}


def test_an_unknown_organisation_is_an_error(people):
    with pytest.raises(CommandError, match="nowhere"):
        run("--dry-run", "--organisation", "nowhere")


def test_months_before_keeps_the_end_of_a_shorter_month():
    moment = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
    assert months_before(moment, 1) == dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert months_before(moment, 24) == dt.datetime(2024, 3, 31, 12, 0, tzinfo=dt.UTC)
