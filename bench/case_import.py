"""The casework import through the shared spreadsheet reader: time and peak memory.

Prints, for an XLSX of --rows case rows (10,000 by default; people and cases with Jalali dates
and caseworkers, as associations keep them) and for the same rows as CSV:
- the dry run's time, from the file on disk (as `panah cases import --dry-run` reads it);
- its peak of Python allocations (tracemalloc, in a second run: tracing slows the code);
- and the refusal of a 1 MB workbook holding a 1 GiB cell (a zip bomb), the same two figures.

Run: `.venv/bin/python bench/case_import.py [--rows 10000]`. It uses its own scratch folder
(removed at the end) and never touches var/. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.casework import populate, setup  # noqa: E402


def write_rows(folder: Path, rows: int) -> tuple[Path, Path]:
    """The same rows as an XLSX (written streaming, as Excel would save it) and as a CSV."""
    import csv

    from openpyxl import Workbook

    from panah.people.demo import FAMILY_NAMES, FEMALE_NAMES

    rng = random.Random(11)
    header = ["external_reference", "given_name_fa", "given_name_latin", "family_name_latin",
              "phone", "registered_on", "procedure", "caseworker_email"]  # fmt: skip
    lines = []
    for i in range(rows):
        given, family = rng.choice(FEMALE_NAMES), rng.choice(FAMILY_NAMES)
        jalali = f"{rng.randint(1400, 1403)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"
        lines.append([f"IMP-{i}", given[0], given[1], family[1], f"+32 470 {i:06d}", jalali,
                      rng.choice(["first", "subsequent"]), f"cw{rng.randint(1, 49)}@example.invalid"])  # fmt: skip
    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    xlsx = folder / "cases.xlsx"
    book.save(xlsx)
    csv_path = folder / "cases.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(lines)
    return xlsx, csv_path


def measure(label: str, action) -> None:
    started = time.perf_counter()
    outcome = action()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label}: {seconds:.2f} s, peak Python allocations {peak / 1e6:.1f} MB ({outcome})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="panah-bench-case-import-"))
    try:
        setup(var_dir)
        from django_scopes import scope

        from panah.cases.importing import import_cases
        from panah.cases.tests.test_import_limits import write_bomb

        org, admin, _workers = populate(0)
        xlsx, csv_path = write_rows(var_dir, args.rows)
        bomb = write_bomb(var_dir / "bomb.xlsx")
        print(
            f"Files: XLSX {xlsx.stat().st_size / 1e6:.2f} MB, CSV {csv_path.stat().st_size / 1e6:.2f}"
            f" MB ({args.rows:,} rows); bomb {bomb.stat().st_size / 1e6:.2f} MB"
        )

        def dry_run(path: Path):
            def run():
                with scope(organisation=org):
                    report = import_cases(
                        organisation=org, by=admin, file=path, filename=path.name, dry_run=True
                    )
                assert report.error_count == 0 or path == bomb, report.errors[:3]
                if report.error_count:
                    return f"refused: {report.errors[0].message[:60]}…"
                return f"{report.rows:,} rows checked, {report.created:,} would be created"

            return run

        measure(f"Dry run of {args.rows:,} rows from XLSX", dry_run(xlsx))
        measure(f"Dry run of {args.rows:,} rows from CSV", dry_run(csv_path))
        measure("Zip bomb (1 GiB cell in 1 MB)", dry_run(bomb))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
