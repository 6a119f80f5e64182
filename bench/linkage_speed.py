"""End-to-end linkage time and peak memory at growing sizes.

    .venv/bin/python bench/linkage_speed.py                 # 10k and 100k reports
    .venv/bin/python bench/linkage_speed.py --max 1000000   # and 1M

Each size runs in its own process so that its peak resident memory (getrusage maxrss) is its
own. "end to end" = normalising the reports (name keys, dates, places) + training the model
(EM) + scoring pairs + clustering; generating the synthetic reports is timed apart.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (10_000, 100_000, 1_000_000)


def one(n: int, threads: int) -> dict:
    from panah.evidence.linkage import link_reports, pairwise_scores, prepare_reports
    from panah.evidence.synthetic import generate

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    t = time.perf_counter()
    data = generate(n_reports=n, seed=11)
    reports = data.to_frame(with_truth=False)
    t_generate = time.perf_counter() - t
    t = time.perf_counter()
    prepared = prepare_reports(reports)
    t_prepare = time.perf_counter() - t
    result = link_reports(prepared, threads=threads, seed=11)
    t_total = t_prepare + result.timings["total"]
    scores = pairwise_scores(result.clusters["cluster_id"], data.truth)
    return {
        "reports": n,
        "generate_s": t_generate,
        "prepare_s": t_prepare,
        "train_s": result.timings["train"],
        "predict_s": result.timings["predict"],
        "cluster_s": result.timings["cluster"],
        "end_to_end_s": t_total,
        "pairs": len(result.pairs),
        "f1": scores.f1,
        "count_error": scores.count_error,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=100_000, help="largest size to run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.threads)))
        return
    print(
        f"{'reports':>10} {'generate':>9} {'prepare':>8} {'train':>7} {'predict':>8} "
        f"{'cluster':>8} {'end-to-end':>11} {'pairs':>11} {'F1':>7} {'count err':>9} {'peak RSS':>9}",
        flush=True,
    )
    for n in (s for s in SIZES if s <= args.max):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--threads", str(args.threads)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['reports']:>10,} {r['generate_s']:8.1f}s {r['prepare_s']:7.1f}s "
            f"{r['train_s']:6.1f}s {r['predict_s']:7.1f}s {r['cluster_s']:7.1f}s "
            f"{r['end_to_end_s']:10.1f}s {r['pairs']:>11,} {r['f1']:7.4f} "
            f"{r['count_error']:+9.2%} {r['peak_rss_mb']:7.0f}MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
