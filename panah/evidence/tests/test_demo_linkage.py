"""The demo: three sources imported through the real services, linked, reviewed, published."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

import pytest
from django_scopes import scope, scopes_disabled

from panah.evidence.demo import load_demo_evidence
from panah.evidence.models import ReviewDecision, Source, Victim
from panah.public.models import PublishedStatistic

from .linking_fixtures import _linkage_settings, researcher, starter_model  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_demo_imports_three_sources_links_them_and_publishes_counts(org_a, researcher):
    result = load_demo_evidence(
        org_a, n_reports=400, lcmcr_options={"burn_in": 200, "samples": 100, "thin": 1}
    )
    assert len(result.sources) == 3
    with scope(organisation=org_a):
        assert Source.objects.count() == 3
        victims = Victim.objects.filter(retired_at__isnull=True).count()
        assert ReviewDecision.objects.count() == result.decided
    assert abs(victims - result.true_victims) / result.true_victims < 0.1
    with scopes_disabled():
        published = PublishedStatistic.objects.get(pk=result.published[0])
    kinds = [t["kind"] for t in published.figures["tables"]]
    assert kinds == ["year", "month"]
    assert published.figures["estimate"]["documented"] > 0


def test_the_demo_runs_once(org_a, researcher):
    load_demo_evidence(
        org_a, n_reports=150, review=0, lcmcr_options={"burn_in": 100, "samples": 50, "thin": 1}
    )
    assert load_demo_evidence(org_a, n_reports=150).skipped
