"""`panah organisation create NAME --admin EMAIL`: how an installation gets its first organisation."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_scopes import scopes_disabled

from panah.core.models import AuditEntry, Membership, Organisation, User

from .helpers import snapshot

NEW_PASSWORD = "the first admin's long passphrase"


def panah(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def printed_link(output: str) -> str:
    return re.search(r"^  (http\S+)$", output, re.MULTILINE).group(1)


def test_creating_an_organisation_for_a_new_address_creates_the_admin_and_prints_a_link(db):
    output = panah("organisation", "create", "Refuge Gent", "--admin", "Chair@Example.org")

    org = Organisation.objects.get()
    user = User.objects.get()
    assert (org.name, org.slug) == ("Refuge Gent", "refuge-gent")
    assert (user.email, user.display_name) == ("chair@example.org", "chair")
    assert not user.has_usable_password()
    with scopes_disabled():
        membership = Membership.objects.get()
        assert (membership.organisation, membership.user) == (org, user)
        assert [g.role for g in membership.grants.all()] == ["admin"]
    assert output.startswith(
        'Created the organisation "Refuge Gent" (refuge-gent).\n'
        "Created the account chair@example.org, its administrator.\n"
    )
    assert printed_link(output).startswith("http://127.0.0.1:8000/password-reset/")
    assert "works once and expires in 3 days" in output


def test_the_printed_link_leads_to_a_password_then_to_the_second_factor(db):
    output = panah(
        "organisation", "create", "Refuge Gent", "--admin", "chair@example.org",
        "--base-url", "https://panah.example.org/",
    )  # fmt: skip
    link = printed_link(output)
    assert link.startswith("https://panah.example.org/password-reset/")
    client = Client()

    form_url = client.get(link.removeprefix("https://panah.example.org"))["Location"]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    logged_in = client.post(
        "/login/", {"username": "chair@example.org", "password": NEW_PASSWORD}, follow=True
    )

    assert done["Location"] == "/password-reset/done/"
    assert logged_in.redirect_chain[-1] == ("/account/second-factor/setup/", 302)
    again = Client().get(link.removeprefix("https://panah.example.org"), follow=True)
    assert "This link is not valid any more" in again.content.decode()


def test_an_existing_account_becomes_the_admin_without_any_link(caseworker_a, org_a):
    output = panah(
        "organisation", "create", "Organisation A", "--admin", "caseworker-a@example.org"
    )

    org = Organisation.objects.exclude(pk=org_a.pk).get()
    assert org.slug == "organisation-a"
    assert output == (
        'Created the organisation "Organisation A" (organisation-a).\n'
        "caseworker-a@example.org (an existing account) is its administrator.\n"
    )
    with scopes_disabled():
        assert Membership.objects.filter(user=caseworker_a).count() == 2


def test_two_organisations_of_the_same_name_get_different_slugs(db):
    panah("organisation", "create", "Refuge", "--admin", "one@example.org")
    panah("organisation", "create", "Refuge", "--admin", "two@example.org")

    assert list(Organisation.objects.order_by("pk").values_list("slug", flat=True)) == [
        "refuge",
        "refuge-2",
    ]


def test_the_creation_is_audited_without_an_actor_or_an_address(db):
    panah("organisation", "create", "Refuge Gent", "--admin", "chair@example.org")

    with scopes_disabled():
        entry = AuditEntry.objects.values().get()
    user = User.objects.get()
    assert entry["action"] == "organisation.created"
    assert entry["actor_id"] is None
    assert entry["data"] == {"founder": user.pk, "via": "command line"}
    assert "chair" not in repr(entry)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Refuge", "--admin", "not-an-address"], "Enter a valid email address."),
        (
            ["   ", "--admin", "chair@example.org"],
            "Give the organisation a name of at most 200 characters.",
        ),
        (
            ["x" * 201, "--admin", "chair@example.org"],
            "Give the organisation a name of at most 200 characters.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(args, message, db):
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        panah("organisation", "create", *args)

    assert str(refused.value) == message
    assert snapshot() == before


def test_the_admin_address_is_required(db):
    with pytest.raises(CommandError) as refused:
        panah("organisation", "create", "Refuge Gent")

    assert "--admin" in str(refused.value)


def test_a_subcommand_is_required(db):
    with pytest.raises(CommandError):
        panah("organisation")


def test_the_list_shows_each_organisation_and_its_current_members(
    org_a, org_b, admin_a, caseworker_a
):
    output = panah("organisation", "list")

    assert output.splitlines() == [
        f"{'org-a':<30} {2:>5} members  Organisation A",
        f"{'org-b':<30} {0:>5} members  Organisation B",
    ]


def test_the_list_says_what_to_do_when_there_is_none(db):
    assert panah("organisation", "list") == (
        "No organisation yet. Create one with: panah organisation create\n"
    )


def test_a_new_link_can_be_printed_for_an_admin_who_never_chose_a_password(db):
    panah("organisation", "create", "Refuge Gent", "--admin", "chair@example.org")

    output = panah("organisation", "setup-link", "CHAIR@example.org")

    assert printed_link(output).startswith("http://127.0.0.1:8000/password-reset/")


def test_no_link_is_printed_for_an_account_with_a_password(caseworker_a):
    with pytest.raises(CommandError) as refused:
        panah("organisation", "setup-link", "caseworker-a@example.org")

    assert str(refused.value) == (
        "caseworker-a@example.org has chosen a password already; they can reset it from the "
        "login page."
    )


def test_no_link_is_printed_for_an_unknown_address(db):
    with pytest.raises(CommandError) as refused:
        panah("organisation", "setup-link", "nobody@example.org")

    assert str(refused.value) == "No account has the address nobody@example.org."
