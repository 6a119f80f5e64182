"""Demo publication: the demo organisation's evidence published as counts and an estimate."""

from __future__ import annotations

from django.db import transaction
from django_scopes import scope

from panah.core.models import Membership, Organisation, Role
from panah.evidence.statistics import Statistics

from .models import PublishedStatistic
from .services import publish_statistic

DEMO_LCMCR = {"burn_in": 2000, "samples": 500, "thin": 4}


def publish_demo_statistic(
    organisation: Organisation, *, lcmcr_options: dict | None = None
) -> PublishedStatistic | None:
    """Publish the yearly and latest monthly counts with an estimate, as a researcher would.

    Does nothing (returns None) when the organisation has published already or has no reports.
    """
    with scope(organisation=organisation):
        if PublishedStatistic.objects.filter(organisation=organisation).exists():
            return None
        researcher = (
            Membership.objects.filter(
                organisation=organisation, removed_at__isnull=True, grants__role=Role.RESEARCHER
            )
            .select_related("user")
            .order_by("pk")
            .first()
        )
        stats = Statistics(organisation)
        years = stats.years()
        if not years or researcher is None:
            return None
        latest = years[-1]
        with transaction.atomic():
            return publish_statistic(
                organisation=organisation,
                title=f"Executions documented {years[0]}–{latest}",
                summary="Demo data: synthetic reports, not real people.",
                tables=[stats.yearly(), stats.monthly(latest)],
                estimate=stats.estimate(year=latest, lcmcr_options=lcmcr_options or DEMO_LCMCR),
                by=researcher.user,
            )


def load_demo_records(organisation: Organisation, progress) -> None:
    """The public part of `panah demo` (called by PublicConfig.load_demo_records)."""
    published = publish_demo_statistic(organisation)
    if published is not None:
        progress(f"Published the demo counts and estimate (publication {published.pk}).")
