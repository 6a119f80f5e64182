"""No two elements of a page share an id: a label names one field, a screen reader reads the
right one, and a phone's autofill fills the right box. Every page of the project with a form is
drawn, as the member of organisation A who holds every role and follows the sample objects."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from panah.core.access import PUBLIC
from tests.authz import URL_SAMPLES, _client_for, build_world, iter_routes


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.forms = 0

    def handle_starttag(self, tag, attrs):
        self.forms += tag == "form"
        self.ids += [value for name, value in attrs if name == "id" and value]


def duplicate_ids(html: str) -> tuple[int, list[str]]:
    """How many forms the page has, and the ids it uses more than once."""
    parser = _Ids()
    parser.feed(html)
    return parser.forms, sorted(i for i, n in Counter(parser.ids).items() if n > 1)


def test_the_checker_finds_a_shared_id():
    html = '<form><input id="id_date"><input id="id_date"><label id="x"></label></form>'
    assert duplicate_ids(html) == (1, ["id_date"])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fa"])
def test_no_form_page_has_two_elements_with_one_id(language, make_member, org_a, org_b):
    world = build_world(make_member, org_a, org_b)
    client = _client_for(world.everything_a)
    client.post(reverse("core:set_language"), {"language": language, "next": "/"})
    pages_with_forms, problems = 0, []
    for route in iter_routes():
        if getattr(route.callback, "panah_access", None) in (None, PUBLIC):
            continue
        if route.has_arguments and route.name not in URL_SAMPLES:
            continue
        kwargs = URL_SAMPLES[route.name](world) if route.has_arguments else {}
        response = client.get(reverse(route.name, kwargs=kwargs))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        forms, shared = duplicate_ids(response.content.decode())
        pages_with_forms += forms > 0
        if shared:
            problems.append(f"{route.name}: {shared}")
    assert pages_with_forms > 20  # the pages were really drawn
    assert problems == []
