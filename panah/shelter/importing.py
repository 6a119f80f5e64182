"""Import hosts and households without a roof from the spreadsheets associations keep.

The file goes through the one hardened spreadsheet reader (panah.core.spreadsheets, within
the casework import's limits: it refuses oversized files, zip bombs, bad encodings, ragged rows
and files past the row limit). Every row is checked first; one bad row and nothing is saved, and
the report names each row and column at fault. A dry run goes all the way through the services
and rolls back. The external reference makes a second import of the same sheet add nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from panah.cases.importing import LIMITS, MAX_ERRORS_KEPT, parse_bool
from panah.core import audit
from panah.core.dates import parse_date
from panah.core.models import Organisation, User
from panah.core.spreadsheets import SpreadsheetRefused as ImportRefused
from panah.core.spreadsheets import open_table
from panah.people.models import LANGUAGE_CHOICES
from panah.people.services import create_person

from . import services
from .models import Area, FedasilStatus, Host, HostKind, Need, Vulnerability

NEED_COLUMNS = (
    "reference", "given_name", "family_name", "name_fa", "without_roof_since", "adult_women",
    "adult_men", "children", "area", "must_stay_in_area", "languages", "vulnerabilities",
    "fedasil_status", "place_needed_until", "sleeping_now", "notes",
)  # fmt: skip
HOST_COLUMNS = (
    "reference", "kind", "name", "phone", "address", "area", "languages", "beds",
    "households", "available_from", "available_until", "single_men", "single_women",
    "families", "women_and_children",
)  # fmt: skip
REQUIRED = {
    "needs": ("reference", "without_roof_since", "area"),
    "hosts": ("reference", "kind", "name", "area", "beds", "available_from"),
}
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    saved: bool = False

    @property
    def shown_errors(self) -> list[RowError]:
        """The errors the page lists (the first MAX_ERRORS_KEPT; the rest are counted)."""
        return self.errors[:MAX_ERRORS_KEPT]

    @property
    def more_errors(self) -> int:
        """How many errors are counted but not listed."""
        return max(0, len(self.errors) - MAX_ERRORS_KEPT)


class _RollBack(Exception):
    pass


def _codes(text: str, allowed: set[str]) -> list[str]:
    codes = [c for c in _SPLIT.split(text.strip().lower()) if c]
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        raise ValueError(", ".join(unknown))
    return codes


def _count(text: str) -> int:
    value = int(text.strip() or 0)
    if not 0 <= value <= 500:
        raise ValueError(text)
    return value


def _parse_need(cells: dict[str, str]) -> dict[str, Any]:
    until = cells.get("place_needed_until", "").strip()
    return {
        "external_reference": cells["reference"].strip(),
        "person": {
            "given_name_latin": cells.get("given_name", "").strip(),
            "family_name_latin": cells.get("family_name", "").strip(),
            "given_name_fa": cells.get("name_fa", "").strip(),
        },
        "without_roof_since": parse_date(cells["without_roof_since"]),
        "adult_women": _count(cells.get("adult_women", "")),
        "adult_men": _count(cells.get("adult_men", "")),
        "children": _count(cells.get("children", "")),
        "area": _codes(cells["area"], set(Area.values))[0],
        "area_required": parse_bool(cells.get("must_stay_in_area") or "no"),
        "languages": _codes(cells.get("languages", ""), {c for c, _ in LANGUAGE_CHOICES}),
        "vulnerabilities": _codes(cells.get("vulnerabilities", ""), set(Vulnerability.values)),
        "fedasil_status": _codes(
            cells.get("fedasil_status") or "not_registered", set(FedasilStatus.values)
        )[0],
        "place_needed_until": parse_date(until) if until else None,
        "sleeping_now": cells.get("sleeping_now", "").strip(),
        "notes": cells.get("notes", "").strip(),
    }


def _parse_host(cells: dict[str, str]) -> dict[str, Any]:
    until = cells.get("available_until", "").strip()
    return {
        "host": {
            "external_reference": cells["reference"].strip(),
            "kind": _codes(cells["kind"], set(HostKind.values))[0],
            "name": cells["name"].strip(),
            "phone": cells.get("phone", "").strip(),
            "address": cells.get("address", "").strip(),
            "area": _codes(cells["area"], set(Area.values))[0],
            "languages": _codes(cells.get("languages", ""), {c for c, _ in LANGUAGE_CHOICES}),
        },
        "offer": {
            "beds": max(1, _count(cells["beds"])),
            "max_households": max(1, _count(cells.get("households") or "1")),
            "available_from": parse_date(cells["available_from"]),
            "available_until": parse_date(until) if until else None,
            "accepts_single_men": parse_bool(cells.get("single_men") or "no"),
            "accepts_single_women": parse_bool(cells.get("single_women") or "yes"),
            "accepts_families": parse_bool(cells.get("families") or "yes"),
            "accepts_women_children": parse_bool(cells.get("women_and_children") or "yes"),
        },
    }


def _read(
    data: bytes,
    filename: str,
    kind: str,
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[int, dict]]:
    parse = _parse_need if kind == "needs" else _parse_host
    parsed = []
    with open_table(data, filename, limits=LIMITS) as table:
        columns = {c.strip().lower() for c in table.columns}
        missing = [c for c in REQUIRED[kind] if c not in columns]
        if missing:
            raise ImportRefused(
                _("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        for number, cells in table.rows():
            report.rows += 1
            if progress and report.rows % 200 == 0:
                progress(report.rows)
            if isinstance(cells, str):
                report.errors.append(RowError(number, "", cells))
                continue
            cells = {k.strip().lower(): (v or "") for k, v in cells.items()}
            empty = [c for c in REQUIRED[kind] if not cells.get(c, "").strip()]
            if empty:
                for column in empty:
                    report.errors.append(RowError(number, column, _("This cell is empty.")))
                continue
            try:
                parsed.append((number, parse(cells)))
            except (ValueError, IndexError) as exc:
                report.errors.append(
                    RowError(number, "", _("Not understood: %(value)s") % {"value": exc})
                )
    return parsed


def import_shelter(
    *,
    organisation: Organisation,
    by: User | None,
    data: bytes,
    filename: str,
    kind: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import needs or hosts (`kind`), all or nothing; ImportRefused when the file is refused.

    `progress(rows)` is called every 200 rows read.
    """
    if kind not in REQUIRED:
        raise ValueError(kind)
    report = ImportReport(dry_run=dry_run)
    rows = _read(data, filename, kind, report, progress)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for number, values in rows:
                try:
                    with transaction.atomic():
                        _create(organisation, by, kind, values, report)
                except ValidationError as exc:
                    for message in exc.messages:
                        report.errors.append(RowError(number, "", message))
            if report.errors or dry_run:
                raise _RollBack
            audit.record(
                "shelter.imported",
                organisation=organisation,
                actor=by,
                object_type=f"shelter.{kind}",
                data={"rows": report.rows, "created": report.created},
            )
    except _RollBack:
        return report
    report.saved = True
    return report


def _create(organisation, by, kind: str, values: dict, report: ImportReport) -> None:
    if kind == "needs":
        reference = values["external_reference"]
        if Need.objects.filter(external_reference=reference).exists():
            report.already_imported += 1
            return
        details = {k: v for k, v in values.pop("person").items() if v}
        person = create_person(
            organisation=organisation, by=by, languages=values["languages"], **details
        )
        services.register_need(organisation=organisation, person=person, by=by, **values)
    else:
        host_values, offer_values = values["host"], values["offer"]
        if Host.objects.filter(external_reference=host_values["external_reference"]).exists():
            report.already_imported += 1
            return
        host = services.register_host(organisation=organisation, by=by, **host_values)
        services.add_offer(host=host, by=by, **offer_values)
    report.created += 1
