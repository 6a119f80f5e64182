"""`panah files sweep` removes the evidence import's uploads once they have waited 24 hours."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from panah.core.sweep import sweepers
from panah.evidence import uploads

pytestmark = pytest.mark.django_db

A_DAY = 24 * 3600


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"


def kept(org, *, hours_old: float) -> Path:
    """An encrypted upload waiting for its import, written `hours_old` hours ago."""
    pending = uploads.keep(org, b"source_reference,name_as_written\nR-1,Zahra Kazemi\n")
    path = next(p for p in uploads.upload_dir().rglob(pending["token"]))
    then = time.time() - hours_old * 3600
    os.utime(path, (then, then))
    return path


def sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("files", "sweep", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_evidence_uploads_are_registered_with_the_sweep():
    assert [s.name for s in sweepers()] == ["orphaned-files", "evidence-uploads"]


def test_uploads_older_than_a_day_go_and_younger_ones_stay(org_a):
    stale = kept(org_a, hours_old=25)
    waiting = kept(org_a, hours_old=23)

    out = sweep()

    assert not stale.exists() and waiting.exists()
    assert out.startswith("Removed 1 file(s), ")
    assert out.endswith(" (evidence-uploads: 1).\n")


def test_a_dry_run_lists_the_stale_upload_and_keeps_it(org_a):
    stale = kept(org_a, hours_old=49)

    out = sweep("--dry-run")

    assert stale.exists()
    lines = out.splitlines()
    assert lines[0] == "evidence import uploads waiting longer than 24 hours:"
    assert lines[1].startswith(f"  {stale}  ") and lines[1].endswith(", 2 days old")
    assert lines[2].startswith("Dry run: 1 file(s), ")
    assert lines[2].endswith(" would be removed (evidence-uploads: 1); nothing was removed.")


def test_a_grace_period_longer_than_a_day_keeps_uploads_longer(org_a):
    stale = kept(org_a, hours_old=25)

    assert sweep("--grace-minutes", str(26 * 60)) == "Nothing to remove.\n"
    assert stale.exists()


def test_a_plaintext_upload_of_an_earlier_version_goes_whatever_its_age(db, settings):
    folder = Path(settings.EVIDENCE_UPLOAD_DIR)
    folder.mkdir(parents=True)
    left = folder / ("0123456789abcdef" * 2 + ".csv")
    left.write_text("source_reference,name_as_written\nR-1,Zahra Kazemi\n")

    out = sweep()

    assert not left.exists()
    assert out.endswith(" (evidence-uploads: 1).\n")


def test_a_missing_upload_folder_is_not_created(db, settings):
    assert sweep() == "Nothing to remove.\n"
    assert not Path(settings.EVIDENCE_UPLOAD_DIR).exists()


def test_remove_stale_alone_keeps_its_day(org_a):
    # The import pages call it on every visit; the sweep's result says what went.
    stale, waiting = kept(org_a, hours_old=25), kept(org_a, hours_old=1)

    result = uploads.remove_stale()

    assert [f.path for f in result.removed] == [stale]
    assert waiting.exists() and result.kept_young == 1
    assert A_DAY == uploads.STALE_SECONDS
