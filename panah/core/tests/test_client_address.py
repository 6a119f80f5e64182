"""The client's address behind the proxy: one answer for the login lockout and the audit trail.

Only a trusted proxy (PANAH_TRUSTED_PROXIES; gunicorn's Unix socket by default) may name the
client in X-Forwarded-For. tests/test_proxy_socket.py drives the same through gunicorn.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django_scopes import scopes_disabled

from panah.core.models import AuditEntry
from panah.core.proxy import UNKNOWN_ADDRESS, client_ip, lockout_ip

from .helpers import PASSWORD

UNIX_PEER = ""  # what gunicorn puts in REMOTE_ADDR for a request over its Unix socket
SPOOFED = "198.51.100.66"


def request_from(peer: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def log_in(client: Client, password: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/login/",
        {"username": "caseworker-a@example.org", "password": password},
        headers=headers,
    )


def failed_login_addresses() -> list[str | None]:
    with scopes_disabled():
        entries = AuditEntry.objects.filter(action="account.login_failed").order_by("pk")
        return list(entries.values_list("ip", flat=True))


def test_a_peer_that_is_no_proxy_cannot_choose_its_address(settings):
    settings.TRUSTED_PROXIES = ["unix"]

    assert client_ip(request_from("203.0.113.9", forwarded=SPOOFED)) == "203.0.113.9"


def test_the_unix_socket_peer_names_the_client(settings):
    settings.TRUSTED_PROXIES = ["unix"]

    assert client_ip(request_from(UNIX_PEER, forwarded="192.0.2.44")) == "192.0.2.44"


def test_a_unix_socket_peer_is_believed_only_when_trusted(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    assert client_ip(request_from(UNIX_PEER, forwarded=SPOOFED)) is None
    assert client_ip(request_from("127.0.0.1", forwarded="192.0.2.44")) == "192.0.2.44"


def test_the_header_is_read_from_the_right_past_trusted_proxies_only(settings):
    settings.TRUSTED_PROXIES = ["unix", "10.0.0.0/8"]

    request = request_from(UNIX_PEER, forwarded=f"{SPOOFED}, 192.0.2.44, 10.1.2.3")

    assert client_ip(request) == "192.0.2.44"


def test_a_malformed_entry_stops_the_reading_rather_than_trusting_what_is_left_of_it(settings):
    settings.TRUSTED_PROXIES = ["unix"]

    assert client_ip(request_from(UNIX_PEER, forwarded=f"{SPOOFED}, not-an-address")) is None


def test_ipv6_and_ipv4_mapped_addresses_come_out_in_one_spelling(settings):
    settings.TRUSTED_PROXIES = ["unix"]

    assert client_ip(request_from(UNIX_PEER, forwarded="2001:DB8:0:0:0:0:0:1")) == "2001:db8::1"
    assert client_ip(request_from("::ffff:203.0.113.9")) == "203.0.113.9"


def test_without_an_address_the_lockout_still_counts_per_account(settings):
    settings.TRUSTED_PROXIES = ["unix"]
    request = request_from(UNIX_PEER)

    assert client_ip(request) is None
    assert lockout_ip(request) == UNKNOWN_ADDRESS == "0.0.0.0"  # noqa: S104


def test_a_spoofed_forwarded_address_neither_escapes_the_lockout_nor_reaches_the_audit_trail(
    settings, caseworker_a
):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["unix"]
    client = Client()  # REMOTE_ADDR 127.0.0.1: a direct peer, not a proxy
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong", forwarded=f"198.51.100.{i + 1}").status_code == 200
    assert log_in(client, "wrong", forwarded=SPOOFED).status_code == 429

    response = log_in(client, PASSWORD, forwarded=SPOOFED)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert set(failed_login_addresses()) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_each_client_is_counted_under_its_own_address(
    settings, caseworker_a
):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["unix"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(REMOTE_ADDR=UNIX_PEER), "wrong", forwarded="192.0.2.44")

    locked = log_in(Client(REMOTE_ADDR=UNIX_PEER), PASSWORD, forwarded="192.0.2.44")
    elsewhere = log_in(Client(REMOTE_ADDR=UNIX_PEER), PASSWORD, forwarded="192.0.2.45")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/login/second-factor/"
    # The refused right password is written as a failure too, from the same address.
    assert set(failed_login_addresses()) == {"192.0.2.44"}


@pytest.mark.parametrize("forwarded", [None, "unknown"])
def test_a_proxy_that_names_no_client_still_locks_the_account(settings, caseworker_a, forwarded):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["unix"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(REMOTE_ADDR=UNIX_PEER), "wrong", forwarded=forwarded)

    response = log_in(Client(REMOTE_ADDR=UNIX_PEER), PASSWORD, forwarded=forwarded)

    assert response.status_code == 429
    assert set(failed_login_addresses()) == {None}
