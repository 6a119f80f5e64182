"""The Spark backend on a local Spark session gives the same victims as DuckDB.

Runs in `make test` (pyspark is pinned in requirements.in, Java 17 comes from the Makefile's
system-libs); it is skipped only where pyspark is not installed at all.
"""

import os

import numpy as np
import pytest

from panah.evidence.linkage import link_reports, prepare_reports, spark_session
from panah.evidence.synthetic import generate

pytest.importorskip("pyspark")


def _victims(result) -> set[frozenset]:
    clusters = result.clusters.set_index("unique_id")["cluster_id"]
    return {frozenset(group.index) for _, group in clusters.groupby(clusters)}


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = spark_session(threads=1)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def benchmark_set():
    data = generate(n_reports=300, seed=3)
    prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
    prepared["unique_id"] = np.arange(len(prepared))
    return data, prepared


def test_spark_and_duckdb_find_the_same_victims_with_the_same_model(spark, benchmark_set, tmp_path):
    data, prepared = benchmark_set
    model_path = tmp_path / "model.json"
    duckdb = link_reports(prepared, model_path=model_path, threads=1, seed=3)
    on_spark = link_reports(prepared, backend="spark", spark=spark, model_path=model_path)
    assert on_spark.model_used == "saved"
    assert _victims(on_spark) == _victims(duckdb)
    assert len(on_spark.pairs) == len(duckdb.pairs)
    # the engines score every pair alike, up to the last bits of a double (which the
    # clustering treats as ties, see test_linkage's tests of tied pairs)
    both = duckdb.pairs.merge(on_spark.pairs, on=["unique_id_l", "unique_id_r"])
    assert len(both) == len(duckdb.pairs)
    assert (both["match_probability_x"] - both["match_probability_y"]).abs().max() < 1e-12
    # and they are the victims: most reports of one true person are joined
    assert abs(on_spark.n_victims - len(set(data.truth))) <= 0.05 * len(set(data.truth))
