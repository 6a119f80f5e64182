"""The dashboard's panels are kept rendered, but never show the organisation as it was."""

from __future__ import annotations

from django_scopes import scopes_disabled

from panah.core import services
from panah.core.models import Membership, Role


def test_an_audited_change_shows_on_the_next_visit(org_a, admin_a, caseworker_a, login_as):
    client = login_as(admin_a)
    assert "0 open invitations" in client.get("/").content.decode()
    # Served from the cache the second time, unchanged.
    assert "0 open invitations" in client.get("/").content.decode()

    with scopes_disabled():
        services.invite_member(
            organisation=org_a, email="new@example.org", roles=[Role.CASEWORKER], invited_by=admin_a
        )

    assert "1 open invitation" in client.get("/").content.decode()


def test_each_member_sees_their_own_panels(org_a, admin_a, make_member, login_as):
    caseworker = make_member(org_a, [Role.CASEWORKER])
    assert "Invite a member" in login_as(admin_a).get("/").content.decode()

    page = login_as(caseworker).get("/").content.decode()

    assert "Invite a member" not in page
    assert "Members" not in page.split("<main", 1)[1].split("</h1>", 1)[1].split("<h2", 2)[0]


def test_new_roles_change_the_menu_and_the_panels_at_once(org_a, admin_a, make_member, login_as):
    member = make_member(org_a, [Role.CASEWORKER])
    client = login_as(member)
    assert 'href="/members/"' not in client.get("/").content.decode()

    with scopes_disabled():
        membership = Membership.objects.get(user=member)
    login_as(admin_a).post(
        f"/members/{membership.pk}/roles/", {"roles": ["caseworker", "coordinator"]}
    )

    page = client.get("/").content.decode()
    assert 'href="/members/"' in page
    assert 'id="panel-members"' in page


def test_no_page_a_member_sees_may_be_kept_by_a_browser_or_proxy(admin_a, login_as):
    for path in ("/", "/members/", "/bare-path-that-is-not-found/"):
        response = login_as(admin_a).get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path
