"""The `estimate` command: arguments, running the estimators, printing text or JSON.

`add_estimate_parser(subparsers)` adds `estimate` to a command with subcommands (`panah evidence
estimate`); `add_estimate_arguments(parser)` adds the same options to a standalone command
(`panah evidence_estimate`). `run_estimate(options, stdout)` does the work for both.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections import Counter
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from django.core.management.base import CommandError
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _

from .captures import CaptureFileError, CaptureTable, read_capture_file
from .estimate import LINKAGE_DRAWS, METHODS, EstimationReport, estimate_all
from .lcmcr import MIN_ESS
from .linkage_uncertainty import LinkageUncertainty

DEFAULT_SEED = 2016  # fixed, so that a published estimate can be reproduced exactly


def add_estimate_arguments(parser) -> None:
    """Add the estimate options to an argparse parser."""
    parser.add_argument(
        "--captures",
        metavar="FILE",
        help="capture-history CSV: one 0/1 column per list and a count column",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help="comma-separated: loglinear, lcmcr, bma (model averaging over decomposable "
        "graphs; default all three)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"LCMCR random seed ({DEFAULT_SEED})"
    )
    parser.add_argument("--burn-in", type=int, default=4_000, help="LCMCR burn-in sweeps (4000)")
    parser.add_argument(
        "--samples",
        type=int,
        default=500,
        help="LCMCR posterior draws kept per chain at first (500; more until --min-ess)",
    )
    parser.add_argument("--thin", type=int, default=10, help="LCMCR sweeps per kept draw (10)")
    parser.add_argument("--chains", type=int, default=4, help="LCMCR chains, for R-hat (4)")
    parser.add_argument(
        "--min-ess",
        type=float,
        default=MIN_ESS,
        help=f"LCMCR runs on until N has this many effective draws ({MIN_ESS})",
    )
    parser.add_argument(
        "--linkage-draws",
        type=int,
        default=LINKAGE_DRAWS,
        help="clusterings drawn from the linkage's probabilities for the intervals that "
        f"carry linkage uncertainty (linked data only; {LINKAGE_DRAWS}; 0 to skip)",
    )
    parser.add_argument(
        "--classes", type=int, default=10, help="LCMCR truncation K*, latent classes (10)"
    )


def add_estimate_parser(subparsers) -> None:
    """Add the `estimate` subcommand to a command's subparsers."""
    parser = subparsers.add_parser(
        "estimate",
        help="estimate how many people no list documented (multiple systems estimation)",
    )
    add_estimate_arguments(parser)


def run_estimate(
    options: Mapping[str, Any],
    stdout,
    table: CaptureTable | None = None,
    linkage: LinkageUncertainty | None = None,
) -> EstimationReport:
    """Estimate from options["captures"] (or from `table`, e.g. built from linked victims with
    CaptureTable.from_source_sets) and write the report; errors become CommandError. With
    `linkage` (how sure the linkage behind `table` was), each model is also given with an
    interval that carries linkage uncertainty."""
    if table is None:
        path = options.get("captures")
        if not path:
            raise CommandError(_("Give a capture-history file with --captures FILE."))
        try:
            table = read_capture_file(path)
        except CaptureFileError as exc:
            lines = "\n".join(f"  - {e}" for e in exc.errors)
            raise CommandError(_("The capture file cannot be used:") + f"\n{lines}") from None
    methods = tuple(m.strip() for m in str(options.get("methods") or "").split(",") if m.strip())
    checks = (("burn_in", 0), ("samples", 10), ("thin", 1), ("classes", 2), ("chains", 1))
    for name, minimum in checks + (("min_ess", 0), ("linkage_draws", 0)):
        value = options.get(name)
        if value is not None and value < minimum:
            raise CommandError(
                _("--%(name)s must be at least %(min)s.")
                % {"name": name.replace("_", "-"), "min": minimum}
            )
    lcmcr_options = {
        key: options[key]
        for key in ("burn_in", "samples", "thin", "classes", "chains", "min_ess")
        if options.get(key) is not None
    }
    try:
        report = estimate_all(
            table,
            methods=methods or METHODS,
            level=float(options.get("level") or 0.95),
            seed=options.get("seed", DEFAULT_SEED),
            lcmcr_options=lcmcr_options,
            linkage=linkage,
            linkage_draws=int(options.get("linkage_draws") or 0) if linkage is not None else 0,
        )
    except (ValueError, CaptureFileError) as exc:
        raise CommandError(str(exc)) from None
    if options.get("format") == "json":
        stdout.write(json.dumps(report_as_json(report), indent=2, ensure_ascii=False))
    else:
        stdout.write(report_as_text(report))
    return report


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def report_as_json(report: EstimationReport) -> dict[str, Any]:
    """The report as JSON-ready data: every model's name, estimate, interval and method."""
    return _clean(
        {
            "observed": report.observed,
            "documented": f"at least {report.observed}",
            "lists": list(report.lists),
            "list_totals": report.list_totals,
            "level": report.level,
            "estimates": [e.as_dict() for e in report.estimates],
            "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
            "candidates": [
                {
                    "name": f.name,
                    "estimate": f.estimate,
                    "aic": f.aic,
                    "bic": f.bic,
                    "deviance": f.deviance,
                    "df": f.df,
                    "problem": f.problem,
                }
                for f in report.candidates
            ],
            "linkage": report.linkage,
            "notes": report.notes,
            "warning": warning_text(),
        }
    )


