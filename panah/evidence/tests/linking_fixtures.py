"""Fixtures of the linkage, review and statistics tests (imported by those test modules).

The starter model is trained once per test session (a few seconds); every test gets its own
folder for organisation models, so nothing leaks from one test to the next.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_scopes import scope

from panah.core.models import Role
from panah.evidence import services
from panah.evidence.models import Report, Source, SourceKind

LIGHT_ESTIMATE = {
    "methods": ("loglinear", "lcmcr", "bma"),
    "lcmcr_options": {"burn_in": 300, "samples": 200, "thin": 1, "chains": 2, "min_ess": 0},
    "linkage_draws": 4,
}


@pytest.fixture(scope="session")
def starter_model(tmp_path_factory):
    from panah.evidence.linkage_runs import ensure_starter_model

    path = tmp_path_factory.mktemp("starter") / "starter-model.json"
    with override_settings(EVIDENCE_STARTER_MODEL=str(path)):
        ensure_starter_model()
    return path


@pytest.fixture(autouse=True)
def _linkage_settings(settings, tmp_path, starter_model):
    settings.EVIDENCE_LINKAGE_DIR = tmp_path / "linkage"
    settings.EVIDENCE_STARTER_MODEL = str(starter_model)
    settings.EVIDENCE_WEB_ESTIMATE = LIGHT_ESTIMATE
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    settings.DISCLOSURE_THRESHOLD = 5


@pytest.fixture
def researcher(org_a, make_member):
    return make_member(org_a, [Role.RESEARCHER], email="researcher-link@example.org")


def add_reports(organisation, source_name: str, rows: list[dict], by=None) -> Source:
    """Import rows (dicts of our columns) for a source through the real import service."""
    import csv
    import tempfile
    from pathlib import Path

    with scope(organisation=organisation):
        source = Source.objects.filter(name=source_name).first() or services.create_source(
            organisation=organisation, name=source_name, kind=SourceKind.NGO, by=by
        )
        columns = sorted({k for r in rows for k in r})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "rows.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
            batch = services.import_reports(
                organisation=organisation, source=source, path=path, file_name="rows.csv", by=by
            )
        assert batch.status == "imported", batch.problems[:3]
    return source


def report(organisation, source_name: str, reference: str) -> Report:
    with scope(organisation=organisation):
        return Report.objects.get(source__name=source_name, source_reference=reference)
