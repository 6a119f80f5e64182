"""Import + link at scale against Splink's default settings on the same data, in the same run.

    .venv/bin/python bench/linkage_scale.py [--reports 100000] [--threads 2] [--namesakes 0.1]
        [--postgres postgres://postgres@127.0.0.1:5432/panah_scale]

An independent archive (panah.evidence.benchmark.sets) of four differently written sources
(two in Persian script with Jalali dates, two in Latin script under other transliteration
schemes) is written as one CSV per source. Then, each in its own process (so each peak
resident memory is its own):

  ours     import every file through the real import service into a throwaway SQLite
           database, then `run_linkage` (the whole `panah evidence link`: prepare, train,
           score, cluster, write victims and the review queue);
  ours-pg  with --postgres, the same into that PostgreSQL database (production's), which is
           dropped and created again first and dropped afterwards; the server's own CPU is
           not counted in the CPU columns;
  splink   Splink with its default settings on the same files: read the CSVs, dates parsed
           by pandas, `NameComparison` / `DateOfBirthComparison`-free defaults
           (`NameComparison` on first and last token, `ExactMatch` on the rest), its blocking
           on name tokens and dates, u by random sampling, m by EM, predict, Splink's own
           clustering at 0.95.

Prints wall time, CPU time (all threads, and the import's worker processes), peak RSS,
pairwise F1 and the error in the number of victims of each; ours step by step (wall and CPU);
the ratio ours / Splink in wall time (the target: <= 2) and in CPU; the wall time of ours'
bulk INSERTs per table (SQLite), and those with the model's own steps against twice Splink's
time (what no import + link can skip); and the namesake share of the data. On a shared
machine wall time follows the load: compare CPU, or run it quiet.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.postgres import database_name, server_sql  # noqa: E402

IMPORT_COLUMNS = (
    "source_reference", "name_as_written", "father_name", "age", "gender", "province", "city",
    "charge_category", "date_as_written", "calendar",
)  # fmt: skip


class InsertTimer:
    """Wall seconds and rows of the bulk INSERTs into each table (Django's execute_wrapper):
    the writes any import + link must make, whatever its cleaning and model. (PostgreSQL's
    COPY does not pass through the wrapper, so it counts on SQLite only.)"""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, int] = {}

    def __call__(self, execute, sql, params, many, context):
        if not (many and sql.startswith("INSERT INTO ")):
            return execute(sql, params, many, context)
        table = sql.split()[2].strip('"')
        params = list(params)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started
            self.rows[table] = self.rows.get(table, 0) + len(params)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu() -> float:
    """CPU seconds of this process's ended children (a process pool's workers, once shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_now() -> float:
    """CPU seconds of this process (all its threads) and of its ended children."""
    return time.process_time() + children_cpu()


def write_files(folder: Path, reports: int, namesakes: float, seed: int) -> dict:
    """One CSV per source and the truth (source_reference -> victim)."""
    from panah.evidence.benchmark.sets import SetSpec, generate_set, namesake_share

    spec = SetSpec(reports, namesakes=namesakes, sources=4, persian_share=0.5, seed=seed)
    frame = generate_set(spec)
    for name, rows in frame.groupby("source"):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=IMPORT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows.to_dict("records"))
    frame[["source_reference", "victim"]].to_csv(folder / "truth.csv", index=False)
    return {
        "label": spec.label,
        "reports": len(frame),
        "victims": int(frame["victim"].nunique()),
        "namesake_share": namesake_share(frame),
        "sources": int(frame["source"].nunique()),
    }


def truth_of(folder: Path):
    import pandas as pd

    return pd.read_csv(folder / "truth.csv", dtype={"source_reference": str}).set_index(
        "source_reference"
    )["victim"]


