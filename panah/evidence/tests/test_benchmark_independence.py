"""The benchmark is independent of the linker: the linker never reads the generators' tables,
and every kind of generated archive links through `panah evidence link`."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import ast
import csv
import json
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scope

import panah.evidence
from panah.evidence import services
from panah.evidence.benchmark.sets import GRID, SetSpec, generate_set
from panah.evidence.benchmark.spellings import transliterate
from panah.evidence.models import Source, SourceKind, Victim

from .linking_fixtures import _linkage_settings, starter_model  # noqa: F401

EVIDENCE = Path(panah.evidence.__file__).parent
# What the linker is made of: everything that turns reports into victims.
LINKER = (
    "panah.evidence.linkage",
    "panah.evidence.linkage_runs",
    "panah.evidence.names",
    "panah.evidence.normalise",
    "panah.evidence.dates",
    "panah.evidence.reference",
)
# The benchmark generator's spellings (and the tests' own generator), which no part of the
# linker may read.
BENCHMARK = ("panah.evidence.benchmark", "panah.evidence.tests")
# The synthetic generator's lists: the starter model is trained on its reports (linking's
# ensure_starter_model), but the model, the name keys and the places never read them.
SYNTHETIC = ("panah.evidence.synthetic", "panah.evidence.synthetic_names")
FORBIDDEN = {name: BENCHMARK + SYNTHETIC for name in LINKER} | {
    "panah.evidence.linkage_runs": BENCHMARK
}


def module_file(name: str) -> Path | None:
    parts = name.split(".")
    if parts[:2] != ["panah", "evidence"]:
        return None
    base = EVIDENCE.joinpath(*parts[2:])
    if base.with_suffix(".py").exists():
        return base.with_suffix(".py")
    if (base / "__init__.py").exists():
        return base / "__init__.py"
    return None


def imports_of(path: Path, package: str) -> set[str]:
    """Every panah.evidence module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith("panah.evidence")}


def reachable(start: str) -> set[str]:
    """The panah.evidence modules `start` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo.extend(imports_of(path, package))
        if path.name == "__init__.py":  # a package: its modules are the linker too
            todo.extend(
                f"{name}.{p.stem}" for p in path.parent.glob("*.py") if p.stem != "__init__"
            )
    return seen


@pytest.mark.parametrize("start", LINKER)
def test_the_linker_never_imports_a_generators_tables(start):
    reached = reachable(start)
    assert reached, start
    leaks = sorted(m for m in reached if m.startswith(FORBIDDEN[start]))
    assert not leaks, f"{start} reaches {leaks}"


def test_the_reference_tables_import_nothing_of_either_side():
    assert imports_of(EVIDENCE / "reference.py", "panah.evidence") == set()


def test_the_check_would_catch_a_leak(tmp_path):
    # places.py read its provinces from the synthetic generator's lists before; and a
    # relative import inside a function counts too.
    leaky = tmp_path / "places.py"
    leaky.write_text(
        "from panah.evidence.synthetic_names import PROVINCES\n"
        "def f():\n    from ..benchmark import spellings\n"
    )
    found = imports_of(leaky, "panah.evidence.linkage")
    assert {"panah.evidence.synthetic_names", "panah.evidence.benchmark"} <= found


def test_the_generator_writes_spellings_the_synthetic_lists_never_held():
    from panah.evidence.reference import SURNAMES

    known = {
        spelling.replace("+", "").lower()
        for line in SURNAMES.strip().splitlines()
        for spelling in [line.split("|")[1], *line.split("|")[2].split(",")]
        if spelling
    }
    written = {transliterate("Hosseini", s).lower() for s in ("french", "german", "academic")}
    assert written - known, "the schemes only repeat the synthetic generator's spellings"


# --- Every kind of archive links through the command ----------------------------------------------


def import_set(org, frame) -> None:
    """Each source's reports imported through the real import service, as a researcher would."""
    with scope(organisation=org), tempfile.TemporaryDirectory() as tmp:
        for name, rows in frame.groupby("source"):
            source = Source.objects.filter(name=name).first() or services.create_source(
                organisation=org, name=name, kind=SourceKind.NGO
            )
            path = Path(tmp) / f"{name}.csv"
            columns = [c for c in rows.columns if c not in ("source", "victim", "true_name")]
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows[columns].to_dict("records"))
            batch = services.import_reports(
                organisation=org, source=source, path=path, file_name=path.name
            )
            assert batch.status == "imported", batch.problems[:3]


# Small versions of every setting of the benchmark's grid (the bench runs them at 5,000 and
# more; 1,000,000 in bench/linkage_robustness.py --with-1m).
SMALL_GRID = [
    (label, SetSpec(**{**spec.__dict__, "n_reports": 700, "seed": i}))
    for i, (label, spec) in enumerate(GRID)
]


@pytest.mark.django_db
@pytest.mark.parametrize("label,spec", SMALL_GRID, ids=[label for label, _ in SMALL_GRID])
def test_every_kind_of_archive_links_through_the_command(org_a, label, spec):
    frame = generate_set(spec)
    import_set(org_a, frame)
    out = StringIO()
    call_command("evidence", "link", "--threads", "1", "--format", "json", stdout=out)
    summary = json.loads(out.getvalue())
    true_victims = frame["victim"].nunique()
    assert summary["reports"] == len(frame)
    assert summary["model_used"] in ("trained", "trained, repaired", "fallback")
    # Linked: reports joined into victims, and not lumped together. How well is the bench's
    # question (bench/linkage_quality.py prints F1 and count error for every setting).
    # At least half the reports that repeat a victim are joined to it.
    repeats = len(frame) - true_victims
    assert true_victims * 0.8 <= summary["victims"] <= len(frame) - repeats / 2, summary
    with scope(organisation=org_a):
        assert Victim.objects.filter(retired_at__isnull=True).count() == summary["victims"]
