"""`panah evidence SUBCOMMAND`: import reports, export victims, seed published figures, estimate.

panah evidence import FILE --source NAME [--create-source KIND] [--dry-run] [--mapping JSON|FILE]
    [--organisation SLUG]
panah evidence export victims [--format csv|json] [--output FILE] [--organisation SLUG]
panah evidence seed-figures [--organisation SLUG]
panah evidence estimate ...   (see `panah evidence estimate --help`)
panah evidence link [--retrain] [--threshold P] [--threads N] [--format text|json]
    [--organisation SLUG] [--by EMAIL]
panah evidence review export --output FILE.xlsx|FILE.csv [--organisation SLUG] [--by EMAIL]
panah evidence review import FILE --by EMAIL [--dry-run] [--organisation SLUG]
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope, scopes_disabled

from panah.core.commands import member_by_email, organisation_by_slug
from panah.core.models import Organisation, User
from panah.core.spreadsheets import SpreadsheetRefused
from panah.evidence import review_sheet, services
from panah.evidence.importing import MAX_PROBLEMS_KEPT
from panah.evidence.models import ImportStatus, Source, SourceKind


class Command(BaseCommand):
    help = "Evidence of executions: import reports, export victims, seed figures, estimate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        imp = sub.add_parser(
            "import",
            help="import reports from a CSV, XLSX or JSON file (all or nothing)",
            description="Import reports of one source. The column format is in "
            "docs/evidence-import.md. Nothing is saved unless every row is valid.",
        )
        imp.add_argument("file", help="the .csv, .xlsx or .json file")
        imp.add_argument("--source", required=True, help="the source's name, as registered")
        imp.add_argument(
            "--create-source",
            metavar="KIND",
            choices=SourceKind.values,
            help="create the source first if it does not exist (kind: %(choices)s)",
        )
        imp.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row and report; save nothing (not even a source --create-source would create)",
        )
        imp.add_argument(
            "--mapping",
            help='columns to fields, as JSON (\'{"their column": "our field"}\', or "ignore" '
            "to leave a column out) or a .json file; every other column must be one of ours",
        )
        _organisation_argument(imp)
        imp.add_argument("--by", metavar="EMAIL", help="the member recorded as importing")

        exp = sub.add_parser("export", help="export victims with the references of their reports")
        exp.add_argument("what", choices=["victims"])
        exp.add_argument("--format", choices=["csv", "json"], default="csv")
        exp.add_argument("--output", "-o", help="write to this file instead of standard output")
        _organisation_argument(exp)

        seed = sub.add_parser(
            "seed-figures",
            help="add other organisations' published counts to the register (skips existing)",
        )
        seed.add_argument(
            "--organisation", metavar="SLUG", help="only this organisation (default: every one)"
        )

        try:
            from panah.evidence.estimation.cli import add_estimate_parser  # noqa: PLC0415 (Splink and statsmodels load only for the subcommand that needs them)
        except ImportError:  # the estimation package is optional for this command
            pass
        else:
            add_estimate_parser(sub)
            # Without --captures: the capture table of the latest linkage's victims.
            est = sub.choices["estimate"]
            _organisation_argument(est)
            est.add_argument(
                "--year",
                type=int,
                help="only victims executed in this Gregorian year (linked data)",
            )

        link = sub.add_parser(
            "link",
            help="link the reports into victims (Splink), keeping every confirmed match and split",
        )
        link.add_argument(
            "--retrain", action="store_true", help="train the model again on the reports"
        )
        link.add_argument(
            "--threshold", type=float, default=0.8, help="match probability to join (0.8)"
        )
        link.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
        link.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb")
        link.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="the summary as text or as one JSON object (counts and the model used)",
        )
        _organisation_argument(link)
        link.add_argument("--by", metavar="EMAIL", help="the member recorded as running it")

        review = sub.add_parser(
            "review",
            help="the review queue as a spreadsheet: export it, import the decisions taken in it",
        )
        review_sub = review.add_subparsers(dest="action", required=True, metavar="ACTION")
        rexp = review_sub.add_parser("export", help="write the queue to a .xlsx or .csv file")
        rexp.add_argument("--output", "-o", required=True, help="the file (.xlsx or .csv)")
        _organisation_argument(rexp)
        rexp.add_argument("--by", metavar="EMAIL", help="the member recorded as exporting")
        rimp = review_sub.add_parser(
            "import",
            help="apply the decisions of a filled review sheet (all or nothing)",
            description="Rows with decision 'same' or 'different' and a reason are applied, "
            "every one or none; rows without a decision are skipped.",
        )
        rimp.add_argument("file", help="the filled .xlsx or .csv review sheet")
        rimp.add_argument("--by", metavar="EMAIL", required=True, help="the member deciding")
        rimp.add_argument("--dry-run", action="store_true", help="check every row, apply nothing")
        _organisation_argument(rimp)

    def handle(self, *args, subcommand: str, **options):
        handlers = {
            "review": self.review,
            "import": self.import_file,
            "export": self.export,
            "seed-figures": self.seed_figures,
            "estimate": self.estimate,
            "link": self.link,
        }
        handlers[subcommand](options)

    # --- import ----------------------------------------------------------------------------------

    def import_file(self, options) -> None:
        organisation = _organisation(options.get("organisation"))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping = _mapping(options.get("mapping"))
        with scope(organisation=organisation):
            by = _member(organisation, options.get("by"))
            source = Source.objects.filter(name__iexact=options["source"].strip()).first()
            if source is None and not options.get("create_source"):
                known = ", ".join(Source.objects.values_list("name", flat=True)) or "none yet"
                raise CommandError(
                    f"No source named {options['source']!r} in {organisation.slug} "
                    f"(sources: {known}). Add --create-source KIND to create it."
                )

            def progress(rows: int) -> None:
                if rows and rows % 50_000 == 0:
                    self.stderr.write(f"  {rows:,} rows read…")

            if source is None and options["dry_run"]:
                # A dry run changes nothing: the source is not created either.
                batch = services.dry_run_into_new_source(
                    organisation=organisation,
                    name=options["source"].strip(),
                    kind=options["create_source"],
                    path=path,
                    file_name=path.name,
                    mapping=mapping,
                    by=by,
                    progress=progress,
                )
                self.stdout.write(
                    f"The source {options['source'].strip()!r} would be created "
                    "(dry run: it was not)."
                )
                self._print_batch(batch)
                if batch.status == ImportStatus.FAILED:
                    raise CommandError("Nothing would be imported.")
                return
            if source is None:
                source = services.create_source(
                    organisation=organisation,
                    name=options["source"],
                    kind=options["create_source"],
                    by=by,
                )
                self.stdout.write(f"Created the source {source.name!r}.")

            batch = services.import_reports(
                organisation=organisation,
                source=source,
                path=path,
                file_name=path.name,
                mapping=mapping,
                dry_run=options["dry_run"],
                by=by,
                via="cli",
                progress=progress,
            )
        self._print_batch(batch)
        if batch.status == ImportStatus.FAILED:
            raise CommandError("Nothing was imported.")

    def _print_batch(self, batch) -> None:
        write = self.stdout.write
        write(f"{batch.file_name} ({batch.file_format or '?'}, {batch.file_size:,} bytes)")
        if batch.sha256:
            write(f"  sha256 {batch.sha256}")
        write(f"  import batch #{batch.pk}" if batch.pk else "  no import batch kept (dry run)")
        if batch.file_error:
            write(self.style.ERROR(f"Refused: {batch.file_error}"))
            return
        would = "would be created" if batch.status != ImportStatus.IMPORTED else "created"
        write(
            f"  {batch.row_count:,} rows read: {batch.created_count:,} new reports {would}, "
            f"{batch.unchanged_count:,} already imported and unchanged, "
            f"{batch.conflict_count:,} already imported with other values (kept as they were), "
            f"{batch.duplicate_count:,} repeated rows."
        )
        for level, title in (("error", "Errors"), ("warning", "Warnings")):
            problems = [p for p in batch.problems if p["level"] == level]
            if problems:
                write(f"{title}:")
                for p in problems:
                    column = f", column {p['column']!r}" if p["column"] else ""
                    target = f" ({p['field']})" if p["field"] else ""
                    write(f"  row {p['row']}{column}{target}: {p['message']}")
        if batch.error_count > len(batch.errors):
            write(
                f"  … {batch.error_count:,} errors in all (the first {MAX_PROBLEMS_KEPT} listed)."
            )
        if batch.status == ImportStatus.DRY_RUN:
            write(self.style.SUCCESS("Dry run: every row is valid. Nothing was saved."))
        elif batch.status == ImportStatus.IMPORTED:
            write(self.style.SUCCESS(f"Imported {batch.created_count:,} new reports."))
        else:
            write(self.style.ERROR(f"{batch.error_count:,} errors: nothing was saved."))

    # --- export ----------------------------------------------------------------------------------

    def export(self, options) -> None:
        organisation = _organisation(options.get("organisation"))
        output = options.get("output")
        with scope(organisation=organisation):
            if output:
                with open(output, "w", newline="", encoding="utf-8") as stream:
                    count = services.export_victims(
                        organisation=organisation, stream=stream, file_format=options["format"]
                    )
                self.stderr.write(f"{count:,} victims written to {output}.")
            else:
                services.export_victims(
                    organisation=organisation, stream=self.stdout, file_format=options["format"]
                )

    # --- seed-figures ----------------------------------------------------------------------------

    def seed_figures(self, options) -> None:
        slug = options.get("organisation")
        with scopes_disabled():
            organisations = (
                [_organisation(slug)] if slug else list(Organisation.objects.order_by("slug"))
            )
        if not organisations:
            raise CommandError("There is no organisation yet.")
        for organisation in organisations:
            with scope(organisation=organisation):
                created = services.seed_published_figures(organisation=organisation)
            self.stdout.write(f"{organisation.slug}: {created} published figures added.")
        self.stdout.write(
            "Check each figure, its period and its as-of date against the organisation's "
            "primary report before quoting it."
        )

    # --- estimate --------------------------------------------------------------------------------

    def estimate(self, options) -> None:
        from panah.evidence.estimation.cli import run_estimate  # noqa: PLC0415 (Splink and statsmodels load only for the subcommand that needs them)

        if options.get("captures"):
            run_estimate(options, self.stdout)
            return
        from panah.evidence.statistics import Statistics  # noqa: PLC0415 (Splink and statsmodels load only for the subcommand that needs them)

        organisation = _organisation(options.get("organisation"))
        with scope(organisation=organisation):
            stats = Statistics(organisation)
            if stats.run is None:
                raise CommandError(
                    "The reports have not been linked yet: run `panah evidence link` first, "
                    "or give a capture-history file with --captures FILE."
                )
            table = stats.capture_table(year=options.get("year"))
            linkage = (
                stats.linkage_uncertainty(year=options.get("year"))
                if options.get("linkage_draws")
                else None
            )
        period = f"executions in {options['year']}" if options.get("year") else "all dates"
        self.stderr.write(
            f"Capture table from linkage run {stats.run.pk} ({period}, {table.observed:,} "
            f"victims documented by {len(table.lists)} sources)."
        )
        run_estimate(options, self.stdout, table=table, linkage=linkage)

    # --- link ------------------------------------------------------------------------------------

    def link(self, options) -> None:
        from panah.evidence.linkage_runs import LinkageRefused, run_linkage  # noqa: PLC0415 (Splink and statsmodels load only for the subcommand that needs them)

        organisation = _organisation(options.get("organisation"))
        with scope(organisation=organisation):
            by = _member(organisation, options.get("by"))

            def progress(message: str) -> None:
                self.stderr.write(f"  {message}")

            try:
                run = run_linkage(
                    organisation=organisation,
                    by=by,
                    retrain=options["retrain"],
                    threshold=options["threshold"],
                    threads=options.get("threads"),
                    backend=options["backend"],
                    progress=progress,
                )
            except (LinkageRefused, ValueError) as exc:
                raise CommandError(f"The linkage was refused: {exc}") from None
            except Exception as exc:
                if type(exc).__name__ == "BackendUnavailable":
                    raise CommandError(str(exc)) from None
                raise
        if options.get("format") == "json":
            summary = {
                "run": run.pk,
                "reports": run.report_count,
                "victims": run.victim_count,
                "pairs_to_review": run.review_count,
                "model": run.parameters.get("model", ""),
                "model_used": run.parameters.get("model_used", ""),
                "model_notes": run.parameters.get("model_notes", []),
            }
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"Linkage run {run.pk}: {run.report_count:,} reports, {run.victim_count:,} victims, "
            f"{run.review_count:,} pairs to review."
        )
        if run.notes:
            self.stdout.write(run.notes)

    # --- review sheet --------------------------------------------------------------------------

    def review(self, options) -> None:

        organisation = _organisation(options.get("organisation"))
        with scope(organisation=organisation):
            by = _member(organisation, options.get("by"))
            if options["action"] == "export":
                output = Path(options["output"])
                fmt = output.suffix.lower().lstrip(".")
                if fmt not in review_sheet.FORMATS:
                    raise CommandError("--output must end in .xlsx or .csv")
                body = review_sheet.export_queue(organisation, fmt, by=by)
                output.write_bytes(body)
                self.stdout.write(f"Review queue written to {output}.")
                return
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"No file {path}.")
            try:
                result = review_sheet.import_decisions(
                    organisation, str(path), path.name, by=by, dry_run=options["dry_run"]
                )
            except SpreadsheetRefused as exc:
                raise CommandError(str(exc)) from None
        if result.errors:
            for number, message in result.errors[:MAX_PROBLEMS_KEPT]:
                self.stderr.write(f"  row {number}: {message}")
            raise CommandError(
                f"Nothing applied: {len(result.errors)} row(s) need correcting "
                f"({result.checked} decided, {result.skipped} without a decision)."
            )
        if result.dry_run:
            self.stdout.write(
                f"The sheet is valid: {result.checked} decisions would be applied "
                f"({result.skipped} rows without a decision); nothing was changed."
            )
        else:
            self.stdout.write(
                f"{result.decided} decisions applied ({result.skipped} rows without a decision)."
            )


def _organisation_argument(parser) -> None:
    parser.add_argument(
        "--organisation", metavar="SLUG", help="the organisation (needed when there are several)"
    )


def _organisation(slug: str | None) -> Organisation:
    with scopes_disabled():
        if slug:
            return organisation_by_slug(slug)
        organisations = list(Organisation.objects.order_by("slug")[:20])
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise CommandError("There is no organisation yet.")
    raise CommandError(
        "Name the organisation with --organisation SLUG (one of: "
        + ", ".join(o.slug for o in organisations)
        + ")."
    )


def _member(organisation: Organisation, email: str | None) -> User | None:
    return member_by_email(organisation, email) if email else None


def _mapping(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    text = value
    if not value.lstrip().startswith("{"):
        try:
            text = Path(value).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"--mapping is neither JSON nor a readable file: {exc}") from None
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"--mapping is not valid JSON: {exc}") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str | None) for k, v in mapping.items()
    ):
        raise CommandError('--mapping must be an object: {"their column": "our field", ...}')
    return {k: v or "" for k, v in mapping.items()}
