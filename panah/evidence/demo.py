"""Demo evidence: three differently written sources imported, linked and reviewed.

`load_demo_evidence(organisation)` goes the way a researcher goes, through the real services:
synthetic reports of one population (panah.evidence.synthetic) written as three files in three
layouts (a Persian CSV with Jalali dates and Persian headers, an English XLSX with Gregorian
dates, a JSON file mixing scripts and calendars), imported all or nothing, linked, a few
uncertain pairs decided (with the synthetic ground truth, and said so), and the yearly and
monthly counts published with an estimate. About 30 s for 3,000 reports on the demo machine.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django_scopes import scope

from panah.core.models import Membership, Organisation, Role, User

from . import services
from .linkage_runs import decide_pair, run_linkage
from .models import Report, ReviewPair, Source, SourceKind, Victim
from .synthetic import SOURCES, generate

DEMO_SEED = 1402
# name, kind, language, reliability notes, synthetic source it copies
DEMO_SOURCES = (
    ("HRANA-style (Persian)", SourceKind.NGO, "fa", "Persian reports, Solar Hijri dates.", "hrana"),
    ("IHR-style (English)", SourceKind.NGO, "en", "English reports, Gregorian dates.", "ihr"),
    ("Hengaw-style (mixed)", SourceKind.NGO, "en", "Both scripts and both calendars.", "hengaw"),
)
PERSIAN_HEADERS = {
    "source_reference": "شناسه",
    "name_as_written": "نام",
    "father_name": "نام پدر",
    "age": "سن",
    "gender": "جنسیت",
    "ethnicity": "قومیت",
    "province": "استان",
    "city": "شهر",
    "prison": "زندان",
    "charge_category": "اتهام",
    "charge_text": "متن اتهام",
    "date_as_written": "تاریخ اعدام",
    "calendar": "تقویم",
    "announced": "اعلام رسمی",
    "verification": "وضعیت",
}
MIXED_HEADERS = {
    "source_reference": "Case no.",
    "name_as_written": "Victim",
    "father_name": "Father",
    "age": "Age",
    "gender": "Sex",
    "ethnicity": "Ethnic group",
    "province": "Province",
    "city": "City",
    "prison": "Prison",
    "charge_category": "Crime",
    "date_as_written": "Date of execution",
    "announced": "Official?",
    "verification": "Status",
}
ENGLISH_FIELDS = (
    "source_reference", "name_as_written", "father_name", "age", "gender", "ethnicity",
    "province", "city", "prison", "charge_category", "charge_text", "date_as_written",
    "calendar", "announced", "verification",
)  # fmt: skip


@dataclass
class DemoEvidence:
    """What the demo created."""

    sources: list[str] = field(default_factory=list)
    reports: int = 0
    victims: int = 0
    true_victims: int = 0
    decided: int = 0
    skipped: bool = False


def _researcher(organisation: Organisation) -> User:
    membership = (
        Membership.objects.filter(
            organisation=organisation, removed_at__isnull=True, grants__role=Role.RESEARCHER
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ValueError(f"{organisation} has no researcher to import and publish as")
    return membership.user


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _write_files(data, folder: Path) -> list[tuple[Path, dict[str, str] | None]]:
    """The reports of each synthetic source, written in its own layout."""
    by_source: dict[str, list[dict]] = {}
    for report in data.iter_reports():
        by_source.setdefault(report["source"], []).append(report)
    files: list[tuple[Path, dict[str, str] | None]] = []

    persian = folder / "hrana-style.csv"
    with persian.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(PERSIAN_HEADERS.values())
        for r in by_source.get("hrana", []):
            writer.writerow(_text(r[f]) for f in PERSIAN_HEADERS)
    files.append((persian, {v: k for k, v in PERSIAN_HEADERS.items()}))

    import openpyxl  # noqa: PLC0415 (openpyxl is slow to import; only this path needs it)

    english = folder / "ihr-style.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("executions")
    sheet.append(list(ENGLISH_FIELDS))
    for r in by_source.get("ihr", []):
        sheet.append([_text(r[f]) for f in ENGLISH_FIELDS])
    book.save(english)
    files.append((english, None))

    mixed = folder / "hengaw-style.json"
    items = [
        {MIXED_HEADERS[k]: _text(r[k]) for k in MIXED_HEADERS} for r in by_source.get("hengaw", [])
    ]
    mixed.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    files.append((mixed, {v: k for k, v in MIXED_HEADERS.items()}))
    return files


def load_demo_evidence(
    organisation: Organisation,
    n_reports: int = 3000,
    *,
    by: User | None = None,
    review: int = 12,
    progress=None,
) -> DemoEvidence:
    """Import three demo sources, link them and decide a few pairs (publishing is public's:
    panah.public.demo). Does nothing when the demo sources already exist (safe to run again)."""

    say = progress or (lambda _msg: None)
    result = DemoEvidence()
    with scope(organisation=organisation):
        if Source.objects.filter(
            organisation=organisation, name__in=[s[0] for s in DEMO_SOURCES]
        ).exists():
            result.skipped = True
            return result
        by = by or _researcher(organisation)
        specs = {s.name: s for s in SOURCES}
        chosen = tuple(specs[s[4]] for s in DEMO_SOURCES)
        data = generate(n_victims=max(10, round(n_reports / 1.8)), seed=DEMO_SEED, sources=chosen)
        truth = dict(zip(data.columns["source_reference"], data.truth, strict=True))
        result.true_victims = data.n_victims_reported
        say(f"{len(data):,} synthetic reports of {result.true_victims:,} victims")

        with tempfile.TemporaryDirectory(prefix="panah-demo-") as tmp:
            files = _write_files(data, Path(tmp))
            for (name, kind, language, notes, _key), (path, mapping) in zip(
                DEMO_SOURCES, files, strict=True
            ):
                source = services.create_source(
                    organisation=organisation, name=name, kind=kind, language=language,
                    reliability_notes=notes, by=by,
                )  # fmt: skip
                batch = services.import_reports(
                    organisation=organisation, source=source, path=path, file_name=path.name,
                    mapping=mapping, by=by, via="cli",
                )  # fmt: skip
                if batch.status != "imported":
                    raise RuntimeError(
                        f"the demo file {path.name} was refused: {batch.file_error or batch.errors[:3]}"
                    )
                result.sources.append(name)
                result.reports += batch.created_count
                say(f"imported {batch.created_count:,} reports of {name}")

        run = run_linkage(organisation=organisation, by=by, progress=say)
        # A few decisions, as a reviewer would take them (here from the synthetic truth).
        for pair in ReviewPair.objects.filter(run=run).order_by("-probability", "pk")[:review]:
            a = Report.objects.get(pk=pair.report_a_id)
            b = Report.objects.get(pk=pair.report_b_id)
            same = truth.get(a.source_reference) == truth.get(b.source_reference)
            try:
                decide_pair(
                    organisation=organisation, report_a=a, report_b=b,
                    decision="match" if same else "non_match",
                    reason="Demo: decided with the synthetic data's ground truth.",
                    by=by, pair=pair,
                )  # fmt: skip
            except Exception:  # noqa: BLE001, S112 (a contradicting pair is simply left for people)
                continue
            result.decided += 1
        services.seed_published_figures(organisation=organisation, by=by)

        result.victims = Victim.objects.filter(retired_at__isnull=True).count()
        say(f"{result.victims:,} victims linked")
    return result


def load_demo_records(organisation: Organisation, progress) -> None:
    """The evidence part of `panah demo` (called by EvidenceConfig.load_demo_records)."""
    with scope(organisation=organisation):
        if Source.objects.filter(name__in=[s[0] for s in DEMO_SOURCES]).exists():
            return
    progress("Importing and linking demo evidence (about a minute)...")
    load_demo_evidence(organisation)
