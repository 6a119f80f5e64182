"""Documented counts ("at least N" distinct victims) and estimates, each defensible on its own.

Every table says what it counts (its period definition), how (its method, with the linkage
run it used and what was included) and when (as of). A victim counts in a period only when
every day its reports allow for the execution lies in that period, so a count is a true
minimum; victims whose date is too imprecise to place (a month-only date across the turn of a
Persian month, say) are shown beside it, never silently added.

    stats = Statistics(organisation)                     # current victims, loaded once
    stats.yearly()                                       # Table of Gregorian years
    stats.monthly(2024), stats.jalali_monthly(1402)      # months of either calendar
    stats.breakdown("province", year=2024)
    stats.coverage(), stats.estimate(year=2024)          # sources, and the undocumented
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import jdatetime
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_scopes import scope

from panah.core import disclosure
from panah.core.audit import chain_position
from panah.core.models import Organisation
from panah.core.persian import JALALI_MONTHS_EN, JALALI_MONTHS_FA

from .estimation import CaptureTable, ClericalCheck, LinkageUncertainty, estimate_all
from .estimation.cli import grouped, linkage_text, warning_text
from .estimation.estimate import BMA_NAME, LINKAGE_DRAWS
from .models import (
    Announced,
    ChargeCategory,
    Gender,
    LinkageRun,
    ReviewPair,
    Source,
    Verification,
    Victim,
    VictimMembership,
)

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

DIMENSIONS = {
    "province": gettext_lazy("Province"),
    "charge": gettext_lazy("Charge"),
    "gender": gettext_lazy("Gender"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "announced": gettext_lazy("Officially announced"),
}
VERIFICATION_SCOPES = {
    "all": gettext_lazy("confirmed and unverified reports"),
    "confirmed": gettext_lazy("victims with at least one confirmed report only"),
}


@dataclass(frozen=True)
class Scope:
    """Which victims are counted: all linked ones, or those with a confirmed report; named or not."""

    verification: str = "all"
    named_only: bool = False

    def __post_init__(self):
        if self.verification not in VERIFICATION_SCOPES:
            raise ValueError(f"unknown verification scope {self.verification!r}")

    def describe(self) -> str:
        """The scope in words, for the method of every figure."""
        text = str(VERIFICATION_SCOPES[self.verification])
        if self.named_only:
            text += _(", identified by name only")
        else:
            text += _(", named and unnamed")
        return text


@dataclass(frozen=True)
class Facts:
    """What the statistics need of one victim."""

    id: int
    named: bool
    date_start: dt.date | None
    date_end: dt.date | None
    province: str
    charge: str
    gender: str
    ethnicity: str
    announced: str
    verification: str
    sources: frozenset[str]


@dataclass
class Row:
    """One cell of a table: a documented count (a minimum) and what could not be placed."""

    key: str
    label: str
    value: int
    start: dt.date | None = None
    end: dt.date | None = None
    # Victims whose date may fall in this period but may also fall outside it.
    imprecise: int = 0
    # Percentage change on the row before (periods only); None when not computable.
    change: float | None = None
    # The period runs past the data's as-of date: its count is still growing.
    partial: bool = False


@dataclass
class Table:
    """A table of documented counts with everything needed to defend it."""

    kind: str
    title: str
    dimension: str
    period_definition: str
    method: str
    as_of: dt.datetime
    linkage_run_id: int | None
    rows: list[Row]
    total: int = 0
    # Victims without any date (period tables), or outside the chosen year (breakdowns).
    undated: int = 0
    notes: list[str] = field(default_factory=list)
    # The last day the data covers (see data_as_of); periods after it are not rows.
    data_as_of: dt.date | None = None

    @property
    def is_period(self) -> bool:
        return self.kind in ("year", "month", "jalali_month")

    @property
    def values(self) -> dict[str, int]:
        return {r.key: r.value for r in self.rows}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (dates as ISO text), as the public snapshot stores it."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["data_as_of"] = self.data_as_of.isoformat() if self.data_as_of else None
        for row in data["rows"]:
            for key in ("start", "end"):
                row[key] = row[key].isoformat() if row[key] else None
        return data


@dataclass
class EstimateSummary:
    """Multiple systems estimation for one period, kept apart from the counts."""

    period_definition: str
    as_of: dt.datetime
    linkage_run_id: int | None
    lists: list[str]
    documented: int
    estimates: list[dict[str, Any]]  # name, method, estimate, low, high, level, selected_by
    skipped: list[dict[str, str]]
    notes: list[str]
    warning: str
    capture_rows: list[dict[str, int]]
    # How linkage uncertainty was carried into the intervals (each estimate's "with_linkage"),
    # or None when it was not: draws, uncertain_links, documented_low/high, method.
    linkage: dict[str, Any] | None = None

    @property
    def preferred(self) -> dict[str, Any] | None:
        """The estimate to quote first: the latent-class model, else the model chosen by BIC."""
        for e in self.estimates:
            if e["name"].startswith("latent-class"):
                return e
        for e in self.estimates:
            if "BIC" in e.get("selected_by", []):
                return e
        return self.estimates[0] if self.estimates else None

    def preferred_reason(self) -> str:
        """Why the headlined model is the one quoted first, in one sentence."""
        e = self.preferred
        if e is None:
            return _("No model gave an estimate.")
        if e["name"].startswith("latent-class"):
            return _(
                "The latent-class model is headlined: it allows for people whom every list is "
                "unlikely to reach (heterogeneity), which makes the other models too low; the "
                "log-linear models are shown beside it."
            )
        if "BIC" in e.get("selected_by", []):
            return _(
                "No latent-class estimate: the log-linear model chosen by BIC (the best balance "
                "of fit and simplicity) is headlined."
            )
        return _("It is the only model that gave an estimate.")

    def sentence(self, estimate: dict[str, Any] | None = None) -> str:
        """'estimated: about M (95% interval a–b), method X' for the preferred (or given) model."""
        e = estimate or self.preferred
        return estimate_sentence(e) if e else _("No model gave an estimate.")

    @property
    def linkage_sentence(self) -> str:
        """What the intervals that carry linkage uncertainty are (empty when there are none)."""

        return linkage_text(self.linkage) if self.linkage else ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EstimateSummary:
        """The summary again from `as_dict`'s copy (as a background task keeps it)."""
        return cls(**{**data, "as_of": dt.datetime.fromisoformat(data["as_of"])})