def warning_text() -> str:
    """The plain-language caveat printed with every estimate."""
    return _(
        "These are estimates, not counts. Each model guesses how many people no list "
        "documented, and is only as good as its assumptions: that the lists cover the same "
        "population and period, that linkage matched people across lists correctly, and that "
        "the model describes how the lists depend on each other. Lists that copy from each "
        "other or share informants (positive dependence), and people whom every list is "
        "unlikely to reach (heterogeneity, e.g. executions that were never announced), both "
        "tend to make the total look smaller than it is, and a model that tries to correct "
        "for them can also overshoot. Log-linear models correct only for the "
        "dependence they include; the latent-class model allows for heterogeneity but not for "
        "one list copying another. When the models disagree, that disagreement is part of the "
        "uncertainty."
    )


def _number(value: float | None) -> str:
    return "?" if value is None else f"{round(value):,}"


def _interval(estimate) -> str:
    if estimate.high is None:
        return _("%(low)s to unbounded") % {"low": _number(estimate.low)}
    return f"{_number(estimate.low)}–{_number(estimate.high)}"


def grouped(value: float) -> str:
    """A whole number with the reader's thousands separator (1,688; 1 688; 1.688): a French
    reader takes "1,688" for one and a bit. Persian, whose Django format groups no digits,
    keeps the comma it showed before."""
    if not get_format("NUMBER_GROUPING"):
        return f"{round(value):,}"
    return number_format(round(value), force_grouping=True)


def linkage_text(linkage: Mapping[str, Any]) -> str:
    """What the linkage-uncertainty intervals are, in one paragraph."""
    check = linkage.get("clerical_check")
    if check:
        return _(
            "Linkage uncertainty: the models were fitted again on %(draws)s clusterings drawn "
            "from a check of the linkage by hand (%(missed)s of %(one)s victims documented by "
            "one source were someone already counted; %(wrong)s of %(several)s victims of "
            "several reports were more than one person); between %(low)s and %(high)s "
            "distinct people documented. An interval that ignores linkage treats every join "
            "and every missed join as certain; the one beside it does not."
        ) % {
            "draws": linkage["draws"],
            "missed": check["missed_links"],
            "one": check["one_source_checked"],
            "wrong": check["wrong_joins"],
            "several": check["several_checked"],
            "low": grouped(linkage["documented_low"]),
            "high": grouped(linkage["documented_high"]),
        }
    return _(
        "Linkage uncertainty: the models were fitted again on %(draws)s clusterings drawn "
        "from the linkage's match probabilities (%(links)s uncertain links; between "
        "%(low)s and %(high)s distinct people documented). An interval that ignores linkage "
        "treats every join and every missed join as certain; the one beside it does not."
    ) % {
        "draws": linkage["draws"],
        "links": grouped(linkage["uncertain_links"]),
        "low": grouped(linkage["documented_low"]),
        "high": grouped(linkage["documented_high"]),
    }


def _linkage_cells(result: Mapping[str, Any] | None) -> list[str]:
    if not result or result.get("estimate") is None:
        return [_("no estimate"), ""]
    return [_number(result["estimate"]), _interval(SimpleNamespace(**result))]


def report_as_text(report: EstimationReport) -> str:
    """The report as a table and plain sentences."""
    pct = f"{report.level * 100:g}%"
    totals = ", ".join(f"{name}: {count:,}" for name, count in report.list_totals.items())
    lines = [
        _("Multiple systems estimation from %(k)s lists (%(totals)s).")
        % {"k": len(report.lists), "totals": totals},
        "",
        _("Documented: at least %(n)s distinct people (a count).") % {"n": f"{report.observed:,}"},
        "",
    ]
    linked = report.linkage is not None
    if report.estimates:
        header = [
            _("model"),
            _("chosen by"),
            _("estimate"),
            _("%(pct)s interval") % {"pct": pct},
            _("interval type"),
        ]
        if linked:
            header += [_("with linkage uncertainty"), _("its interval")]
        rows = [tuple(header)]
        for e in report.estimates:
            row = [e.name, ", ".join(e.selected_by), _number(e.estimate), _interval(e), e.interval]
            if linked:
                row += _linkage_cells(e.with_linkage)
            rows.append(tuple(row))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for i, row in enumerate(rows):
            lines.append(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines += ["", _("Estimated (documented and undocumented together):")]
        for e in report.estimates:
            chosen = f" [{', '.join(e.selected_by)}]" if e.selected_by else ""
            lines.append(
                "  "
                + _("%(model)s%(chosen)s: about %(m)s (%(pct)s interval %(interval)s)")
                % {
                    "model": e.name,
                    "chosen": chosen,
                    "m": _number(e.estimate),
                    "pct": pct,
                    "interval": _interval(e),
                }
            )
            if linked and e.with_linkage and e.with_linkage.get("estimate") is not None:
                lines.append(
                    "    "
                    + _(
                        "allowing for linkage uncertainty: about %(m)s "
                        "(%(pct)s interval %(interval)s)"
                    )
                    % {
                        "m": _number(e.with_linkage["estimate"]),
                        "pct": pct,
                        "interval": _interval(SimpleNamespace(**e.with_linkage)),
                    }
                )
        if linked:
            lines += ["", *textwrap.wrap(linkage_text(report.linkage), width=90)]
    else:
        lines.append(_("No model gave an estimate for this table."))
    if report.skipped:
        lines += ["", _("Models skipped: %(n)s.") % {"n": len(report.skipped)}]
        for reason, count in Counter(s.reason for s in report.skipped).most_common():
            examples = [s.name for s in report.skipped if s.reason == reason][:3]
            more = "" if count <= 3 else ", …"
            lines.append(f"  {count} × {reason}: {', '.join(examples)}{more}")
    for note in report.notes:
        lines.append(_("Note: %(note)s") % {"note": note})
    warning = _("Warning: %(text)s") % {"text": warning_text()}
    lines += ["", *textwrap.wrap(warning, width=90), ""]
    return "\n".join(lines)
