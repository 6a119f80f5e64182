"""DuckDB against Spark (local mode) on the same reports: where does Spark start to pay?

    .venv/bin/python bench/linkage_spark.py                      # 2,000, 10,000 and 50,000
    .venv/bin/python bench/linkage_spark.py --sizes 2000 --threads 2

Both backends link the same generated reports end to end (training included) with the same
number of cores; the Spark session is started once and its start-up is printed apart. Prints
seconds per backend, victims found, and whether the victims are the same when Spark scores
with the model DuckDB trained. On one machine Spark's local mode only adds overhead; it pays
on a cluster, where these figures are an upper bound on its time per core.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def victims(result) -> set[frozenset]:
    clusters = result.clusters.set_index("unique_id")["cluster_id"]
    return {frozenset(group.index) for _, group in clusters.groupby(clusters)}


def gap(one, other) -> float:
    """The largest difference between the two runs' probabilities of one pair (NaN when
    they did not score the same pairs)."""
    both = one.pairs.merge(other.pairs, on=["unique_id_l", "unique_id_r"])
    if len(both) != len(one.pairs) or len(both) != len(other.pairs):
        return float("nan")
    return float((both["match_probability_x"] - both["match_probability_y"]).abs().max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000, 50_000])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from panah.evidence.linkage import link_reports, prepare_reports, spark_session
    from panah.evidence.synthetic import generate

    for name in ("splink", "splink.internals", "py4j"):
        logging.getLogger(name).setLevel(logging.ERROR)
    started = time.perf_counter()
    spark = spark_session(threads=args.threads)
    print(f"Spark session (local[{args.threads}]) started in {time.perf_counter() - started:.1f} s")
    print(
        f"{'reports':>8} {'duckdb s':>9} {'spark s':>8} {'spark, saved model s':>21} "
        f"{'victims duckdb':>15} {'victims spark':>14} {'same victims, same model':>25} "
        f"{'max |p duckdb - p spark|':>25}"
    )
    for size in args.sizes:
        data = generate(n_reports=size, seed=5)
        prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
        prepared["unique_id"] = np.arange(len(prepared))
        model = Path(tempfile.mkdtemp()) / "model.json"
        t = time.perf_counter()
        duck = link_reports(prepared, threads=args.threads, seed=5, model_path=model)
        t_duck = time.perf_counter() - t
        t = time.perf_counter()
        spark_trained = link_reports(prepared, backend="spark", spark=spark, seed=5)
        t_spark = time.perf_counter() - t
        t = time.perf_counter()
        spark_saved = link_reports(prepared, backend="spark", spark=spark, model_path=model)
        t_saved = time.perf_counter() - t
        print(
            f"{size:>8} {t_duck:>9.1f} {t_spark:>8.1f} {t_saved:>21.1f} "
            f"{duck.n_victims:>15} {spark_trained.n_victims:>14} "
            f"{str(victims(duck) == victims(spark_saved)):>25} {gap(duck, spark_saved):>25.2g}",
            flush=True,
        )
    spark.stop()


if __name__ == "__main__":
    main()
