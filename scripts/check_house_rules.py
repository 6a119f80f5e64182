"""House rules that no linter checks for us (docs/structure.md); `make lint` runs this.

- A function-level import in panah/ (outside tests) says why: `# noqa: PLC0415 (reason)`.
  Ruff's PLC0415 finds the imports; this checks that each exemption carries its reason.
- No unbounded cache: `functools.cache` and `lru_cache(maxsize=None)` keep whatever they are
  given for the life of the process; a cache of ours has a size.

Prints each offence as `file:line: message` and exits 1 if there is any.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "panah"
REASON = re.compile(r"#\s*noqa:[^#(]*PLC0415[^#(]*\(\s*\S[^)]*\)")


def _exempt_without_reason(path: Path, lines: list[str]) -> list[str]:
    return [
        f"{path}:{n}: a function-level import needs its reason: `# noqa: PLC0415 (why)`"
        for n, line in enumerate(lines, 1)
        if "PLC0415" in line and not REASON.search(line)
    ]


def _unbounded_caches(path: Path, tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for deco in node.decorator_list:
            name = ast.unparse(deco)
            unbounded = name in ("cache", "functools.cache") or (
                isinstance(deco, ast.Call)
                and ast.unparse(deco.func) in ("lru_cache", "functools.lru_cache")
                and any(
                    k.arg == "maxsize"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is None
                    for k in deco.keywords
                )
            )
            if unbounded:
                found.append(
                    f"{path}:{deco.lineno}: unbounded cache on {node.name}(): give it a maxsize"
                )
    return found


def main() -> int:
    problems: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        rel = path.relative_to(ROOT.parent)
        problems += _exempt_without_reason(rel, text.splitlines())
        problems += _unbounded_caches(rel, ast.parse(text))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