def model_name(name: str) -> str:
    """A model's name as the reader sees it: model averaging's in the reader's language (the
    other names are formulae and a package's name)."""
    if name == BMA_NAME:
        return _("model averaging (decomposable graphs)")
    return name


def estimate_sentence(e: dict[str, Any]) -> str:
    """One model's estimate in words: 'estimated: about M (95% interval a–b), method X'."""
    high = _("unbounded") if e["high"] is None else grouped(e["high"])
    low = "?" if e["low"] is None else grouped(e["low"])
    return _("estimated: about %(m)s (%(pct)s%% interval %(low)s–%(high)s), method %(method)s") % {
        "m": grouped(e["estimate"]),
        "pct": f"{e['level'] * 100:g}",
        "low": low,
        "high": high,
        "method": e["name"],
    }


def web_estimate_options() -> dict[str, Any]:
    """How pages run the estimators; settings.EVIDENCE_WEB_ESTIMATE may lighten them."""

    options: dict[str, Any] = {"methods": ("loglinear", "lcmcr", "bma"), "lcmcr_options": None}
    # "linkage_draws": 0 turns off the intervals that carry linkage uncertainty
    options.update(getattr(settings, "EVIDENCE_WEB_ESTIMATE", {}) or {})
    return options


def percentage_change(
    before: int | None, after: int | None, *, threshold: int | None = None
) -> float | None:
    """(after - before) / before in percent, one decimal; None unless both counts reach the
    disclosure threshold. Below it a change says more about collection than about executions
    ("+30500 %" from 2 to 612, "-100 %" for a month nobody has collected yet), and on a
    published page it would reveal a suppressed count."""
    k = disclosure.threshold() if threshold is None else max(1, threshold)
    if before is None or after is None or before < k or after < k:
        return None
    return round((after - before) * 100.0 / before, 1)


def data_as_of(organisation: Organisation) -> dt.date | None:
    """The last day the data covers: the latest execution date of a current victim (excluded
    reports are in none), never after today. A period that starts later was not collected,
    it was not a quiet one."""

    latest = Victim.objects.filter(
        organisation=organisation, retired_at__isnull=True, date_start__isnull=False
    ).aggregate(latest=Max("date_start"))["latest"]
    return None if latest is None else min(latest, timezone.localdate())


