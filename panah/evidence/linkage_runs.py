"""Linking an organisation's reports into victims, and people's review decisions on the result.

`run_linkage` reads every report (excluded ones aside), links them with the Splink model of
panah.evidence.linkage, and replaces the victims whose reports changed: a victim whose set of
reports is the same as before keeps its id, so the history stays small and readable. People's
decisions (ReviewDecision) are passed to the linkage as confirmed matches and splits, so no run
ever undoes one. `decide_pair` records a decision and applies it to the victims at once
(a merge or a split, with who, when and why in MergeSplitEvent).

The audit trail gets ids and counts only, never a name.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics as pystats
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.db import bulk_write_cache, collector_paused, insert_rows
from panah.core.models import Organisation, User

from .linkage import ConflictingDecisions, cluster, link_reports, prepare_reports, score_all_pairs
from .linkage.places import province_code
from .linkage.timing import Stopwatch
from .models import (
    Announced,
    ChargeCategory,
    DatePrecision,
    Gender,
    LinkageRun,
    MergeSplitEvent,
    Report,
    ReviewDecision,
    ReviewPair,
    Verification,
    Victim,
    VictimMembership,
)
from .normalise import canonical_text, display_text
from .reference import ETHNICITIES, PROVINCES
from .synthetic import generate

# Below this many reports EM has too few pairs to learn from: the starter model is used.
MIN_TRAIN_REPORTS = 500
STARTER_REPORTS = 4000
STARTER_SEED = 11
# The comparisons of the model, in the order the review page shows them.
COMPARISONS = ("given", "surname", "father", "date", "age", "place", "charge", "gender")
REPORT_COLUMNS = (
    "id", "source_id", "source_reference", "name_as_written", "name_canonical", "name_key",
    "father_name", "age", "gender", "ethnicity", "nationality", "province", "city", "prison",
    "charge_category", "date_start", "date_end", "date_precision", "announced", "verification",
    "identity_confirmed",
)  # fmt: skip
PRECISION_ORDER = {
    DatePrecision.DAY: 0,
    DatePrecision.RANGE: 1,
    DatePrecision.MONTH: 2,
    DatePrecision.YEAR: 3,
    DatePrecision.UNKNOWN: 4,
}


class LinkageRefused(Exception):
    """The linkage cannot run (for instance people's decisions contradict each other)."""


# --- Places and groups as counted ----------------------------------------------------------------

_PROVINCE_NAMES = {
    line.split("|")[0]: line.split("|")[1] for line in PROVINCES.strip().splitlines()
}
_ETHNICITY_ALIASES = {
    "persian": ("fars", "farsi"),
    "baluch": ("baloch", "balouch", "baluchi", "balochi", "بلوچی"),
    "kurd": ("kurdish", "kord", "کورد"),
    "turk": ("turkish", "azeri", "azerbaijani", "ترک آذری", "آذری"),
    "lor": ("lur", "luri", "lori"),
    "arab": ("arabic", "ahwazi", "عرب اهوازی"),
    "afghan": ("afghanistani", "افغانستانی"),
}
_ETHNICITY_NAMES: dict[str, str] = {}
for _code, (_en, _fa, _share, _tag) in ETHNICITIES.items():
    for _alias in (_code, _en, _fa, *_ETHNICITY_ALIASES.get(_code, ())):
        _ETHNICITY_NAMES[canonical_text(_alias)] = _en


@lru_cache(maxsize=4096)  # a few hundred distinct values, read once per report of a run
def province_label(text: str) -> str:
    """One name per province whichever script or spelling a report used (English for the 31)."""
    code = province_code(text)
    if code is None:
        return ""
    return _PROVINCE_NAMES.get(code) or display_text(text).strip()


@lru_cache(maxsize=4096)
def ethnicity_label(text: str) -> str:
    """One name per ethnic group whichever script a report used; other values as written."""
    clean = canonical_text(text)
    if not clean:
        return ""
    return _ETHNICITY_NAMES.get(clean) or display_text(text).strip()


# --- The canonical record of a victim -------------------------------------------------------------


def _most_common(values: Sequence[Any], skip: tuple[Any, ...] = ("",)) -> Any:
    # Called for every field of every new victim (a dict, not a Counter: most victims have
    # one or two reports, and a victim of one report, two in five, needs no counting).
    if len(values) == 1:
        value = values[0]
        return None if value is None or value in skip else value
    if len(values) == 2:  # most victims of several reports: equal, or a tie the first wins
        first, second = values
        if first is not None and first not in skip:
            return first
        return None if second is None or second in skip else second
    counted: dict[Any, int] = {}
    for v in values:
        if v is not None and v not in skip:
            counted[v] = counted.get(v, 0) + 1
    if len(counted) <= 1:
        return next(iter(counted), None)
    # Ties go to the value seen first (reports are given in a stable order).
    best = max(counted.values())
    return next(v for v in counted if counted[v] == best)


_REPORT_ID = itemgetter("id")


def canonical_record(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """A victim's record from its reports: the most common value of each field, the most
    precise date, and the strongest verification and announcement any report gives."""
    if len(reports) == 1 and (reports[0]["name_canonical"] or not reports[0]["name_as_written"]):
        return _record_of_one(reports[0])
    if len(reports) > 1:
        reports = sorted(reports, key=_REPORT_ID)
    named = [r for r in reports if r["name_as_written"]]
    name_report = None
    if named:
        best_name = _most_common([r["name_canonical"] for r in named])
        name_report = next(r for r in named if r["name_canonical"] == best_name)
    ages = [r["age"] for r in reports if r["age"] is not None]
    dated = [r for r in reports if r["date_start"] is not None]
    date_start = date_end = None
    precision = DatePrecision.UNKNOWN
    if dated:
        sharpest = min(PRECISION_ORDER.get(r["date_precision"], 4) for r in dated)
        candidates = [r for r in dated if PRECISION_ORDER.get(r["date_precision"], 4) == sharpest]
        span = _most_common([(r["date_start"], r["date_end"]) for r in candidates])
        date_start, date_end = span
        precision = candidates[0]["date_precision"]
        for r in candidates:
            if (r["date_start"], r["date_end"]) == span:
                precision = r["date_precision"]
                break
    # Each field's values in one pass over the reports, not a list built for each field.
    (father, gender, ethnicity, nationality, province, city, prison, charge, announcements,
     verifications, confirmed) = (
        zip(*map(_RECORD_VALUES, reports), strict=True) if reports else [()] * 11
    )  # fmt: skip
    announced = (
        Announced.YES
        if Announced.YES in announcements
        else Announced.NO
        if Announced.NO in announcements
        else Announced.UNKNOWN
    )
    return {
        "name": name_report["name_as_written"] if name_report else "",
        "name_canonical": name_report["name_canonical"] if name_report else "",
        "name_key": name_report["name_key"] if name_report else "",
        "father_name": _most_common(father) or "",
        "age": round(pystats.median(ages)) if ages else None,
        "gender": _most_common(gender, skip=("", Gender.UNKNOWN)) or Gender.UNKNOWN,
        "ethnicity": _most_common(list(map(ethnicity_label, ethnicity))) or "",
        "nationality": _most_common(nationality) or "",
        "province": _most_common(list(map(province_label, province))) or "",
        "city": _most_common(city) or "",
        "prison": _most_common(prison) or "",
        "charge_category": _most_common(charge, skip=("", ChargeCategory.UNKNOWN))
        or ChargeCategory.UNKNOWN,
        "date_start": date_start,
        "date_end": date_end,
        "date_precision": precision,
        "announced": announced,
        "verification": Verification.CONFIRMED
        if Verification.CONFIRMED in verifications
        else Verification.UNVERIFIED,
        "identity_confirmed": any(confirmed),
    }


_RECORD_VALUES = itemgetter(
    "father_name", "gender", "ethnicity", "nationality", "province", "city", "prison",
    "charge_category", "announced", "verification", "identity_confirmed",
)  # fmt: skip


def _record_of_one(r: dict[str, Any]) -> dict[str, Any]:
    # What canonical_record gives for a victim of a single report (two in five of a run's
    # new victims), without building a list and counting it for each of 18 fields.
    named = bool(r["name_as_written"])
    dated = r["date_start"] is not None
    gender, charge = r["gender"], r["charge_category"]
    return {
        "name": r["name_as_written"] if named else "",
        "name_canonical": r["name_canonical"] if named else "",
        "name_key": r["name_key"] if named else "",
        "father_name": r["father_name"] or "",
        "age": None if r["age"] is None else round(r["age"]),
        "gender": gender if gender and gender != Gender.UNKNOWN else Gender.UNKNOWN,
        "ethnicity": ethnicity_label(r["ethnicity"]) or "",
        "nationality": r["nationality"] or "",
        "province": province_label(r["province"]) or "",
        "city": r["city"] or "",
        "prison": r["prison"] or "",
        "charge_category": charge
        if charge and charge != ChargeCategory.UNKNOWN
        else ChargeCategory.UNKNOWN,
        "date_start": r["date_start"] if dated else None,
        "date_end": r["date_end"] if dated else None,
        "date_precision": r["date_precision"] if dated else DatePrecision.UNKNOWN,
        "announced": Announced.YES
        if r["announced"] == Announced.YES
        else Announced.NO
        if r["announced"] == Announced.NO
        else Announced.UNKNOWN,
        "verification": Verification.CONFIRMED
        if r["verification"] == Verification.CONFIRMED
        else Verification.UNVERIFIED,
        "identity_confirmed": bool(r["identity_confirmed"]),
    }


# --- Reading reports and decisions ----------------------------------------------------------------


def linked_reports(organisation: Organisation) -> list[dict[str, Any]]:
    """The reports the linkage reads: every report of the organisation except excluded ones."""
    return list(
        Report.objects.filter(organisation=organisation)
        .exclude(verification=Verification.EXCLUDED)
        .order_by("pk")
        .values(*REPORT_COLUMNS)
    )


def current_decisions(organisation: Organisation) -> tuple[list[tuple], list[tuple]]:
    """People's decisions in force: (confirmed matches, confirmed splits) as report-id pairs."""
    must: list[tuple] = []
    cannot: list[tuple] = []
    for a, b, decision in ReviewDecision.objects.filter(
        organisation=organisation, superseded_at__isnull=True
    ).values_list("report_a_id", "report_b_id", "decision"):
        (must if decision == ReviewDecision.Decision.MATCH else cannot).append((a, b))
    return must, cannot


# The columns of a report prepare_reports reads (with `source`, made from source_id below).
PREPARED_COLUMNS = (
    "id", "source_id", "name_as_written", "father_name", "age", "gender", "province", "city",
    "charge_category", "date_start", "date_end",
)  # fmt: skip


def _frame(reports: list[dict[str, Any]]):
    import pandas as pd  # noqa: PLC0415 (pandas is slow to import; only this path needs it)

    # Only what the model is prepared from: a column of 100,000 values costs as much to
    # take from the reports as it does to prepare (the other ten: 0.17 s at 100k).
    frame = pd.DataFrame(reports, columns=list(PREPARED_COLUMNS))
    frame = frame.rename(columns={"id": "report_id"})
    # Unknown is not a value two reports can agree on.
    frame["charge_category"] = frame["charge_category"].where(
        frame["charge_category"] != ChargeCategory.UNKNOWN, None
    )
    for column in ("name_as_written", "father_name", "province", "city"):
        frame[column] = frame[column].where(frame[column] != "", None)
    frame["age"] = frame["age"].astype("float64")
    frame["source"] = frame["source_id"]  # two reports of one source on one day are suspect
    return frame


# --- The model used ---------------------------------------------------------------------------------


def linkage_dir() -> Path:
    """Where trained models are kept (one per organisation)."""
    return Path(getattr(settings, "EVIDENCE_LINKAGE_DIR", settings.VAR_DIR / "linkage"))


def organisation_model_path(organisation: Organisation) -> Path:
    """The organisation's own trained model."""
    return linkage_dir() / f"model-org-{organisation.pk}.json"


def starter_model_path() -> Path:
    """A model trained on synthetic reports, for organisations with too few reports to train."""
    return Path(
        getattr(settings, "EVIDENCE_STARTER_MODEL", None) or linkage_dir() / "starter-model.json"
    )


def ensure_starter_model(progress: Callable[[str], None] | None = None) -> Path:
    """Train the starter model on synthetic reports once (a few seconds) and keep it."""
    path = starter_model_path()
    if path.exists():
        return path
    import numpy as np  # noqa: PLC0415 (numpy is slow to import; only this path needs it)

    say = progress or (lambda _msg: None)
    say(f"training the starter model on {STARTER_REPORTS:,} synthetic reports")
    data = generate(n_reports=STARTER_REPORTS, seed=STARTER_SEED)
    prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
    prepared["unique_id"] = np.arange(len(prepared))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.json")
    link_reports(prepared, model_path=tmp, retrain=True, threads=1, seed=STARTER_SEED)
    tmp.replace(path)  # atomic: a concurrent run never reads half a file
    return path


def _choose_model(
    organisation: Organisation, n_reports: int, retrain: bool, say: Callable[[str], None]
) -> tuple[Path, bool, str]:
    """(model path, train on the data?, how the model was chosen)."""
    own = organisation_model_path(organisation)
    if n_reports >= MIN_TRAIN_REPORTS and (retrain or not own.exists()):
        return own, True, "trained on this organisation's reports (EM)"
    if own.exists():
        return own, False, "this organisation's saved model"
    return (
        ensure_starter_model(say),
        False,
        f"starter model trained on synthetic reports (fewer than {MIN_TRAIN_REPORTS} reports "
        "to train on)",
    )


# --- Running the linkage ------------------------------------------------------------------------------


@dataclass
class _Outcome:
    clusters: Any  # DataFrame: unique_id, cluster_id
    pairs: Any  # DataFrame: unique_id_l, unique_id_r, match_probability
    uncertain: Any
    model: dict[str, Any]
    threshold: float
    must: set[tuple]  # the decisions the clusters were made with
    cannot: set[tuple]
    unnamed: list[int]  # reports that may only attach to a victim, never bridge two
    dates: Any = None  # DataFrame by unique_id: day_lo, day_hi (the clustering's date rule)


@collector_paused()
def run_linkage(
    *,
    organisation: Organisation,
    by: User | None = None,
    request: HttpRequest | None = None,
    retrain: bool = False,
    threshold: float = 0.8,
    review_band: tuple[float, float] = (0.2, 0.9),
    threads: int | None = None,
    backend: str = "duckdb",
    progress: Callable[[str], None] | None = None,
) -> LinkageRun:
    """Link the organisation's reports into victims, keeping every confirmed match and split.

    Victims whose reports are unchanged keep their id; the others are retired and replaced,
    and the change is written to the merge/split history. The review queue is replaced by the
    run's undecided pairs of the review band. A failure leaves the victims as they were and
    the run marked failed (with the reason) before the exception goes on.
    """
    say = progress or (lambda _msg: None)
    if not 0 < threshold <= 1 or not 0 <= review_band[0] <= review_band[1] <= 1:
        raise ValueError("the threshold and the review band must be probabilities")
    run = LinkageRun.objects.create(
        organisation=organisation,
        started_by=by,
        backend=backend,
        parameters={
            "threshold": threshold,
            "review_band": list(review_band),
            "retrain": retrain,
            "threads": threads,
        },
    )
    clock = Stopwatch()
    try:
        reports = linked_reports(organisation)
        must, cannot = current_decisions(organisation)
        clock.lap("read")
        say(f"{len(reports):,} reports to link, {len(must) + len(cannot):,} decisions kept")
        outcome = None
        if reports:
            outcome = _link(
                organisation, run, reports, must, cannot, retrain=retrain, threshold=threshold,
                review_band=review_band, threads=threads, backend=backend, say=say, clock=clock,
            )  # fmt: skip
        with transaction.atomic(), bulk_write_cache():
            _lock(organisation)
            created, retired = _apply(organisation, run, reports, outcome, by)
            clock.lap("write_victims")
            queued = _store_queue(organisation, run, outcome)
            clock.lap("write_queue")
            run.status = LinkageRun.Status.FINISHED
            run.finished_at = timezone.now()
            run.report_count = len(reports)
            run.pair_count = 0 if outcome is None else len(outcome.pairs)
            run.review_count = queued
            run.victim_count = Victim.objects.filter(
                organisation=organisation, retired_at__isnull=True
            ).count()
            # Wall and CPU seconds of each step (link_* the linkage's own: train, predict, cluster).
            run.parameters = {
                **run.parameters,
                "timings": {**run.parameters.get("timings", {}), **clock.total()},
            }
            run.save()
            audit.record(
                "evidence.linkage_finished",
                organisation=organisation,
                actor=by,
                obj=run,
                request=request,
                data={
                    "reports": run.report_count,
                    "victims": run.victim_count,
                    "created": created,
                    "retired": retired,
                    "review": queued,
                },
            )
        say(
            f"{run.victim_count:,} victims ({created:,} new or changed, {retired:,} retired), "
            f"{queued:,} pairs to review"
        )
    except Exception as exc:
        run.status = LinkageRun.Status.FAILED
        run.finished_at = timezone.now()
        run.notes = (run.notes + "\n" if run.notes else "") + f"failed: {exc}"[:2000]
        run.save(update_fields=["status", "finished_at", "notes"])
        with transaction.atomic():
            audit.record(
                "evidence.linkage_failed",
                organisation=organisation,
                actor=by,
                obj=run,
                request=request,
                data={"error": type(exc).__name__},
            )
        raise
    return run


def _link(
    organisation, run, reports, must, cannot, *, retrain, threshold, review_band, threads,
    backend, say, clock,
) -> _Outcome:  # fmt: skip

    prepared = prepare_reports(_frame(reports), id_column="report_id")
    clock.lap("prepare")
    path, train, how = _choose_model(organisation, len(reports), retrain, say)
    # Read before training overwrites it: the model to fall back on if training fails.
    saved = json.loads(path.read_text(encoding="utf-8")) if train and path.exists() else None
    fallback_how = ""

    def fallback() -> dict[str, Any]:
        nonlocal fallback_how
        if saved is not None:
            fallback_how = "this organisation's saved model"
            return saved
        fallback_how = "the starter model trained on synthetic reports"
        return json.loads(ensure_starter_model(say).read_text(encoding="utf-8"))

    try:
        result = link_reports(
            prepared, model_path=path, retrain=train, backend=backend, threads=threads,
            threshold=threshold, review_band=review_band, must_link=must, cannot_link=cannot,
            progress=say, fallback_model=fallback,
        )  # fmt: skip
    except ConflictingDecisions as exc:
        raise LinkageRefused(str(exc)) from exc
    clock.lap("link")
    if result.model_used == "fallback":
        how = f"{fallback_how} (training on this organisation's reports failed)"
    elif result.model_used == "trained, repaired":
        how += "; repaired where training could not estimate"
        if fallback_how:
            how += f", with {fallback_how}"
    run.model = result.model
    run.parameters = {
        **run.parameters,
        "model": how,
        "model_used": result.model_used,
        "model_notes": result.notes,
        "timings": {f"link_{step}": spent for step, spent in result.timings.items()},
    }
    run.notes = _("Model: %(how)s.") % {"how": how}
    if result.notes:
        run.notes += " " + "; ".join(result.notes) + "."
    unnamed = prepared.loc[prepared["surname"].isna(), "unique_id"].tolist()
    dates = prepared.set_index("unique_id")[["day_lo", "day_hi"]]
    return _Outcome(
        result.clusters, result.pairs, result.uncertain, result.model, threshold,
        set(must), set(cannot), unnamed, dates,
    )  # fmt: skip


def recluster(outcome: _Outcome, must: list[tuple], cannot: list[tuple]) -> Any:
    """The run's clusters made again with today's decisions, under the same date rule as the run."""
    ids = outcome.clusters["unique_id"]
    dates = None
    if outcome.dates is not None:
        by_report = outcome.dates.reindex(ids.tolist())
        dates = (by_report["day_lo"], by_report["day_hi"])
    try:
        return cluster(
            ids, outcome.pairs, outcome.threshold, must, cannot,
            attach_only=outcome.unnamed, dates=dates,
        )  # fmt: skip
    except ConflictingDecisions as exc:
        raise LinkageRefused(str(exc)) from exc


def _lock(organisation: Organisation) -> None:
    """Serialise changes to one organisation's victims (runs and review decisions)."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()


def _apply(
    organisation: Organisation,
    run: LinkageRun,
    reports: list[dict[str, Any]],
    outcome: _Outcome | None,
    by: User | None,
) -> tuple[int, int]:
    """Replace the victims whose reports changed; returns (created, retired)."""
    groups: dict[Any, list[int]] = defaultdict(list)
    probability: dict[int, float] = {}
    if outcome is not None:
        clusters = outcome.clusters
        must, cannot = current_decisions(organisation)
        if (set(must), set(cannot)) != (outcome.must, outcome.cannot):
            # Someone decided while the model ran: cluster again (cheap) so it holds too.
            clusters = recluster(outcome, must, cannot)
        for report_id, cluster_id in zip(
            clusters["unique_id"].tolist(), clusters["cluster_id"].tolist(), strict=True
        ):
            groups[cluster_id].append(int(report_id))
        probability = _membership_probabilities(clusters, outcome.pairs)
    wanted = {frozenset(ids): ids for ids in groups.values()}

    current: dict[int, set[int]] = defaultdict(set)
    for victim_id, report_id in VictimMembership.objects.filter(
        organisation=organisation, victim__retired_at__isnull=True
    ).values_list("victim_id", "report_id"):
        current[victim_id].add(report_id)
    for victim_id in Victim.objects.filter(
        organisation=organisation, retired_at__isnull=True, memberships__isnull=True
    ).values_list("pk", flat=True):
        current[victim_id] = set()
    kept = {frozenset(ids) for ids in current.values()} & set(wanted)
    retire = [v for v, ids in current.items() if frozenset(ids) not in kept]
    create = [ids for key, ids in wanted.items() if key not in kept]

    now = timezone.now()
    if retire:
        Victim.objects.filter(pk__in=retire).update(retired_at=now, retired_by_run=run)
    by_id = {r["id"]: r for r in reports}
    records = [canonical_record([by_id[i] for i in ids]) for ids in create]
    new_ids = _insert_victims(organisation, run, now, records)
    insert_rows(
        VictimMembership,
        ("organisation_id", "victim_id", "report_id", "run_id", "probability", "created_at"),
        [
            (organisation.pk, victim_id, report_id, run.pk, probability.get(report_id), now)
            for victim_id, ids in zip(new_ids, create, strict=True)
            for report_id in ids
        ],
    )
    if retire or new_ids:
        MergeSplitEvent.objects.create(
            organisation=organisation,
            kind=MergeSplitEvent.Kind.LINKAGE,
            at=now,
            by=by,
            run=run,
            reason=_("Linkage run %(run)s") % {"run": run.pk},
            victims_before=sorted(retire),
            victims_after=new_ids,
        )
    return len(new_ids), len(retire)


# The fields of a victim that canonical_record gives.
VICTIM_RECORD_FIELDS = (
    "name", "name_canonical", "name_key", "father_name", "age", "gender", "ethnicity",
    "nationality", "province", "city", "prison", "charge_category", "date_start", "date_end",
    "date_precision", "announced", "verification", "identity_confirmed",
)  # fmt: skip


def _insert_victims(
    organisation: Organisation, run: LinkageRun, now: dt.datetime, records: list[dict[str, Any]]
) -> list[int]:
    """Insert a run's new victims (tens of thousands: see core.db.insert_rows) and return
    their ids in the order of `records`."""
    insert_rows(
        Victim,
        ("organisation_id", "created_at", "created_by_run_id", *VICTIM_RECORD_FIELDS),
        [
            (organisation.pk, now, run.pk, *[record[f] for f in VICTIM_RECORD_FIELDS])
            for record in records
        ],
    )
    # A run's victims are created only here (under the organisation's lock), one insert after
    # the other, so their ids follow the order of the records; checked on three fields.
    checked = ("name_canonical", "date_start", "age")
    created = list(
        Victim.objects.filter(organisation=organisation, created_by_run=run)
        .order_by("pk")
        .values_list("pk", *checked)
    )
    if [row[1:] for row in created] != [tuple(r[f] for f in checked) for r in records]:
        raise RuntimeError("the new victims were not read back in the order they were written")
    return [row[0] for row in created]


def _membership_probabilities(clusters, pairs) -> dict[int, float]:
    """Each report's best match probability with another report of its victim."""
    if pairs is None or not len(pairs):
        return {}
    victim = dict(zip(clusters["unique_id"].tolist(), clusters["cluster_id"].tolist(), strict=True))
    best: dict[int, float] = {}
    for left, right, p in zip(
        pairs["unique_id_l"].tolist(),
        pairs["unique_id_r"].tolist(),
        pairs["match_probability"].tolist(),
        strict=True,
    ):
        if victim.get(left) is not None and victim.get(left) == victim.get(right):
            for report_id in (int(left), int(right)):
                if p > best.get(report_id, -1.0):
                    best[report_id] = float(p)
    return best


def _level_tables(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """For each comparison, the match weight of each of its levels and the level's label."""

    tables: dict[str, list[tuple[float, str]]] = {}
    for comparison in model.get("comparisons", []):
        levels = []
        for level in comparison.get("comparison_levels", []):
            label = level.get("label_for_charts", "")
            if level.get("is_null_level"):
                levels.append((0.0, label))
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if m and u:
                levels.append((math.log2(m / u), label))
        tables[comparison["output_column_name"]] = levels
    return tables


def _evidence(uncertain: Any, levels: dict[str, list[tuple[float, str]]]) -> list[list[dict]]:
    """For each pair of `uncertain` (a DataFrame with Splink's mw_* columns), each
    comparison's level, match weight and the part of it due to the value's rarity."""
    # Column by column: a comparison's weight takes a handful of values, so its label is
    # looked up once per value, not for each of the queue's tens of thousands of pairs.
    n = len(uncertain)
    evidence: list[list[dict]] = [[] for _ in range(n)]
    for name in COMPARISONS:
        if f"mw_{name}" not in uncertain:
            continue
        weights = uncertain[f"mw_{name}"].tolist()
        tfs = (
            uncertain[f"mw_tf_adj_{name}"].tolist()
            if f"mw_tf_adj_{name}" in uncertain
            else [None] * n
        )
        options = levels.get(name, [])
        labels: dict[float, str] = {}
        for out, weight, tf in zip(evidence, weights, tfs, strict=True):
            if weight is None or weight != weight:  # NaN
                continue
            tf = 0.0 if tf is None or tf != tf else float(tf)
            label = labels.get(weight)
            if label is None:
                label = ""
                if options:
                    closest = min(options, key=lambda level: abs(level[0] - weight))
                    if abs(closest[0] - weight) < 1e-6:
                        label = closest[1]
                labels[weight] = label
            out.append(
                {
                    "comparison": name,
                    "level": label,
                    "weight": round(float(weight), 3),
                    "tf": round(tf, 3),
                }
            )
    return evidence


def _store_queue(organisation: Organisation, run: LinkageRun, outcome: _Outcome | None) -> int:
    """Replace the review queue by this run's undecided pairs of the review band."""
    ReviewPair.objects.filter(organisation=organisation).exclude(run=run).delete()
    if outcome is None or not len(outcome.uncertain):
        return 0
    must, cannot = current_decisions(organisation)
    decided = set(must) | set(cannot)
    uncertain = outcome.uncertain
    n = len(uncertain)

    def column(name: str) -> list:
        return uncertain[name].tolist() if name in uncertain else [None] * n

    pairs = []
    for left, right, probability, weight, evidence, same, reasons in zip(
        column("unique_id_l"), column("unique_id_r"), column("match_probability"),
        column("match_weight"), _evidence(uncertain, _level_tables(outcome.model)),
        column("same_victim"), column("reasons"), strict=True,
    ):  # fmt: skip
        a, b = sorted((int(left), int(right)))
        if (a, b) in decided:
            continue
        pairs.append(
            (
                organisation.pk, run.pk, a, b, float(probability), float(weight), evidence,
                bool(same), list(reasons or []),
            )
        )  # fmt: skip
    insert_rows(
        ReviewPair,
        ("organisation_id", "run_id", "report_a_id", "report_b_id", "probability",
         "match_weight", "evidence", "same_victim", "reasons"),
        pairs,
    )  # fmt: skip
    return len(pairs)


# --- Review decisions ---------------------------------------------------------------------------------


def current_victim_of(report_ids: Iterable[int]) -> dict[int, int]:
    """The current victim of each report that has one."""
    return dict(
        VictimMembership.objects.filter(
            report_id__in=list(report_ids), victim__retired_at__isnull=True
        ).values_list("report_id", "victim_id")
    )


class _Components:
    """Union-find over report ids (for chains of confirmed matches)."""

    def __init__(self, pairs: Iterable[tuple[int, int]] = ()):
        self.parent: dict[int, int] = {}
        for a, b in pairs:
            self.union(a, b)

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@transaction.atomic
def decide_pair(
    *,
    organisation: Organisation,
    report_a: Report,
    report_b: Report,
    decision: str,
    reason: str,
    by: User,
    pair: ReviewPair | None = None,
    request: HttpRequest | None = None,
) -> ReviewDecision:
    """Record that two reports are the same person or two people, and apply it to the victims.

    A match merges their victims; a split separates them (each report keeps the reports tied
    to it by confirmed matches or the same name). The decision replaces an earlier one on the
    same pair and is taken as given by every later linkage run. A decision that contradicts
    others (a split between reports chained by confirmed matches, or a merge that would join a
    confirmed split) is refused with ValidationError.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the reason is kept with the decision."))
    if decision not in ReviewDecision.Decision.values:
        raise ValidationError(_("Unknown decision."))
    if report_a.pk == report_b.pk:
        raise ValidationError(_("A report cannot be compared with itself."))
    if report_a.organisation_id != organisation.pk or report_b.organisation_id != organisation.pk:
        raise ValidationError(_("Both reports must belong to this organisation."))
    if report_a.pk > report_b.pk:
        report_a, report_b = report_b, report_a
    _lock(organisation)
    a, b = report_a.pk, report_b.pk
    previous = (
        ReviewDecision.objects.select_for_update()
        .filter(organisation=organisation, report_a=report_a, report_b=report_b)
        .filter(superseded_at__isnull=True)
        .first()
    )
    must, cannot = current_decisions(organisation)
    must = [p for p in must if p != (a, b)]
    cannot = [p for p in cannot if p != (a, b)]
    victim_of = current_victim_of([a, b])
    va, vb = victim_of.get(a), victim_of.get(b)

    if decision == ReviewDecision.Decision.NON_MATCH:
        if _chained(must, a, b):
            raise ValidationError(
                _(
                    "Confirmed matches already tie these two reports together; change one of "
                    "those decisions first."
                )
            )
    else:
        components = _Components([*must, (a, b)])
        for x, y in cannot:
            if components.find(x) == components.find(y):
                raise ValidationError(
                    _(
                        "Confirmed matches would then join two reports that a confirmed split "
                        "keeps apart (reports %(x)s and %(y)s); change one of those decisions first."
                    )
                    % {"x": x, "y": y}
                )

    now = timezone.now()
    if previous is not None:
        # Retired first: only one current decision per pair may exist at any moment.
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    made = ReviewDecision.objects.create(
        organisation=organisation,
        report_a=report_a,
        report_b=report_b,
        decision=decision,
        reason=reason,
        decided_by=by,
        decided_at=now,
        run=pair.run if pair else None,
        probability=pair.probability if pair else None,
    )
    if previous is not None:
        previous.superseded_by = made
        previous.save(update_fields=["superseded_by"])

    event = None
    if decision == ReviewDecision.Decision.MATCH and va and vb and va != vb:
        event = _merge(
            organisation, [va, vb], [*must, (a, b)], cannot, reason=reason, by=by, at=now
        )
    elif decision == ReviewDecision.Decision.NON_MATCH and va and va == vb:
        event = _split(organisation, va, a, b, must, cannot, reason=reason, by=by, at=now)
    ReviewPair.objects.filter(
        organisation=organisation, report_a=report_a, report_b=report_b
    ).delete()
    audit.record(
        "evidence.review_decided",
        organisation=organisation,
        actor=by,
        obj=made,
        request=request,
        data={
            "decision": decision,
            "reports": [a, b],
            "superseded": previous.pk if previous else None,
            "event": event.pk if event else None,
            "victims_before": event.victims_before if event else [],
            "victims_after": event.victims_after if event else [],
        },
    )
    return made


def _chained(must: list[tuple[int, int]], a: int, b: int) -> bool:
    components = _Components(must)
    return components.find(a) == components.find(b)


def _members(victim_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for victim_id, report_id in VictimMembership.objects.filter(
        victim_id__in=list(victim_ids)
    ).values_list("victim_id", "report_id"):
        out[victim_id].append(report_id)
    return out


def _new_victim(
    organisation: Organisation, report_ids: list[int], event: MergeSplitEvent, at
) -> Victim:
    reports = list(Report.objects.filter(pk__in=report_ids).order_by("pk").values(*REPORT_COLUMNS))
    victim = Victim.objects.create(
        organisation=organisation, created_at=at, **canonical_record(reports)
    )
    VictimMembership.objects.bulk_create(
        [
            VictimMembership(
                organisation=organisation, victim=victim, report_id=r, event=event, created_at=at
            )
            for r in sorted(report_ids)
        ]
    )
    return victim


def _merge(organisation, victim_ids, must, cannot, *, reason, by, at) -> MergeSplitEvent:
    """Merge two victims; a report a confirmed split keeps from the other side stays apart.

    The reports of both victims are clustered again under every decision: confirmed matches
    first, then the pairs of each former victim from the most to the least probable, skipping
    any join a confirmed split forbids.
    """
    import pandas as pd  # noqa: PLC0415 (pandas is slow to import; only this path needs it)

    members = _members(victim_ids)
    probability = dict(
        VictimMembership.objects.filter(victim_id__in=victim_ids).values_list(
            "report_id", "probability"
        )
    )
    edges = [
        (x, y, min(probability.get(x) or 0.9, probability.get(y) or 0.9))
        for ids in members.values()
        for i, x in enumerate(sorted(ids))
        for y in sorted(ids)[i + 1 :]
    ]
    ids = sorted({r for group in members.values() for r in group})
    inside = set(ids)
    clusters = cluster(
        ids,
        pd.DataFrame(edges, columns=["unique_id_l", "unique_id_r", "match_probability"]),
        0.0,
        [p for p in must if p[0] in inside and p[1] in inside],
        [p for p in cannot if p[0] in inside and p[1] in inside],
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for report_id, cluster_id in zip(
        clusters["unique_id"].tolist(), clusters["cluster_id"].tolist(), strict=True
    ):
        groups[cluster_id].append(int(report_id))
    event = MergeSplitEvent.objects.create(
        organisation=organisation, kind=MergeSplitEvent.Kind.MERGE, at=at, by=by, reason=reason,
        victims_before=sorted(victim_ids), reports=[must[-1][0], must[-1][1]],
    )  # fmt: skip
    Victim.objects.filter(pk__in=victim_ids).update(retired_at=at)
    after = [_new_victim(organisation, group, event, at) for group in groups.values()]
    event.victims_after = [v.pk for v in after]
    event.save(update_fields=["victims_after"])
    return event


def _split(organisation, victim_id, a, b, must, cannot, *, reason, by, at) -> MergeSplitEvent:
    """Split one victim in two around reports a and b.

    The model scores every pair of the victim's reports; they are then put together from
    the most to the least probable pair, with a and b (and every confirmed split) kept apart
    and confirmed matches joined first. So each other report goes with the side it most
    resembles, never with a report it was confirmed apart from.
    """
    ids = sorted(_members([victim_id])[victim_id])
    sides = split_sides(organisation, ids, a, b, must, cannot)
    event = MergeSplitEvent.objects.create(
        organisation=organisation, kind=MergeSplitEvent.Kind.SPLIT, at=at, by=by, reason=reason,
        victims_before=[victim_id], reports=[a, b],
    )  # fmt: skip
    Victim.objects.filter(pk=victim_id).update(retired_at=at)
    after = [_new_victim(organisation, side, event, at) for side in sides]
    event.victims_after = [v.pk for v in after]
    event.save(update_fields=["victims_after"])
    return event


def _review_model(organisation: Organisation) -> dict[str, Any]:
    """The model that scores pairs outside a run: the organisation's own, else the starter."""
    path = organisation_model_path(organisation)
    if not path.exists():
        path = ensure_starter_model()
    return json.loads(path.read_text(encoding="utf-8"))


def split_sides(
    organisation: Organisation,
    ids: list[int],
    a: int,
    b: int,
    must: Iterable[tuple[int, int]],
    cannot: Iterable[tuple[int, int]],
) -> list[list[int]]:
    """The groups a victim's reports fall into once a and b are two people: a's side first,
    then b's, then any group other confirmed splits keep apart from both."""

    inside = set(ids)
    reports = list(Report.objects.filter(pk__in=ids).order_by("pk").values(*REPORT_COLUMNS))
    prepared = prepare_reports(_frame(reports), id_column="report_id")
    pairs = score_all_pairs(prepared, _review_model(organisation))
    unnamed = prepared.loc[prepared["surname"].isna(), "unique_id"].tolist()
    clusters = cluster(
        ids,
        pairs,
        0.0,  # they were one victim: every report goes to one side or the other
        [p for p in must if p[0] in inside and p[1] in inside],
        [p for p in cannot if p[0] in inside and p[1] in inside] + [(min(a, b), max(a, b))],
        attach_only=unnamed,
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for report_id, cluster_id in zip(
        clusters["unique_id"].tolist(), clusters["cluster_id"].tolist(), strict=True
    ):
        groups[cluster_id].append(int(report_id))
    side_a = next(g for g in groups.values() if a in g)
    side_b = next(g for g in groups.values() if b in g)
    rest = [g for g in groups.values() if a not in g and b not in g]
    return [sorted(side_a), sorted(side_b), *(sorted(g) for g in rest)]
