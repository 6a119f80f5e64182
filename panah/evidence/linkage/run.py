"""Link reports into victims end to end: register, train or load the model, score, cluster."""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from panah.evidence.linkage import model as linkage_model
from panah.evidence.linkage.cluster import cluster
from panah.evidence.linkage.contradictions import find_contradictions
from panah.evidence.linkage.timing import Stopwatch

# Why a pair is in the review queue when no contradiction put it there.
UNCERTAIN = "uncertain_score"

BACKENDS = ("duckdb", "spark")


class BackendUnavailable(RuntimeError):
    """The chosen linkage backend cannot run in this installation."""


@dataclass
class LinkageResult:
    """Victims as clusters of reports, the scored pairs behind them and the review queue."""

    clusters: pd.DataFrame  # unique_id, cluster_id, attached (an unnamed report's best pair)
    pairs: pd.DataFrame  # unique_id_l, unique_id_r, match_probability, match_weight
    # Pairs in the review band with the evidence: mw_<comparison> is each comparison's match
    # weight (log2 Bayes factor: positive for, negative against), mw_tf_adj_* the part due
    # to how rare the value is; same_victim says whether the clustering joined them;
    # reasons lists why it is queued (UNCERTAIN and/or contradictions.REASONS): a pair with
    # a contradiction is queued whatever its score.
    uncertain: pd.DataFrame
    model: dict[str, Any]  # the trained Splink model (JSON-serialisable)
    timings: dict[str, float] = field(default_factory=dict)
    # Which model scored the pairs: "trained", "trained, repaired", "saved" or "fallback".
    model_used: str = "trained"
    notes: list[str] = field(default_factory=list)  # why, when it is not plainly "trained"

    @property
    def n_victims(self) -> int:
        """The number of distinct victims (clusters), unnamed attached reports included."""
        return int(self.clusters["cluster_id"].nunique())


def _db_api(backend: str, spark: Any = None, threads: int | None = None):
    if backend == "duckdb":
        import duckdb  # noqa: PLC0415 (duckdb is slow to import; only this path needs it)
        from splink import DuckDBAPI  # noqa: PLC0415 (splink is slow to import; only this path needs it)

        con = duckdb.connect()
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        return DuckDBAPI(connection=con)
    if backend == "spark":
        try:
            import pyspark  # noqa: PLC0415, F401 (pyspark is slow to import; only this path needs it)
        except ImportError:
            raise BackendUnavailable(
                "The Spark backend needs pyspark and a Spark session, which this installation "
                "does not have (install splink with its 'spark' extra on the cluster). "
                "Use backend='duckdb' on one machine."
            ) from None
        from pyspark.sql import SparkSession  # noqa: PLC0415 (pyspark is slow to import; only this path needs it)
        from splink import SparkAPI  # noqa: PLC0415 (splink is slow to import; only this path needs it)

        session = spark or SparkSession.getActiveSession() or spark_session(threads or 2)
        context = session.sparkContext
        if context.getCheckpointDir() is None:
            # Splink writes intermediate tables under the checkpoint directory; on a cluster set
            # a shared one (HDFS, S3) before linking, on one machine a temporary one does.
            context.setCheckpointDir(tempfile.mkdtemp(prefix="panah-spark-"))
        # In local mode, keep Splink's intermediate tables in memory rather than writing them to
        # parquet between steps (the cluster default, for data that does not fit).
        local = context.master.startswith("local")
        api = SparkAPI(spark_session=session, break_lineage_method="persist" if local else None)
        # The model's SQL names DuckDB's jaro_winkler_similarity, which sqlglot passes on as
        # it is or as jarowinkler_similarity; Splink's jar provides it as jaro_winkler.
        from pyspark.sql.types import DoubleType  # noqa: PLC0415 (pyspark is slow to import; only this path needs it)

        for name in ("jaro_winkler_similarity", "jarowinkler_similarity"):
            session.udf.registerJavaFunction(
                name, "uk.gov.moj.dash.linkage.JaroWinklerSimilarity", DoubleType()
            )
        return api
    raise ValueError(f"unknown linkage backend {backend!r}: choose one of {', '.join(BACKENDS)}")


def _register(db_api, backend: str, frame: pd.DataFrame, name: str):
    """The reports as Splink's input table `name`: on DuckDB a table of its own, copied once."""
    if backend != "duckdb":
        return db_api.register(frame, table_name=name)
    # Splink would read the DataFrame itself, and its blocking reads the reports twice per
    # rule: each read of a DataFrame converts its Python strings again, one thread at a time
    # (scoring 100,000 reports took as long in wall time as in CPU). A DuckDB table is
    # converted once (0.1 s) and read by every thread: the same values, the same pairs.
    con = db_api.duckdb_con
    con.register(f"{name}_frame", frame)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_frame")  # noqa: S608 (our names)
    con.unregister(f"{name}_frame")
    return db_api.register(name)


