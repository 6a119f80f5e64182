"""How good a clustering is against the truth: pairwise precision, recall, F1, count error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    """Pairwise scores of a clustering (pairs of reports put together vs truly together)."""

    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    true_positive_pairs: int
    predicted_victims: int
    true_victims: int

    @property
    def count_error(self) -> float:
        """Relative error in the number of distinct victims."""
        return (self.predicted_victims - self.true_victims) / self.true_victims

    def line(self) -> str:
        """The scores on one line, for benchmarks."""
        return (
            f"P={self.precision:.4f} R={self.recall:.4f} F1={self.f1:.4f} "
            f"victims={self.predicted_victims} (true {self.true_victims}, "
            f"error {self.count_error:+.2%})"
        )


def _pairs(sizes: np.ndarray) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def _scores(tp: int, pred: int, true: int, n_pred: int, n_true: int) -> Scores:
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, pred, true, tp, n_pred, n_true)


def pairwise_scores(predicted, truth) -> Scores:
    """Scores of predicted cluster labels against true victim ids (same order)."""
    frame = pd.DataFrame({"p": np.asarray(predicted), "t": np.asarray(truth)})
    tp = _pairs(frame.groupby(["p", "t"]).size().to_numpy())
    pred = _pairs(frame.groupby("p").size().to_numpy())
    true = _pairs(frame.groupby("t").size().to_numpy())
    return _scores(tp, pred, true, frame["p"].nunique(), frame["t"].nunique())


def cross_script_scores(predicted, truth, script) -> Scores:
    """The same scores counting only pairs of one Persian-script and one Latin-script report."""
    frame = pd.DataFrame(
        {
            "p": np.asarray(predicted),
            "t": np.asarray(truth),
            "fa": np.asarray(script) == "fa",
            "la": np.asarray(script) == "latin",
        }
    )

    def cross(keys) -> int:
        g = frame.groupby(keys)[["fa", "la"]].sum()
        return int((g["fa"] * g["la"]).sum())

    return _scores(
        cross(["p", "t"]), cross("p"), cross("t"), frame["p"].nunique(), frame["t"].nunique()
    )
