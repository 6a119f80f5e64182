"""The demo publication: the demo evidence published as counts and an estimate, once."""

import pytest
from django_scopes import scopes_disabled

from panah.evidence.demo import load_demo_evidence
from panah.evidence.tests.linking_fixtures import _linkage_settings, researcher, starter_model  # noqa: F401
from panah.public.demo import publish_demo_statistic
from panah.public.models import PublishedStatistic

pytestmark = pytest.mark.django_db

QUICK = {"burn_in": 200, "samples": 100, "thin": 1}


def test_the_demo_publishes_yearly_and_monthly_counts_with_an_estimate_once(
    org_a,
    researcher,  # noqa: F811 (the fixture)
):
    load_demo_evidence(org_a, n_reports=400, review=0)
    published = publish_demo_statistic(org_a, lcmcr_options=QUICK)
    with scopes_disabled():
        published.refresh_from_db()
    assert [t["kind"] for t in published.figures["tables"]] == ["year", "month"]
    assert published.figures["estimate"]["documented"] > 0
    assert publish_demo_statistic(org_a, lcmcr_options=QUICK) is None
    with scopes_disabled():
        assert PublishedStatistic.objects.filter(organisation=org_a).count() == 1
