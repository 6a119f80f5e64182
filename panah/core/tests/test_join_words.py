"""Lists of words are joined with the reader's separator, in code and in templates."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from panah.core.language import join_words


@pytest.mark.parametrize(
    ("language", "joined"),
    [("en", "Persian, French"), ("fr", "Persian, French"), ("fa", "Persian، French")],
)
def test_a_list_is_joined_with_the_readers_separator(language, joined):
    with translation.override(language):
        assert join_words(["Persian", "French"]) == joined
        rendered = Template("{% load panah %}{{ words|join_words }}").render(
            Context({"words": ["Persian", "French"]})
        )
        assert rendered == joined


def test_an_empty_or_missing_list_is_joined_to_nothing():
    assert join_words([]) == ""
    assert Template("{% load panah %}{{ words|join_words }}").render(Context({})) == ""


def test_a_template_loop_separates_its_items_with_the_readers_separator():
    template = Template(
        "{% load panah %}{% for w in words %}{{ w }}"
        "{% if not forloop.last %}{% list_separator %}{% endif %}{% endfor %}"
    )
    with translation.override("fa"):
        assert template.render(Context({"words": ["a", "b", "c"]})) == "a، b، c"
    with translation.override("nl"):
        assert template.render(Context({"words": ["a", "b"]})) == "a, b"
