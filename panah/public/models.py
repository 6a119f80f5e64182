"""What the organisation has published: snapshots of statistics, frozen when published.

A snapshot never changes after publication (only its withdrawal is recorded), so a figure
quoted from the public page can always be traced to the linkage run and the moment it came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from panah.core.models import Organisation


class PublishedStatistic(models.Model):
    """A researcher's chosen figures as published: tables, an estimate, the comparison figures.

    `figures` holds {"tables": [...], "estimate": {...} | None, "comparison": [...]}, every
    count already passed through disclosure control at `disclosure_threshold`.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    figures = models.JSONField(default=dict)
    as_of = models.DateTimeField(_("as of"))
    period_definition = models.TextField(_("period"))
    method = models.TextField(_("method"))
    linkage_run = models.ForeignKey(
        "evidence.LinkageRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disclosure_threshold = models.PositiveSmallIntegerField(default=1)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("published statistic")
        verbose_name_plural = _("published statistics")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="published_statistic_titled"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("published_at")),
                name="published_statistic_withdrawn_after_publication",
            ),
            models.CheckConstraint(
                condition=Q(disclosure_threshold__gte=1),
                name="published_statistic_threshold_positive",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "withdrawn_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
