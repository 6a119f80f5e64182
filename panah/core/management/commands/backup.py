"""`panah backup`: one encrypted, integrity-checked archive of the database and the files.

    panah backup [--output DIR] [--passphrase-file F | --key-file F] [--no-key-shares]
    panah backup verify ARCHIVE [--passphrase-file F | --key-file F]
    panah backup new-key FILE

The archive is named panah-backup-YYYYMMDD-HHMMSS.panah (UTC). It holds the database (the
organisation keys in it are wrapped by the master key), the encrypted files and the erasure
ledger, never the master key: keep that apart, escrowed (docs/operations.md). Beside it, a
second archive, panah-keyshares-YYYYMMDD-HHMMSS.panah, holds the data key shares (the halves of
the data keys kept outside the database); keep those only briefly (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panah.core.backup.container import BackupError, new_key_file
from panah.core.backup.secrets import add_secret_arguments, secret_from_options
from panah.core.backup.service import (
    create_backup,
    create_key_shares_backup,
    current_shares,
    verify_backup,
)


class Command(BaseCommand):
    help = "Write an encrypted backup archive, or verify one without restoring it."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Folder for the archive (default: backups/ in the var folder).",
        )
        add_secret_arguments(parser)
        parser.add_argument(
            "--no-key-shares",
            action="store_true",
            help="Do not write the key shares archive beside the database archive.",
        )
        sub = parser.add_subparsers(dest="action", metavar="{verify,new-key}")
        verify = sub.add_parser("verify", help="Check an archive completely without restoring.")
        verify.add_argument("archive", metavar="ARCHIVE")
        add_secret_arguments(verify)
        new_key = sub.add_parser("new-key", help="Write a new random backup key file.")
        new_key.add_argument("file", metavar="FILE")

    def handle(self, *args, **options) -> None:
        try:
            action = options.get("action")
            if action == "verify":
                self.verify(options)
            elif action == "new-key":
                key_id = new_key_file(options["file"])
                self.stdout.write(
                    self.style.SUCCESS(f"Backup key {key_id} written to {options['file']}.")
                )
                self.stdout.write(
                    "Keep a copy of it apart from the backups (docs/operations.md, key escrow)."
                )
            else:
                self.create(options)
        except BackupError as exc:
            raise CommandError(str(exc)) from None

    def create(self, options) -> None:
        secret = secret_from_options(options, creating=True)
        output = Path(options.get("output") or Path(settings.VAR_DIR) / "backups")
        result = create_backup(output, secret, stream=self.stderr._out)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {result.path} ({result.size / 1_000_000:.1f} MB, "
                f"{result.files} file(s), {sum(result.tables.values())} rows in "
                f"{len(result.tables)} tables, {result.seconds:.1f} s)."
            )
        )
        if result.missing_files:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(result.missing_files)} file(s) named in the database were missing on "
                    "disk and are not in the archive."
                )
            )
        self.stdout.write(
            f"The erasure ledger lists {result.erasures} destroyed key(s); it is in the archive."
        )
        if not options.get("no_key_shares") and current_shares():
            shares = create_key_shares_backup(output, secret, stream=self.stderr._out)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Key shares written: {shares.path} ({shares.files} share(s)). Keep these "
                    "archives only a short time (docs/operations.md)."
                )
            )

    def verify(self, options) -> None:
        secret = secret_from_options(options, creating=False)
        report = verify_backup(options["archive"], secret, stream=self.stderr._out)
        meta = report.meta
        kind = f"{meta['database']['vendor']} database" if "database" in meta else "key shares"
        self.stdout.write(
            f"{report.path.name}: made {meta.get('created', '?')[:19]} by Panah "
            f"{meta.get('app_version')}, {kind}, {report.size / 1_000_000:.1f} MB"
        )
        self.stdout.write("  every chunk authenticates; every member matches the manifest")
        for line in report.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  erasure ledger: {report.erasures} destroyed key(s)")
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"  warning: {warning}"))
        self.stdout.write(self.style.SUCCESS("The archive is intact."))