def run_ours(folder: Path, threads: int, database_url: str | None = None) -> dict:
    """Import every source's file, then link; the whole as a researcher runs it (into a fresh
    SQLite database in `folder`, or into the PostgreSQL database `database_url`)."""
    os.environ.update(
        {
            "PANAH_MODE": "demo",
            "PANAH_VAR_DIR": str(folder / ("var-pg" if database_url else "var")),
            "PANAH_DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "panah.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope

    from panah.core.models import Organisation
    from panah.evidence import services
    from panah.evidence.linkage import pairwise_scores
    from panah.evidence.linkage_runs import ensure_starter_model, run_linkage
    from panah.evidence.models import VictimMembership

    call_command("migrate", verbosity=0)
    ensure_starter_model()  # once per installation: not part of a researcher's run
    organisation = Organisation.objects.create(name="Bench", slug="bench")
    timings = {}
    inserts = InsertTimer()
    with scope(organisation=organisation), connection.execute_wrapper(inserts):
        started, started_cpu, own_cpu = time.perf_counter(), cpu_now(), time.process_time()
        for path in sorted(folder.glob("source-*.csv")):
            source = services.create_source(organisation=organisation, name=path.stem, kind="ngo")
            batch = services.import_reports(
                organisation=organisation, source=source, path=path, file_name=path.name,
                via="cli",
            )  # fmt: skip
            assert batch.status == "imported", (batch.file_error, batch.problems[:3])
        timings["import"] = time.perf_counter() - started
        timings["import_cpu"] = cpu_now() - started_cpu
        # This process alone: the import's critical path when the pool's workers keep up.
        timings["import_main_cpu"] = time.process_time() - own_cpu
        started, started_cpu = time.perf_counter(), cpu_now()
        run = run_linkage(organisation=organisation, threads=threads)
        timings["link"] = time.perf_counter() - started
        timings["link_cpu"] = cpu_now() - started_cpu
        rows = list(
            VictimMembership.objects.filter(victim__retired_at__isnull=True).values_list(
                "report__source_reference", "victim_id"
            )
        )
    truth = truth_of(folder)
    refs = [r for r, _v in rows]
    scores = pairwise_scores([v for _r, v in rows], truth.reindex(refs).to_numpy())
    return {
        **timings,
        "total": timings["import"] + timings["link"],
        "total_cpu": timings["import_cpu"] + timings["link_cpu"],
        "steps": run.parameters["timings"],
        "inserts": {t: (inserts.seconds[t], inserts.rows[t]) for t in inserts.seconds},
        "victims": run.victim_count,
        "review": run.review_count,
        "model_used": run.parameters.get("model_used"),
        "f1": scores.f1,
        "precision": scores.precision,
        "recall": scores.recall,
        "count_error": scores.count_error,
        "peak_mb": peak_rss_mb(),
    }


def run_splink(folder: Path, threads: int) -> dict:
    """Splink's defaults on the same files, from reading them to clusters."""
    import logging

    import duckdb
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from panah.evidence.linkage import pairwise_scores

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    started, started_cpu = time.perf_counter(), time.process_time()
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(folder.glob("source-*.csv"))
    ]
    raw = pd.concat(frames, ignore_index=True)
    names = raw["name_as_written"].str.replace(",", " ").str.split()
    date = pd.to_datetime(raw["date_as_written"], errors="coerce", format="mixed")
    frame = pd.DataFrame(
        {
            "unique_id": range(len(raw)),
            "first_name": names.map(lambda t: t[0] if t else None),
            "surname": names.map(lambda t: t[-1] if len(t) > 1 else None),
            "father_name": raw["father_name"].replace("", None),
            "date": date.dt.strftime("%Y-%m-%d"),
            "year": date.dt.year.astype("float64"),
            "age": raw["age"].replace("", None),
            "province": raw["province"].replace("", None),
            "charge": raw["charge_category"].replace("", None),
        }
    )
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.NameComparison("father_name"),
            cl.ExactMatch("date"),
            cl.ExactMatch("age"),
            cl.ExactMatch("province"),
            cl.ExactMatch("charge"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "date"),
            block_on("first_name", "date"),
        ],
    )
    linker = Linker(DuckDBAPI(connection=con).register(frame), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "date")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=3e6, seed=1)
    for rule in (block_on("date", "province"), block_on("first_name", "surname")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # Splink refuses degenerate levels: note it and go on
            print(f"  splink EM on {rule} failed: {str(exc).splitlines()[0][:120]}")
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    ).as_pandas_dataframe()
    elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    cluster_of = clusters.set_index("unique_id")["cluster_id"].reindex(frame["unique_id"])
    truth = truth_of(folder).reindex(raw["source_reference"]).to_numpy()
    scores = pairwise_scores(cluster_of.to_numpy(), truth)
    return {
        "total": elapsed,
        "total_cpu": elapsed_cpu,
        "victims": scores.predicted_victims,
        "f1": scores.f1,
        "precision": scores.precision,
        "recall": scores.recall,
        "count_error": scores.count_error,
        "peak_mb": peak_rss_mb(),
    }


