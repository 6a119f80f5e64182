"""`panah restore ARCHIVE [--force] [--key-shares SHARES]`: bring a backup back into this instance.

Refuses an instance that holds data unless --force; refuses an archive made by a newer Panah
(migrations this code does not know). Everything is decrypted and checked into a staging
folder first; only then are the database (one transaction) and the files folder (a rename)
replaced, so a wrong passphrase or a damaged archive leaves the instance as it was. Records
listed in the erasure ledger are erased again before the restored copy goes live. On a new
machine, give the newest key shares archive with --key-shares: the shares the share folder
lacks are written, never those of erased records.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from panah.core.backup.container import BackupError
from panah.core.backup.secrets import add_secret_arguments, secret_from_options
from panah.core.backup.service import restore_backup


class Command(BaseCommand):
    help = "Restore a backup archive into this (empty) instance."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", metavar="ARCHIVE")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace this instance's data even though it is not empty.",
        )
        parser.add_argument(
            "--key-shares",
            metavar="SHARES",
            help="A key shares archive (panah-keyshares-*.panah, the newest) to restore too.",
        )
        add_secret_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            secret = secret_from_options(options, creating=False)
            report = restore_backup(
                options["archive"],
                secret,
                force=options["force"],
                key_shares=options.get("key_shares"),
                stream=self.stderr._out,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        meta = report.meta
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {report.path.name} (made {meta.get('created', '?')[:19]}): "
                f"{sum(meta.get('tables', {}).values())} rows, {report.files} file(s), "
                f"in {report.seconds:.1f} s."
            )
        )
        self.stdout.write(
            f"Erasures re-applied from the ledger: {report.erasures_reapplied} record(s)."
        )
        if options.get("key_shares"):
            self.stdout.write(
                f"Key shares written: {report.shares_written}; refused because erased: "
                f"{report.shares_refused}."
            )
        if report.records_without_share:
            self.stderr.write(
                self.style.WARNING(
                    f"{report.records_without_share} record(s) cannot be decrypted: their key "
                    "share is not in the share folder. Restore the newest key shares archive "
                    "with --key-shares (or copy the share folder from the old server); records "
                    "erased since are meant to stay so."
                )
            )
        if report.migrated:
            self.stdout.write("The database was migrated to this version of Panah.")
        self.stdout.write(
            "Run `panah audit verify` and `panah keys status` to check the restored instance."
        )