def _with_contradictions(
    linker, table: str, uncertain: pd.DataFrame, contradicted: pd.DataFrame, high: float
) -> pd.DataFrame:
    """The review band's pairs plus the contradicted pairs scored above it, each with its
    reasons (the evidence columns of the pairs above the band are read from `table`)."""
    reasons = {
        (left, right): found
        for left, right, found in zip(
            contradicted["unique_id_l"],
            contradicted["unique_id_r"],
            contradicted["reasons"],
            strict=True,
        )
    }
    keys = list(zip(uncertain["unique_id_l"], uncertain["unique_id_r"], strict=True))
    uncertain["reasons"] = [
        [*reasons.get(key, []), *current]  # the contradiction first: it is what matters
        for key, current in zip(keys, uncertain["reasons"], strict=True)
    ]
    above = contradicted[contradicted["match_probability"] >= high]
    if not len(above):
        return uncertain
    linker.table_management.register_table(
        above[["unique_id_l", "unique_id_r"]].reset_index(drop=True),
        "panah_contradicted_pairs",
        overwrite=True,
    )
    rows = linker.misc.query_sql(
        f"SELECT p.* FROM {table} p JOIN panah_contradicted_pairs c "  # noqa: S608 (our names)
        "ON p.unique_id_l = c.unique_id_l AND p.unique_id_r = c.unique_id_r",
        output_type="pandas",
    )
    rows["reasons"] = [
        reasons[key] for key in zip(rows["unique_id_l"], rows["unique_id_r"], strict=True)
    ]
    return pd.concat([uncertain, rows], ignore_index=True)


def spark_session(threads: int = 2, memory: str = "2g", master: str | None = None):
    """A Spark session with Splink's string functions: on this machine by default (local
    mode with `threads` cores, no web UI, loopback only, few shuffle partitions instead of
    Spark's 200), or on the cluster `master` names (e.g. spark://host:7077, yarn; default
    $PANAH_SPARK_MASTER). See docs/linkage.md."""
    master = master or os.environ.get("PANAH_SPARK_MASTER")
    from pyspark.sql import SparkSession  # noqa: PLC0415 (pyspark is slow to import; only this path needs it)
    from splink.backends.spark import similarity_jar_location  # noqa: PLC0415 (splink is slow to import; only this path needs it)

    session = (
        SparkSession.builder.master(master or f"local[{int(threads)}]")
        .appName("panah-linkage")
        # Splink's jar brings jaro_winkler_similarity and the other string functions.
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
    )
    if not master:  # one machine: nothing listens beyond loopback, few partitions
        session = (
            session.config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", str(max(2, int(threads))))
            .config("spark.default.parallelism", str(max(2, int(threads))))
        )
    session = session.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _normalised_pairs(pairs: Iterable[tuple]) -> list[tuple]:
    return [(a, b) if a <= b else (b, a) for a, b in pairs]