def print_results(results: dict) -> None:
    """Wall and CPU of each method, ours step by step, quality, and the ratio to Splink."""
    nan = float("nan")
    print(
        f"\n{'method':8} {'import s':>9} {'link s':>8} {'total s':>8} {'CPU s':>7} {'peak MB':>8} "
        f"{'F1':>7} {'P':>7} {'R':>7} {'victims':>9} {'count err':>9}"
    )
    for part, r in results.items():
        print(
            f"{part:8} {r.get('import', nan):9.1f} {r.get('link', nan):8.1f} {r['total']:8.1f} "
            f"{r['total_cpu']:7.1f} {r['peak_mb']:8.0f} {r['f1']:7.4f} {r['precision']:7.4f} "
            f"{r['recall']:7.4f} {r['victims']:9,} {r['count_error']:+9.2%}"
        )
    print("(wall: import, link, total; CPU: all threads and worker processes of the steps timed)")
    for part in (p for p in results if p.startswith("ours")):
        ours = results[part]
        print(f"{part}: model {ours['model_used']}, {ours['review']:,} pairs to review")
        print(f"\n{part + ', step':24} {'wall s':>8} {'CPU s':>8}")
        steps = {
            "import (all files)": ("import", "import_cpu"),
            "import: this process": ("import", "import_main_cpu"),
        }
        for step in ("read", "prepare", "link_train", "link_predict", "link_cluster",
                     "write_victims", "write_queue"):  # fmt: skip
            steps[f"link: {step.removeprefix('link_')}"] = (step, step + "_cpu")
        steps["link (all of run_linkage)"] = ("link", "link_cpu")
        for label, (wall, cpu) in steps.items():
            source = ours if wall in ("import", "link") else ours["steps"]
            shown = "" if label.startswith("import: ") else f"{source.get(wall, nan):8.1f}"
            print(f"{label:24} {shown:>8} {source.get(cpu, nan):8.1f}")
    for part in (p for p in results if p.startswith("ours") and results[p]["inserts"]):
        inserts = results[part]["inserts"]
        print(f"\n{part}: bulk inserts (wall s, rows), part of the steps above")
        for table, (seconds, rows) in sorted(inserts.items(), key=lambda i: -i[1][0]):
            print(f"  {table:28} {seconds:6.2f} {rows:>9,}")
        print(f"  {'all':28} {sum(s for s, _r in inserts.values()):6.2f}")
    for part, r in results.items():
        print(f"{part}: process CPU {r['process_cpu']:.1f} s (start-up and migrations included)")
    splink = results.get("splink")
    for part in (p for p in results if p.startswith("ours") and splink):
        ours = results[part]
        print(
            f"ratio {part} (import + link) / Splink defaults: wall "
            f"{ours['total'] / splink['total']:.2f} (target <= 2), "
            f"CPU {ours['total_cpu'] / splink['total_cpu']:.2f}"
        )
        if ours["inserts"]:
            # What no import + link can skip: writing its rows and fitting and applying a
            # model (the part Splink's defaults also do), against the target's whole budget.
            floor = sum(s for s, _r in ours["inserts"].values()) + sum(
                ours["steps"].get(step, 0.0) for step in ("link_train", "link_predict",
                                                          "link_cluster")
            )  # fmt: skip
            print(
                f"  {part}: bulk inserts + train + predict + cluster alone {floor:.1f} s, "
                f"against 2 x Splink = {2 * splink['total']:.1f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--namesakes", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--postgres", metavar="URL",
        help="also ours on this PostgreSQL database (dropped and created again, then dropped)",
    )  # fmt: skip
    parser.add_argument("--part", choices=["ours", "ours-pg", "splink"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--skip-splink", action="store_true", help="only ours (e.g. at 1M)")
    args = parser.parse_args()
    if args.part == "splink":
        print(json.dumps(run_splink(Path(args.folder), args.threads)))
        return
    if args.part:
        url = args.postgres if args.part == "ours-pg" else None
        print(json.dumps(run_ours(Path(args.folder), args.threads, url)))
        return
    if args.postgres:
        database_name(args.postgres)

    folder = Path(tempfile.mkdtemp(prefix="panah-bench-scale-"))
    try:
        started = time.perf_counter()
        data = write_files(folder, args.reports, args.namesakes, args.seed)
        print(
            f"{data['reports']:,} reports of {data['victims']:,} victims from {data['sources']} "
            f"sources ({data['label']}); namesake share {data['namesake_share']:.1%} of victims "
            f"share their full name; generated in {time.perf_counter() - started:.0f} s"
        )
        results = {}
        parts = ("ours",) + (("ours-pg",) if args.postgres else ())
        for part in parts + (() if args.skip_splink else ("splink",)):
            before = children_cpu()
            extra = []
            if part == "ours-pg":
                name = database_name(args.postgres)
                server_sql(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                           f"CREATE DATABASE {name}")  # fmt: skip
                extra = ["--postgres", args.postgres]
            out = subprocess.run(
                [sys.executable, __file__, "--part", part, "--folder", str(folder),
                 "--threads", str(args.threads), *extra],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if part == "ours-pg":
                server_sql(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if out.returncode:
                print(f"{part} failed:\n{out.stderr[-3000:]}")
                continue
            lines = out.stdout.strip().splitlines()
            for line in lines[:-1]:
                print(line)
            results[part] = json.loads(lines[-1])
            # The whole process: start-up and Django's migrations included, pool workers too.
            results[part]["process_cpu"] = children_cpu() - before
        print_results(results)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
