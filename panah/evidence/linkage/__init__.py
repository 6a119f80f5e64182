"""Linking reports into victims (Splink on DuckDB by default, Spark selectable).

prepared = prepare_reports(reports_frame)
result = link_reports(prepared, model_path="var/linkage/model.json",
                      must_link=confirmed, cannot_link=split)
result.clusters      # unique_id -> cluster_id
result.uncertain     # pairs for the review queue
"""

from panah.evidence.linkage.cluster import ConflictingDecisions, cluster
from panah.evidence.linkage.metrics import Scores, cross_script_scores, pairwise_scores
from panah.evidence.linkage.prepare import MODEL_COLUMNS, prepare_reports
from panah.evidence.linkage.run import (
    BACKENDS,
    BackendUnavailable,
    LinkageResult,
    link_reports,
    score_all_pairs,
    spark_session,
)

__all__ = [
    "BACKENDS",
    "MODEL_COLUMNS",
    "BackendUnavailable",
    "ConflictingDecisions",
    "LinkageResult",
    "Scores",
    "cluster",
    "cross_script_scores",
    "link_reports",
    "spark_session",
    "pairwise_scores",
    "prepare_reports",
    "score_all_pairs",
]