def jalali_month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The Gregorian first and last day of a Persian month."""
    first = jdatetime.date(year, month, 1)
    following = jdatetime.date(year + (month == 12), month % 12 + 1, 1)
    return first.togregorian(), following.togregorian() - dt.timedelta(days=1)


def latest_run(organisation: Organisation) -> LinkageRun | None:
    """The organisation's last finished linkage run."""
    return (
        LinkageRun.objects.filter(organisation=organisation, status=LinkageRun.Status.FINISHED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def load_facts(organisation: Organisation, scope: Scope = Scope()) -> list[Facts]:
    """The current victims of the organisation in `scope`, with the sources that documented them."""
    victims = Victim.objects.filter(organisation=organisation, retired_at__isnull=True)
    if scope.verification == "confirmed":
        victims = victims.filter(verification=Verification.CONFIRMED)
    if scope.named_only:
        victims = victims.exclude(name="")
    sources: dict[int, set[str]] = {}
    names = dict(Source.objects.filter(organisation=organisation).values_list("pk", "name"))
    for victim_id, source_id in VictimMembership.objects.filter(
        organisation=organisation, victim__retired_at__isnull=True
    ).values_list("victim_id", "report__source_id"):
        sources.setdefault(victim_id, set()).add(names.get(source_id, str(source_id)))
    return [
        Facts(
            id=v[0],
            named=bool(v[1]),
            date_start=v[2],
            date_end=v[3],
            province=v[4],
            charge=v[5],
            gender=v[6],
            ethnicity=v[7],
            announced=v[8],
            verification=v[9],
            sources=frozenset(sources.get(v[0], ())),
        )  # fmt: skip
        for v in victims.order_by("pk").values_list(
            "pk",
            "name",
            "date_start",
            "date_end",
            "province",
            "charge_category",
            "gender",
            "ethnicity",
            "announced",
            "verification",
        )  # fmt: skip
    ]


# How long a page's estimate is kept at most; a write to the organisation's records ends it sooner.
ESTIMATE_SECONDS = 24 * 3600


class Statistics:
    """The documented counts of one organisation, from its current victims (loaded once)."""

    def __init__(
        self,
        organisation: Organisation,
        scope: Scope = Scope(),
        *,
        facts: list[Facts] | None = None,
        as_of: dt.datetime | None = None,
        threshold: int | None = None,
    ):
        self.organisation = organisation
        self.scope = scope
        self.as_of = as_of or timezone.now()
        self.run = latest_run(organisation)
        self.threshold = disclosure.threshold() if threshold is None else threshold
        self._given_facts = facts is not None
        if facts is None:
            self.facts = load_facts(organisation, scope)
            self.data_as_of = data_as_of(organisation)
        else:  # given facts (a bench, a test) cover up to their own latest date
            self.facts = facts
            starts = [f.date_start for f in facts if f.date_start]
            self.data_as_of = min(max(starts), timezone.localdate()) if starts else None
        self.source_count = len({s for f in self.facts for s in f.sources})

    # --- shared wording ---

    @property
    def run_id(self) -> int | None:
        return self.run.pk if self.run else None

    def method(self) -> str:
        """How every count here was made, in one sentence."""
        return _(
            "Documented count: distinct victims after linking the reports of %(sources)s "
            "sources across scripts and calendars and reviewing uncertain pairs (linkage run "
            "%(run)s); %(scope)s. A minimum (at least N), not an estimate."
        ) % {
            "sources": self.source_count,
            "run": self.run_id if self.run_id else _("none yet"),
            "scope": self.scope.describe(),
        }

    def years(self) -> list[int]:
        """Gregorian years in which some victim's date starts, oldest first."""
        return sorted({f.date_start.year for f in self.facts if f.date_start})

    def jalali_years(self) -> list[int]:
        """Persian years in which some victim's date starts, oldest first."""
        return sorted(
            {
                jdatetime.date.fromgregorian(date=f.date_start).year
                for f in self.facts
                if f.date_start
            }
        )

    # --- periods ---

    def _periods(
        self,
        kind: str,
        title: str,
        period_definition: str,
        periods: list[tuple[str, str, dt.date, dt.date]],
    ) -> Table:
        dated = [f for f in self.facts if f.date_start and f.date_end]
        last = self.data_as_of
        rows = []
        for key, label, start, end in periods:
            if last is None or start > last:
                continue  # not collected yet: no row, never a zero
            inside = sum(1 for f in dated if start <= f.date_start and f.date_end <= end)
            overlapping = sum(1 for f in dated if f.date_start <= end and f.date_end >= start)
            rows.append(
                Row(key, label, inside, start, end, imprecise=overlapping - inside,
                    partial=end > last)
            )  # fmt: skip
        for before, after in zip(rows, rows[1:], strict=False):
            # An incomplete period against a whole one would show a fall that did not happen.
            if not after.partial:
                after.change = percentage_change(
                    before.value, after.value, threshold=self.threshold
                )
        notes = []
        if last is not None and (len(rows) < len(periods) or (rows and rows[-1].partial)):
            notes.append(
                _(
                    "The data runs to %(day)s (the latest execution date in the reports): later "
                    "periods are not shown, and a period that ends after it is incomplete, so it "
                    "has no change."
                )
                % {"day": last.isoformat()}
            )
        imprecise = sum(r.imprecise for r in rows)
        if imprecise:
            notes.append(
                _(
                    "Victims whose reported date could fall in more than one period are not "
                    "counted in any of them; each row shows how many could also belong to it."
                )
            )
        return Table(
            kind=kind,
            title=title,
            dimension=_("Period"),
            period_definition=period_definition,
            method=self.method(),
            as_of=self.as_of,
            linkage_run_id=self.run_id,
            rows=rows,
            total=sum(r.value for r in rows),
            undated=len(self.facts) - len(dated),
            notes=notes,
            data_as_of=last,
        )

    def yearly(self, years: Iterable[int] | None = None) -> Table:
        """Distinct victims per Gregorian year, with the percentage change on the year before."""
        if years is None:  # every year some victim's date touches
            years = {f.date_start.year for f in self.facts if f.date_start}
            years |= {f.date_end.year for f in self.facts if f.date_end}
        years = sorted(years)
        if years:
            years = list(range(min(years), max(years) + 1))
        periods = [(str(y), str(y), dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in years]
        return self._periods(
            "year",
            _("Executions documented per year"),
            _(
                "Gregorian calendar years, 1 January to 31 December. A victim counts in a year "
                "when every day its reports allow for the execution falls in that year."
            ),
            periods,
        )

    def monthly(self, year: int) -> Table:
        """Distinct victims per Gregorian month of `year`."""
        periods = []
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            end = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
            periods.append((f"{year}-{month:02d}", f"{MONTHS_EN[month - 1]} {year}", start, end))
        return self._periods(
            "month",
            _("Executions documented per month of %(year)s") % {"year": year},
            _(
                "Gregorian months of %(year)s. A victim counts in a month when every day its "
                "reports allow for the execution falls in that month."
            )
            % {"year": year},
            periods,
        )

    def jalali_monthly(self, year: int) -> Table:
        """Distinct victims per Persian (Solar Hijri) month of the Persian year `year`."""
        periods = []
        for month in range(1, 13):
            start, end = jalali_month_span(year, month)
            label = (
                f"{JALALI_MONTHS_EN[month - 1]} {year} ({JALALI_MONTHS_FA[month - 1]}) · "
                f"{start:%d %b %Y} – {end:%d %b %Y}"
            )
            periods.append((f"{year}/{month:02d}", label, start, end))
        return self._periods(
            "jalali_month",
            _("Executions documented per Persian month of %(year)s") % {"year": year},
            _(
                "Persian (Solar Hijri) months of %(year)s, each with its Gregorian days. A "
                "victim counts in a month when every day its reports allow for the execution "
                "falls in that month."
            )
            % {"year": year},
            periods,
        )

    # --- breakdowns ---

    def _in_year(self, year: int | None) -> tuple[list[Facts], int]:
        if year is None:
            return self.facts, 0
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        inside = [
            f
            for f in self.facts
            if f.date_start and f.date_end and start <= f.date_start and f.date_end <= end
        ]
        return inside, len(self.facts) - len(inside)

    def breakdown(self, dimension: str, year: int | None = None) -> Table:
        """Distinct victims by province, charge, gender, ethnicity or announcement."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}")
        facts, outside = self._in_year(year)
        labels = _labeller(dimension)
        counted = Counter(getattr(f, dimension) or "" for f in facts)
        rows = [
            Row(key or "unknown", labels(key), n)
            for key, n in sorted(counted.items(), key=lambda kv: (-kv[1], labels(kv[0])))
        ]
        period = (
            _("Executions in %(year)s (Gregorian calendar year; the whole reported date in it).")
            % {"year": year}
            if year
            else _("All dates, including victims without a date.")
        )
        return Table(
            kind=dimension,
            title=_("Executions documented by %(dimension)s")
            % {"dimension": str(DIMENSIONS[dimension]).lower()},
            dimension=str(DIMENSIONS[dimension]),
            period_definition=period,
            method=self.method(),
            as_of=self.as_of,
            linkage_run_id=self.run_id,
            rows=rows,
            total=len(facts),
            undated=outside,
            data_as_of=self.data_as_of,
        )

    # --- sources ---

    def coverage(self, year: int | None = None) -> dict[str, Any]:
        """Per source: victims documented, share of all, documented by it alone; and overlaps."""
        facts, _outside = self._in_year(year)
        names = sorted({s for f in facts for s in f.sources})
        total = len(facts)
        per_source = []
        for name in names:
            documented = sum(1 for f in facts if name in f.sources)
            alone = sum(1 for f in facts if f.sources == frozenset([name]))
            per_source.append(
                {
                    "source": name,
                    "documented": documented,
                    "share": round(documented * 100.0 / total, 1) if total else None,
                    "only_this_source": alone,
                }
            )
        overlap = [
            [sum(1 for f in facts if a in f.sources and b in f.sources) for b in names]
            for a in names
        ]
        by_number = Counter(len(f.sources) for f in facts)
        return {
            "total": total,
            "sources": per_source,
            "names": names,
            "overlap": overlap,
            "by_number_of_sources": sorted(by_number.items()),
            "period_definition": (
                _("Executions in %(year)s") % {"year": year} if year else _("All dates")
            ),
        }

    # --- estimates ---

    def capture_table(self, year: int | None = None, lists: Iterable[str] | None = None):
        """The capture-history table of the victims (one list per source)."""

        facts, _outside = self._in_year(year)
        return CaptureTable.from_source_sets(
            (f.sources for f in facts if f.sources), lists=list(lists) if lists else None
        )

    def linkage_uncertainty(self, year: int | None = None):
        """How sure the latest linkage was of the victims of the period: each report's
        membership probability and the review queue's pairs it did not join (see
        estimation.linkage_uncertainty). Decided pairs are certain; so are victims a person
        merged or split (their memberships carry no probability)."""

        facts, _outside = self._in_year(year)
        wanted = {f.id for f in facts if f.sources}
        org = self.organisation
        with scope(organisation=org):  # every query below is filtered by this organisation
            names = dict(Source.objects.filter(organisation=org).values_list("pk", "name"))
            memberships = (
                VictimMembership.objects.filter(organisation=org, victim__retired_at__isnull=True)
                .order_by("report_id")
                .values_list("report_id", "report__source_id", "victim_id", "probability")
            )
            rows = [
                (report_id, names.get(source_id, str(source_id)), victim_id, probability)
                for report_id, source_id, victim_id, probability in memberships
                if victim_id in wanted
            ]
            joins = []
            if self.run is not None:
                joins = list(
                    ReviewPair.objects.filter(
                        organisation=org, run=self.run, same_victim=False
                    ).values_list("report_a_id", "report_b_id", "probability")
                )
        return LinkageUncertainty.build(rows, joins)

    def clerical_sample(
        self, count: int, year: int | None = None, seed: int | None = None
    ) -> list[tuple[int, str]]:
        """A random sample for a clerical check of the linkage: up to `count` victims
        documented by one source and `count` of several reports, as (victim id, kind)."""

        facts, _outside = self._in_year(year)
        rng = random.Random(seed)
        one = sorted(f.id for f in facts if len(f.sources) == 1)
        reports = self._report_counts({f.id for f in facts})
        several = sorted(f.id for f in facts if reports.get(f.id, 0) > 1)
        return [(v, "one source") for v in rng.sample(one, min(count, len(one)))] + [
            (v, "several reports") for v in rng.sample(several, min(count, len(several)))
        ]

    def clerical_check(
        self, rows: Iterable[tuple[int, int | None, bool]], year: int | None = None
    ) -> ClericalCheck:
        """What a person found on checking victims by hand (victim, the victim it is the same
        person as or None, whether its reports are of several people), for the estimate's
        linkage draws; ValueError naming victims that are not current ones of the period."""

        facts, _outside = self._in_year(year)
        sources = {f.id: f.sources for f in facts}
        reports = self._report_counts(set(sources))
        unknown = sorted({v for row in rows for v in row[:2] if v is not None and v not in sources})
        if unknown:
            raise ValueError(
                _("These are not victims of the estimate's period: %(ids)s")
                % {"ids": ", ".join(map(str, unknown[:20]))}
            )
        one_source, several = [], []
        for victim, same_as, mixed in rows:
            if len(sources[victim]) == 1:
                partner = None if same_as is None else sources[same_as]
                one_source.append((next(iter(sources[victim])), partner))
            if reports.get(victim, 0) > 1:
                several.append(mixed)
        return ClericalCheck(tuple(one_source), tuple(several))

    def _report_counts(self, victims: set[int]) -> dict[int, int]:
        org = self.organisation
        with scope(organisation=org):  # filtered by this organisation
            counts = (
                VictimMembership.objects.filter(organisation=org, victim_id__in=victims)
                .values("victim_id")
                .annotate(n=Count("report_id"))
                .values_list("victim_id", "n")
            )
            return dict(counts)

    def page_estimate(
        self, year: int | None = None, *, sources: Iterable[str] | None = None
    ) -> EstimateSummary:
        """The estimate as pages, downloads and briefs show it (`web_estimate_options`), made
        once for each state of the organisation's records.

        With the linkage draws and the latent-class chains an estimate takes seconds (15 s for
        the demo's 3,000 reports): it is kept in Django's cache (bounded: LocMemCache's
        MAX_ENTRIES) under the organisation's audit chain position, which every audited write
        moves (an import, a linkage run, a review decision, a correction), with the scope, the
        year, the sources and the language of its notes.
        """
        options = web_estimate_options()
        if self._given_facts:
            return self.estimate(year, sources=sources, **options)
        key = self.estimate_key(year, sources=sources)
        summary = cache.get(key)
        if summary is None:
            summary = self.estimate(year, sources=sources, **options)
            cache.set(key, summary, ESTIMATE_SECONDS)
        return summary

    def estimate_key(self, year: int | None = None, *, sources: Iterable[str] | None = None) -> str:
        """The key `page_estimate` keeps its estimate under: this state of the organisation's
        records (its audit chain position), the scope, year, sources, language and options."""
        parts = [
            str(self.organisation.pk),
            str(chain_position(self.organisation.pk)),
            repr(self.scope),
            repr(year),
            "*" if sources is None else ",".join(sorted(sources)),
            get_language() or "",
            repr(sorted(web_estimate_options().items())),
        ]
        return "panah-estimate:" + hashlib.sha256("|".join(parts).encode()).hexdigest()

    def kept_estimate(self, key: str) -> EstimateSummary | None:
        """The estimate kept under `key` in this process, if any (nothing is computed)."""
        return cache.get(key)

    def keep_estimate(self, key: str, summary: EstimateSummary) -> None:
        """Keep an estimate made elsewhere (by the background worker) under `key`."""
        cache.set(key, summary, ESTIMATE_SECONDS)

    def estimate(
        self,
        year: int | None = None,
        *,
        sources: Iterable[str] | None = None,
        methods: tuple[str, ...] = ("loglinear", "lcmcr", "bma"),
        level: float = 0.95,
        seed: int = 2016,
        lcmcr_options: dict[str, Any] | None = None,
        linkage_draws: int | None = None,
        clerical_check: ClericalCheck | None = None,
    ) -> EstimateSummary:
        """Multiple systems estimation of everyone executed, documented or not, in the period,
        each model also with an interval that carries the linkage's uncertainty (unless
        `linkage_draws` is 0); `sources` (names) chooses the lists that enter it (by default
        every source); with `clerical_check` the linkage draws take its error rates in place of
        the linker's probabilities."""

        facts, _outside = self._in_year(year)
        seen = {s for f in facts for s in f.sources}
        lists = sorted(seen if sources is None else seen & set(sources))
        if len(lists) < 2:
            raise ValueError(_("An estimate needs victims documented by at least two sources."))
        table = self.capture_table(year, lists=lists if sources is not None else None)
        draws = LINKAGE_DRAWS if linkage_draws is None else linkage_draws
        report = estimate_all(
            table,
            methods=methods,
            level=level,
            seed=seed,
            lcmcr_options=lcmcr_options,
            linkage=self.linkage_uncertainty(year).with_check(clerical_check) if draws else None,
            linkage_draws=draws,
        )
        return EstimateSummary(
            period_definition=(
                _("Executions in %(year)s (Gregorian calendar year)") % {"year": year}
                if year
                else _("All dates")
            ),
            as_of=self.as_of,
            linkage_run_id=self.run_id,
            lists=list(report.lists),
            documented=report.observed,
            estimates=[
                {
                    "name": model_name(e.name),
                    "method": e.method,
                    "estimate": float(e.estimate),
                    "low": None if e.low is None else float(e.low),
                    "high": None if e.high is None else float(e.high),
                    "level": e.level,
                    "interval": e.interval,
                    "selected_by": list(e.selected_by),
                    "with_linkage": e.with_linkage,
                }
                for e in report.estimates
            ],
            skipped=[{"name": s.name, "reason": s.reason} for s in report.skipped][:20],
            notes=list(report.notes),
            warning=warning_text(),
            capture_rows=table.as_rows(),
            linkage=report.linkage,
        )


def _labeller(dimension: str):
    choices = {
        "charge": dict(ChargeCategory.choices),
        "gender": dict(Gender.choices),
        "announced": dict(Announced.choices),
    }.get(dimension, {})

    def label(key: str) -> str:
        if not key or key == "unknown":
            return str(choices.get("unknown", _("Not known"))) if choices else _("Not known")
        return str(choices.get(key, key))

    return label


def victims_per_source(organisation: Organisation) -> dict[str, int]:
    """How many current victims each source documented (for a quick overview)."""
    return dict(
        VictimMembership.objects.filter(organisation=organisation, victim__retired_at__isnull=True)
        .values_list("report__source__name")
        .annotate(n=Count("victim", distinct=True))
        .values_list("report__source__name", "n")
    )


# --- Disclosure control for figures that leave the organisation ---------------------------------


def protect_table(table: dict[str, Any], threshold: int) -> dict[str, Any]:
    """A table (as Table.as_dict gives it) with every count below the threshold suppressed.

    A suppressed value is stored as None (shown as "< threshold"). In months and breakdowns,
    whose total is published too (as the year's count), a second cell is hidden when one
    alone could be recovered by subtraction; the years have no published total. A percentage
    change next to a suppressed count is suppressed too.
    """
    rows = table["rows"]
    values = {r["key"]: int(r["value"]) for r in rows if r["value"] is not None}
    cells = disclosure.suppress(values, with_total=table["kind"] != "year", minimum=threshold)
    imprecise = disclosure.suppress(
        {r["key"]: int(r.get("imprecise") or 0) for r in rows}, minimum=threshold
    )
    previous = None
    out_rows = []
    for r in rows:
        value = cells[r["key"]].value if r["value"] is not None else None
        # A change beside a hidden count (here or the row before) would reveal it.
        change = None if value is None or (out_rows and previous is None) else r.get("change")
        out_rows.append(
            {**r, "value": value, "imprecise": imprecise[r["key"]].value, "change": change}
        )
        previous = value
    total = table.get("total")
    undated = table.get("undated")
    return {
        **table,
        "rows": out_rows,
        "total": disclosure.suppressed_total({"t": total or 0}, minimum=threshold).value,
        "undated": disclosure.suppress({"u": undated or 0}, minimum=threshold)["u"].value,
        "threshold": threshold,
    }


def protect_estimate(estimate: dict[str, Any], threshold: int) -> dict[str, Any] | None:
    """The estimate, unless it rests on fewer documented people than the threshold."""
    if estimate["documented"] < threshold:
        return None
    capture = disclosure.suppress(
        {i: row["count"] for i, row in enumerate(estimate["capture_rows"])}, minimum=threshold
    )
    rows = [{**row, "count": capture[i].value} for i, row in enumerate(estimate["capture_rows"])]
    return {**estimate, "capture_rows": rows, "threshold": threshold}
