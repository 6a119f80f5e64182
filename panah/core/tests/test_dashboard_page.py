"""The dashboard shows the organisation as it is, each member their own panels, and each
response its own nonce and a working CSRF token."""

from __future__ import annotations

from django_scopes import scopes_disabled

from panah.core import services
from panah.core.models import Membership, Role


def test_an_audited_change_shows_on_the_next_visit(org_a, admin_a, caseworker_a, login_as):
    client = login_as(admin_a)
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


def _nonce_and_token(page: str) -> tuple[str, str]:
    import re

    # No script is loaded where no page needs one (docs/security.md): a page may carry no nonce.
    found = re.search(r'nonce="([^"]+)"', page)
    nonce = found.group(1) if found else ""
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return nonce, token


def test_each_dashboard_has_its_own_nonce_and_a_working_csrf_token(admin_a, login_as):
    from django.test import Client

    client = login_as(admin_a, Client(enforce_csrf_checks=True))
    first = client.get("/")
    second = client.get("/")

    nonce, token = _nonce_and_token(second.content.decode())
    if nonce:
        assert nonce != _nonce_and_token(first.content.decode())[0]
        assert f"'nonce-{nonce}'" in second["Content-Security-Policy"]
    # The token is accepted: the member can log out from the page.
    response = client.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # logged out


def test_waiting_messages_are_shown_once(org_a, admin_a, caseworker_a, login_as):
    client = login_as(admin_a)
    client.get("/")
    with scopes_disabled():
        membership = Membership.objects.get(user=caseworker_a)
    client.post(f"/members/{membership.pk}/roles/", {"roles": ["caseworker", "auditor"]})

    page = client.get("/").content.decode()  # the message from the roles page is waiting
    assert "Roles saved." in page
    assert "Roles saved." not in client.get("/").content.decode()


def test_a_colleagues_reading_shows_on_the_auditors_dashboard(
    org_a, admin_a, caseworker_a, make_member, login_as
):
    from panah.core import audit

    def read(n: int) -> None:
        audit.record_read(
            "person.viewed", organisation=org_a, actor=caseworker_a, object_type="people.person",
            object_id=n,
        )  # fmt: skip

    def panels(client) -> str:  # the page without what differs on every response
        page = client.get("/").content.decode()
        nonce, token = _nonce_and_token(page)
        return (page.replace(nonce, "") if nonce else page).replace(token, "")

    read(1)
    auditor = login_as(make_member(org_a, [Role.AUDITOR], email="auditor-a@example.org"))
    before = panels(auditor)
    assert panels(auditor) == before

    read(2)

    assert panels(auditor) != before  # their panel lists the trail, reads included
