"""Publishing statistics and the public pages: only what was published, small cells hidden."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.core.models import Role
from panah.evidence import services as evidence_services
from panah.evidence.statistics import Statistics
from panah.evidence.tests.linking_fixtures import _linkage_settings, starter_model  # noqa: F401
from panah.evidence.tests.test_statistics import world  # noqa: F401
from panah.public.models import PublishedStatistic
from panah.public.services import publish_statistic, withdraw_statistic

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher_a(org_a, make_member):
    return make_member(org_a, [Role.RESEARCHER], email="Shirin.Researcher@example.org")


def publish(org, by, **extra) -> PublishedStatistic:
    with scope(organisation=org):
        stats = Statistics(org)
        tables = extra.pop("tables", None) or [stats.yearly(), stats.monthly(2023)]
        return publish_statistic(
            organisation=org, title=extra.pop("title", "Executions"), tables=tables, by=by, **extra
        )


def test_a_publication_freezes_the_tables_with_small_cells_suppressed(world, researcher_a):
    published = publish(world, researcher_a)
    year, month = published.figures["tables"]
    # 2024 was not collected (the data runs to 22 December 2023): no row, never a published 0.
    assert [r["value"] for r in year["rows"]] == [10, 18]
    assert year["rows"][1]["partial"] and year["data_as_of"] == "2023-12-22"
    months = {r["key"]: r["value"] for r in month["rows"]}
    assert months["2023-07"] is None and months["2023-01"] is None  # 3, and 15 that reveals it
    assert published.disclosure_threshold == 5
    assert published.linkage_run_id is not None
    assert "at least N" in published.method and "1 January" in published.period_definition


def test_the_public_page_shows_the_publication_to_anyone_without_who_published_it(
    world, researcher_a
):
    published = publish(world, researcher_a)
    response = Client().get(reverse("public:statistic", args=[published.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "&lt; 5" in text and "<svg" in text and "Documented, at least" in text
    assert "Shirin" not in text and "example.org" not in text


def test_other_organisations_figures_for_the_same_periods_are_shown_beside_ours(
    world, researcher_a
):
    with scope(organisation=world):
        evidence_services.seed_published_figures(organisation=world)
    published = publish(world, researcher_a)
    publishers = {(c["row"], c["publisher"]) for c in published.figures["comparison"]}
    assert ("2023", "Iran Human Rights (IHRNGO)") in publishers
    # A month's figure is no comparison for a year.
    assert not any("January" in c["period_definition"] for c in published.figures["comparison"])
    text = Client().get(reverse("public:statistic", args=[published.pk])).content.decode()
    assert "at least 834" in text and "not yet checked against their primary report" in text


def test_the_index_lists_only_organisations_that_published(world, org_b, researcher_a):
    assert "Organisation A" not in Client().get(reverse("public:index")).content.decode()
    publish(world, researcher_a)
    text = Client().get(reverse("public:index")).content.decode()
    assert "Organisation A" in text and "Organisation B" not in text
    assert Client().get(reverse("public:organisation", args=["org-b"])).status_code == 404
    assert Client().get(reverse("public:organisation", args=["org-a"])).status_code == 200


def test_a_withdrawn_publication_says_so_and_leaves_the_lists(world, researcher_a):
    published = publish(world, researcher_a)
    with scope(organisation=world):
        withdraw_statistic(
            organisation=world, statistic=published, reason="Wrong period.", by=researcher_a
        )
    response = Client().get(reverse("public:statistic", args=[published.pk]))
    assert response.status_code == 410 and b"withdrawn" in response.content
    assert b"&lt; 5" not in response.content
    assert "Organisation A" not in Client().get(reverse("public:index")).content.decode()


def test_publishing_needs_a_title_and_a_figure(world, researcher_a):
    with pytest.raises(ValidationError, match="title"):
        publish(world, researcher_a, title=" ")
    with scope(organisation=world), pytest.raises(ValidationError, match="at least one"):
        publish_statistic(organisation=world, title="x", tables=[], by=researcher_a)


def test_an_estimate_is_published_apart_from_the_counts(world, researcher_a):
    with scope(organisation=world):
        estimate = Statistics(world).estimate(methods=("loglinear",))
    published = publish(world, researcher_a, estimate=estimate)
    assert published.figures["estimate"]["documented"] == 30
    text = Client().get(reverse("public:statistic", args=[published.pk])).content.decode()
    assert "Estimate (not a count)" in text and "estimated: about" in text


def test_only_researchers_publish_and_only_their_own_organisations(
    world, org_b, make_member, login_as, researcher_a
):
    coordinator = login_as(make_member(world, [Role.COORDINATOR]))
    form = {"title": "x", "tables": ["yearly"], "verification": "all"}
    assert coordinator.post(reverse("public:publish"), form).status_code == 403
    published = publish(world, researcher_a)
    outsider = login_as(make_member(org_b, [Role.RESEARCHER]))
    response = outsider.post(reverse("public:withdraw", args=[published.pk]), {"reason": "x"})
    assert response.status_code == 404
    response = login_as(researcher_a).post(reverse("public:publish"), form)
    assert response.status_code == 302
    with scopes_disabled():
        assert PublishedStatistic.objects.count() == 2


def test_the_members_page_lists_every_publication_with_who_published(world, researcher_a, login_as):
    publish(world, researcher_a, title="Counts 2023")
    text = login_as(researcher_a).get(reverse("public:manage")).content.decode()
    assert "Counts 2023" in text and "Withdraw" in text
