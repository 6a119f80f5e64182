"""How long importing a file of reports takes, and how much memory it needs, as files grow.

Writes synthetic reports (panah.evidence.synthetic) as one source's CSV of each size, imports it
into a throwaway SQLite database (all or nothing, one transaction), imports it again (every row
"already imported and unchanged"), and prints rows per second and the peak memory (RSS) of the
process. Memory should stay flat as the file grows: rows are streamed.

    .venv/bin/python bench/evidence_import.py [--rows 10000 100000 250000] [--xlsx]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 250_000])
    parser.add_argument("--xlsx", action="store_true", help="also time the same rows as XLSX")
    parser.add_argument(
        "--skip-again", action="store_true", help="do not time the second (unchanged) import"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="panah-bench-import-"))
    os.environ.update(
        {
            "PANAH_MODE": "demo",
            "PANAH_VAR_DIR": str(tmp),
            "PANAH_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "panah.settings",
        }
    )
    try:
        run(tmp, sorted(args.rows), args.xlsx, again=not args.skip_again)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_reports(path: Path, rows: int) -> int:
    """One source's CSV of `rows` synthetic reports with unique references; returns its size."""
    from panah.evidence.importing import FIELD_NAMES
    from panah.evidence.synthetic import generate

    data = generate(n_reports=rows, seed=rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELD_NAMES, extrasaction="ignore")
        writer.writeheader()
        for i, report in enumerate(data.iter_reports()):
            report = {k: ("" if v is None else v) for k, v in report.items()}
            report["source_reference"] = f"{report['source']}-{i}"
            writer.writerow(report)
    return path.stat().st_size


def to_xlsx(csv_path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    with csv_path.open(encoding="utf-8") as fh:
        for cells in csv.reader(fh):
            sheet.append(cells)
    path = csv_path.with_suffix(".xlsx")
    workbook.save(path)
    return path


def run(tmp: Path, sizes: list[int], xlsx: bool, *, again: bool = True) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scope

    from panah.core.models import Organisation
    from panah.evidence import services
    from panah.evidence.models import Report

    call_command("migrate", verbosity=0)
    print(f"Import benchmark (SQLite in {tmp}); figures taken while other work may run.")
    print(f"{'rows':>9} {'format':>6} {'MB':>7} {'import s':>9} {'rows/s':>8} "
          f"{'again s':>8} {'peak RSS MB':>12}")  # fmt: skip
    for n, rows in enumerate(sizes):
        organisation = Organisation.objects.create(name=f"Bench {n}", slug=f"bench-{n}")
        path = tmp / f"reports-{rows}.csv"
        # Generated in a child process, so its memory does not count in this one's peak.
        child = multiprocessing.get_context("fork").Process(target=write_reports, args=(path, rows))
        child.start()
        child.join()
        files = [path] + ([to_xlsx(path)] if xlsx else [])
        with scope(organisation=organisation):
            for k, file in enumerate(files):
                source = services.create_source(
                    organisation=organisation, name=f"Source {k}", kind="ngo"
                )
                started = time.perf_counter()
                batch = services.import_reports(
                    organisation=organisation, source=source, path=file, file_name=file.name,
                    via="cli",
                )  # fmt: skip
                first = time.perf_counter() - started
                assert batch.status == "imported", (batch.file_error, batch.problems[:3])
                second = float("nan")
                if again:
                    started = time.perf_counter()
                    repeat = services.import_reports(
                        organisation=organisation, source=source, path=file,
                        file_name=file.name, via="cli",
                    )  # fmt: skip
                    second = time.perf_counter() - started
                    assert repeat.created_count == 0
                    assert repeat.unchanged_count == batch.created_count
                size = file.stat().st_size / 2**20
                print(
                    f"{rows:>9,} {file.suffix[1:]:>6} {size:>7.1f} {first:>9.1f} "
                    f"{batch.row_count / first:>8,.0f} {second:>8.1f} {peak_rss_mb():>12.0f}"
                )
            Report.objects.filter(organisation=organisation).delete()


if __name__ == "__main__":
    main()
