"""Estimates from linked victims carry the linkage's uncertainty: from the stored memberships
and review pairs, on the statistics page and in the command."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_scopes import scope

from panah.evidence.statistics import Statistics

from .linking_fixtures import (  # noqa: F401
    _linkage_settings,
    researcher,
    starter_model,
)
from .test_review import linked  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_uncertainty_comes_from_memberships_and_the_review_queue(linked):
    org, pair = linked
    with scope(organisation=org):
        stats = Statistics(org)
    uncertainty = stats.linkage_uncertainty()
    table = stats.capture_table()
    assert uncertainty.as_linked(table.lists).as_rows() == table.as_rows()
    # the queued pair (two victims the run did not join) can be joined in a draw
    assert len(uncertainty.join_p) >= 1 and uncertainty.uncertain_links >= 1
    assert pytest.approx(pair.probability) in uncertainty.join_p.tolist()


def test_the_statistics_page_shows_each_estimate_beside_its_linkage_interval(
    linked, researcher, login_as
):
    response = login_as(researcher).get(reverse("evidence:statistics"), {"estimate": "all"})
    text = response.content.decode()
    assert "Allowing for linkage uncertainty" in text and "Its interval" in text
    assert "clusterings drawn from the linkage" in text
    assert "model averaging (decomposable graphs)" in text


def test_the_command_gives_the_linkage_interval_in_json(linked):
    org, _pair = linked
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "evidence", "estimate", "--organisation", org.slug, "--format", "json",
        "--methods", "loglinear", "--linkage-draws", "5", stdout=out, stderr=err,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["linkage"]["draws"] == 5 and data["linkage"]["uncertain_links"] >= 1
    assert all("with_linkage" in e for e in data["estimates"])


def test_the_linkage_intervals_can_be_turned_off(linked):
    org, _pair = linked
    out = io.StringIO()
    call_command(
        "evidence", "estimate", "--organisation", org.slug, "--format", "json",
        "--methods", "loglinear", "--linkage-draws", "0", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["linkage"] is None
    assert all(e["with_linkage"] is None for e in data["estimates"])


def test_a_clerical_check_of_sampled_victims_replaces_the_linker_probabilities(linked, tmp_path):
    org, _pair = linked
    out = io.StringIO()
    call_command(
        "evidence", "estimate", "--organisation", org.slug, "--clerical-sample", "3",
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0] == "victim_id,kind,same_as,several_people" and len(lines) > 1
    sampled = [line.split(",")[0] for line in lines[1:]]
    check = tmp_path / "check.csv"
    rows = [f"{v},,yes" if k == 0 else f"{v},,no" for k, v in enumerate(sampled)]
    check.write_text("victim_id,same_as,several_people\n" + "\n".join(rows) + "\n")
    out = io.StringIO()
    call_command(
        "evidence", "estimate", "--organisation", org.slug, "--format", "json",
        "--methods", "loglinear", "--linkage-draws", "5", "--clerical-check", str(check),
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert "clerical check" in data["linkage"]["method"]
    assert data["linkage"]["clerical_check"]["one_source_checked"] + data["linkage"][
        "clerical_check"
    ]["several_checked"] >= len(sampled)


def test_a_clerical_check_naming_victims_that_are_not_counted_is_refused(linked, tmp_path):
    org, _pair = linked
    check = tmp_path / "check.csv"
    check.write_text("victim_id,same_as,several_people\n999999,,no\n12,,perhaps\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command(
            "evidence", "estimate", "--organisation", org.slug, "--clerical-check", str(check),
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    check.write_text("victim_id,same_as,several_people\n999999,,no\n")
    with pytest.raises(CommandError, match="999999"):
        call_command(
            "evidence", "estimate", "--organisation", org.slug, "--clerical-check", str(check),
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