def link_reports(
    prepared: pd.DataFrame,
    *,
    model_path: str | Path | None = None,
    retrain: bool = False,
    backend: str = "duckdb",
    spark: Any = None,
    threads: int | None = None,
    threshold: float = 0.8,
    review_band: tuple[float, float] = (0.2, 0.9),
    must_link: Iterable[tuple] = (),
    cannot_link: Iterable[tuple] = (),
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
    fallback_model: Callable[[], dict[str, Any]] | None = None,
) -> LinkageResult:
    """Link prepared reports (see prepare_reports) into victims.

    The model is trained on the data (EM) and saved to `model_path` when given; an existing
    model there is reused unless `retrain`. Pairs at or above `threshold` are joined, except
    across confirmed splits (`cannot_link`); confirmed matches (`must_link`) are always joined.
    Pairs scored inside `review_band` and not yet decided make up the review queue.

    Training never stops the linkage: a failed EM session is skipped and its comparisons
    take their m probabilities from `fallback_model()` (a saved or starter model), every
    probability is floored, and if training fails outright the fallback model is used whole.
    `model_used` and `notes` on the result say which happened and why.
    """
    from splink import Linker  # noqa: PLC0415 (splink is slow to import; only this path needs it)

    say = progress or (lambda _msg: None)
    linkage_model.quiet_splink()
    clock = Stopwatch()
    db_api = _db_api(backend, spark, threads)
    frame = prepared.copy()
    for col in ("day_lo", "day_hi", "year"):
        frame[col] = frame[col].astype("float64")  # nullable ints become NULL-able doubles
    frame["age"] = frame["age"].astype("float64")
    # A name of its own: a Spark session outlives one run, and Splink refuses to overwrite.
    sdf = _register(db_api, backend, frame, f"reports_{uuid.uuid4().hex[:12]}")
    n_reports = len(frame)
    del frame  # the backend holds the reports now

    path = Path(model_path) if model_path else None
    notes: list[str] = []
    fallback: dict[str, Any] | None = None

    def get_fallback() -> dict[str, Any] | None:
        nonlocal fallback
        if fallback is None and fallback_model is not None:
            fallback = fallback_model()
        return fallback

    if path and path.exists() and not retrain:
        say(f"using the saved model {path}")
        saved = json.loads(path.read_text(encoding="utf-8"))
        linker = Linker(sdf, linkage_model.with_current_blocking(saved), log_level=None)
        model_used = "saved"
    else:
        say("training the model (u by random sampling, m by EM)")
        linker = Linker(sdf, linkage_model.settings(), log_level=None)
        try:
            linker, trained, notes = linkage_model.train(
                linker,
                n_reports,
                seed=seed,
                rebuild=lambda model: Linker(sdf, model, log_level=None),
            )
            untrained = {c["output_column_name"] for c in linkage_model.settings()["comparisons"]}
            untrained -= trained
            raw = linker.misc.save_model_to_json()
            needs_fallback = untrained or linkage_model.unreached(raw)
            repaired, fixes = linkage_model.repair(
                raw, untrained, get_fallback() if needs_fallback else None, n_reports
            )
            notes += fixes
            model_used = "trained, repaired" if notes else "trained"
            if repaired != raw:
                linker = Linker(sdf, repaired, log_level=None)
        except Exception as exc:  # u could not be estimated: nothing trained to repair
            model = get_fallback()
            if model is None:
                raise
            notes.append(f"training failed ({linkage_model.reason(exc)}): fallback model used")
            linker = Linker(sdf, model, log_level=None)
            model_used = "fallback"
        for note in notes:
            say(note)
        if path and model_used != "fallback":
            path.parent.mkdir(parents=True, exist_ok=True)
            linker.misc.save_model_to_json(str(path), overwrite=True)
    clock.lap("train")

    low = min(review_band[0], threshold)
    say("scoring candidate pairs")
    predictions = linker.inference.predict(threshold_match_probability=low, warning_mode="never")
    table = predictions.physical_name
    pairs = linker.misc.query_sql(
        f"SELECT unique_id_l, unique_id_r, match_probability, match_weight FROM {table}",  # noqa: S608 (Splink's own table name)
        output_type="pandas",
    )
    band_sql = (
        f"SELECT * FROM {table} WHERE match_probability >= {float(review_band[0])} "  # noqa: S608
        f"AND match_probability < {float(review_band[1])}"
    )
    uncertain = linker.misc.query_sql(band_sql, output_type="pandas")
    uncertain["reasons"] = [[UNCERTAIN] for _ in range(len(uncertain))]
    # Pairs with a contradiction are queued whatever their score, saying which.
    contradicted = find_contradictions(prepared, pairs, review_band[0])
    if len(contradicted):
        uncertain = _with_contradictions(linker, table, uncertain, contradicted, review_band[1])
    predictions.drop_table_from_database_and_remove_from_cache()
    model = linker.misc.save_model_to_json()
    if backend == "duckdb":
        # The run's DuckDB database (the reports, Splink's tables) is freed now: Splink's
        # objects refer to each other, so it would otherwise wait for the garbage collector,
        # which a linkage run pauses (linkage_runs.run_linkage).
        db_api.duckdb_con.close()
    clock.lap("predict")
    say(f"{len(pairs):,} scored pairs")

    must = _normalised_pairs(must_link)
    cannot = _normalised_pairs(cannot_link)
    unnamed = prepared.loc[prepared["surname"].isna(), "unique_id"]
    clusters = cluster(
        prepared["unique_id"], pairs, threshold, must, cannot, attach_only=unnamed,
        dates=(prepared["day_lo"], prepared["day_hi"]),
    )  # fmt: skip
    clock.lap("cluster")

    decided = set(must) | set(cannot)
    if decided and len(uncertain):
        keys = list(zip(uncertain["unique_id_l"], uncertain["unique_id_r"], strict=True))
        uncertain = uncertain[[k not in decided for k in keys]]
    lookup = clusters.set_index("unique_id")["cluster_id"]
    uncertain = uncertain.assign(
        same_victim=(
            lookup.reindex(uncertain["unique_id_l"]).to_numpy()
            == lookup.reindex(uncertain["unique_id_r"]).to_numpy()
        )
    ).sort_values("match_probability", ascending=False, ignore_index=True)
    return LinkageResult(clusters, pairs, uncertain, model, clock.total(), model_used, notes)


def score_all_pairs(
    prepared: pd.DataFrame, model: dict[str, Any], *, threads: int | None = 1
) -> pd.DataFrame:
    """Every pair of a few prepared reports scored with a trained `model` (no blocking: for
    the reports of one victim, when a person splits it). Returns unique_id_l, unique_id_r,
    match_probability."""
    from splink import Linker  # noqa: PLC0415 (splink is slow to import; only this path needs it)

    linkage_model.quiet_splink()
    columns = ["unique_id_l", "unique_id_r", "match_probability"]
    if len(prepared) < 2:
        return pd.DataFrame(columns=columns)
    frame = prepared.copy()
    for col in ("day_lo", "day_hi", "year", "age"):
        frame[col] = frame[col].astype("float64")
    settings = {**model, "blocking_rules_to_generate_predictions": ["1=1"]}
    db_api = _db_api("duckdb", threads=threads)
    linker = Linker(db_api.register(frame, table_name="reports"), settings, log_level=None)
    predictions = linker.inference.predict(warning_mode="never")
    return predictions.as_pandas_dataframe()[columns]
