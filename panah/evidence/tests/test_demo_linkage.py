"""The demo: three sources imported through the real services, linked and reviewed."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

import pytest
from django_scopes import scope

from panah.evidence.demo import load_demo_evidence
from panah.evidence.models import ReviewDecision, Source, Victim

from .linking_fixtures import _linkage_settings, researcher, starter_model  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_demo_imports_three_sources_and_links_them(org_a, researcher):
    result = load_demo_evidence(org_a, n_reports=400)
    assert len(result.sources) == 3
    with scope(organisation=org_a):
        assert Source.objects.count() == 3
        victims = Victim.objects.filter(retired_at__isnull=True).count()
        assert ReviewDecision.objects.count() == result.decided
    assert abs(victims - result.true_victims) / result.true_victims < 0.1


def test_the_demo_runs_once(org_a, researcher):
    load_demo_evidence(org_a, n_reports=150, review=0)
    assert load_demo_evidence(org_a, n_reports=150).skipped
