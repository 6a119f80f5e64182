"""Linkage that never refuses: independently generated sets of growing size, each linked.

    .venv/bin/python bench/linkage_robustness.py               # 5k, 20k and 100k reports
    .venv/bin/python bench/linkage_robustness.py --with-1m     # and 1M (long; ~10+ GB)

The sets come from panah/evidence/tests/linkage_sets.py, a generator independent of
panah.evidence.synthetic (the model's own training data), in two kinds: "typical" and
"hard" (heavy spelling noise, dense namesakes, imprecise dates: the kind that drove EM to a
zero probability and stopped the linkage). Each run is in its own process so its peak
resident memory is its own; the time is end to end (normalising, training, scoring,
clustering). The fallback model (for what EM cannot learn) is trained on the project's
synthetic reports only when a run needs it, and that time is included.
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

SIZES = (5_000, 20_000, 100_000)
MILLION = 1_000_000
KINDS = {
    "typical": {},
    "hard": {"noise": 0.3, "namesakes": 0.8, "day_share": 0.4, "field_rate": 0.4},
}


def _fallback(threads: int) -> dict:
    """A model trained on the project's synthetic reports (what the starter model is)."""
    import tempfile

    import numpy as np

    from panah.evidence.linkage import link_reports, prepare_reports
    from panah.evidence.synthetic import generate

    data = generate(n_reports=4000, seed=11)
    prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
    prepared["unique_id"] = np.arange(len(prepared))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "starter.json"
        link_reports(prepared, model_path=path, retrain=True, threads=threads, seed=11)
        return json.loads(path.read_text(encoding="utf-8"))


def one(n: int, kind: str, threads: int) -> dict:
    import numpy as np

    from panah.evidence.linkage import link_reports, prepare_reports
    from panah.evidence.tests.linkage_sets import SetSpec, generate_set

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
    frame = generate_set(SetSpec(n, seed=n % 997, **KINDS[kind]))
    t = time.perf_counter()
    prepared = prepare_reports(frame, id_column="source_reference")
    prepared["unique_id"] = np.arange(len(prepared))
    linked, model_used, notes, victims = False, "-", [], 0
    try:
        result = link_reports(
            prepared, retrain=True, threads=threads, fallback_model=lambda: _fallback(threads)
        )
    except Exception as exc:  # the bench reports a refusal instead of stopping
        notes = [f"REFUSED: {type(exc).__name__}: {exc}"[:200]]
    else:
        linked, model_used, notes, victims = True, result.model_used, result.notes, result.n_victims
    return {
        "reports": n,
        "kind": kind,
        "seconds": time.perf_counter() - t,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "linked": linked,
        "model_used": model_used,
        "victims": victims,
        "true_victims": int(frame["victim"].nunique()),
        "notes": notes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-1m", action="store_true", help="also link 1,000,000 reports")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max", type=int, default=MILLION, help="largest size to run")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="typical", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.kind, args.threads)))
        return
    sizes = [s for s in (*SIZES, *([MILLION] if args.with_1m else ())) if s <= args.max]
    print(
        f"{'reports':>10} {'kind':>8} {'time':>8} {'peak RSS':>9} {'linked':>7} "
        f"{'victims':>8} {'true':>8}  model used",
        flush=True,
    )
    for n in sizes:
        for kind in KINDS:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--kind", kind,
                 "--threads", str(args.threads)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['reports']:>10,} {r['kind']:>8} {r['seconds']:7.1f}s "
                f"{r['peak_rss_mb']:7.0f}MB {'yes' if r['linked'] else 'NO':>7} "
                f"{r['victims']:>8,} {r['true_victims']:>8,}  {r['model_used']}",
                flush=True,
            )
            for note in r["notes"]:
                print(f"{'':>12}- {note[:160]}", flush=True)
    if not args.with_1m:
        print(f"{MILLION:>10,} skipped (run with --with-1m to link a million reports)")


if __name__ == "__main__":
    main()
