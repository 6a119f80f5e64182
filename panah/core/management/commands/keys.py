"""`panah keys init|status|rotate`: the encryption keys, without their material.

`init` creates a production server's first master keyring at PANAH_MASTER_KEY_FILE (mode
0600, written atomically) and the data key share folder beside it, refuses when a keyring
exists or the database or share folder show that one did, and prints what to back up and
escrow (panah.core.crypto.keyring_init says why each refusal).

`rotate --master` adds a new master key to the keyring file and rewraps every organisation
key; `rotate --organisation-keys` gives each organisation (or `--organisation SLUG`) a new key
and rewraps its data keys. Without either flag both happen. Nothing is re-encrypted, nothing
stops: running processes pick up the new keys on their own. Old master keys stay in the
keyring so older backups still open; `status` shows which keys are still in use.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from panah.core.backup.ledger import ledger_path
from panah.core.commands import organisation_by_slug
from panah.core.crypto import CryptoError
from panah.core.crypto.keyring_init import InitialKeyring, create_first_keyring
from panah.core.crypto.rotation import key_status, rotate_master_key, rotate_organisation_key
from panah.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Create the first master keyring, show the encryption keys in use, or rotate them by "
        "rewrapping (no re-encryption)."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init", help="Create a new server's master keyring (never overwrites one).")
        sub.add_parser("status", help="Which master and organisation keys exist and are used.")
        rotate = sub.add_parser("rotate", help="Rotate the master key and/or organisation keys.")
        rotate.add_argument("--master", action="store_true", help="Rotate the master key.")
        rotate.add_argument(
            "--organisation-keys", action="store_true", help="Rotate organisation keys."
        )
        rotate.add_argument("--organisation", metavar="SLUG", help="Only this organisation's key.")
        rotate.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "init":
                self.init()
            elif options["action"] == "status":
                self.status()
            else:
                self.rotate(options)
        except CryptoError as exc:
            raise CommandError(str(exc)) from None

    def init(self) -> None:
        made = create_first_keyring(erasure_ledger=ledger_path())
        path = made.keyring.path
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the master keyring {path} (mode 0600) with master key "
                f"{made.keyring.active.key_id}."
            )
        )
        if made.shares_dir_created:
            self.stdout.write(f"Created the key share folder {made.shares_dir} (mode 0700).")
        for warning in made.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write("")
        for line in self._escrow_advice(made):
            self.stdout.write(line)

    @staticmethod
    def _escrow_advice(made: InitialKeyring) -> list[str]:
        """What to back up and escrow now: the file names, never a key."""
        path = made.keyring.path
        secret_file = os.environ.get("PANAH_SECRET_KEY_FILE") or ""
        secret = (
            f"{secret_file} (PANAH_SECRET_KEY_FILE)" if secret_file else "PANAH_SECRET_KEY's value"
        )
        return [
            "Without this keyring nothing encrypted can be read, from the database or from any",
            "backup, and no backup contains it. Before the first record is saved, escrow it",
            'between two administrators (docs/operations.md, "Key escrow between two',
            'administrators"). The escrow bundle holds:',
            f"  {path}  the master keyring",
            f"  {secret}  the secret key (the audit trail's key)",
            "  the backup key file (panah backup new-key) or the backup passphrase",
            "  the restic or borg repository password",
            f"Not the key share folder {made.shares_dir}: the nightly key shares",
            "archive (panah backup) covers it. Make the bundle again after every",
            "`panah keys rotate --master` and every new secret key or backup key.",
            "Check the keyring with: panah keys status",
        ]

    def status(self) -> None:
        report = key_status()
        self.stdout.write(f"Keyring: {report.keyring_path}")
        for key_id, created, active, used in report.master_keys:
            mark = "active " if active else "old    "
            self.stdout.write(
                f"  master {mark}{key_id}  created {created[:19]}  wraps {used} organisation key(s)"
            )
        for key_id in report.missing_master_ids:
            self.stderr.write(
                self.style.ERROR(
                    f"  master key {key_id} is used in the database but is not in the keyring"
                )
            )
        self.stdout.write("Organisation keys:")
        if not report.organisation_keys:
            self.stdout.write("  none yet (created with the first encrypted record)")
        for row in report.organisation_keys:
            holders = ", ".join(f"{n} {label}" for label, n in sorted(row["holders"].items()))
            self.stdout.write(
                f"  {row['organisation']}: {row['key_id']} "
                f"{'active' if row['active'] else 'retired'} under {row['master_key_id']}; "
                f"wraps {holders or 'no data keys'}"
            )

    def rotate(self, options) -> None:
        master = options["master"]
        organisations = options["organisation_keys"] or bool(options["organisation"])
        if not master and not organisations:
            master = organisations = True
        progress = self.stdout.write
        if master:
            result = rotate_master_key(progress=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Master key rotated: {result.old_key_id} -> {result.new_key_id}, "
                    f"{result.rewrapped} organisation key(s) rewrapped. The old key stays in "
                    "the keyring for older backups."
                )
            )
        if organisations:
            orgs = Organisation.objects.order_by("pk")
            if options["organisation"]:
                orgs = [organisation_by_slug(options["organisation"])]
            for org in orgs:
                result = rotate_organisation_key(
                    org, batch_size=options["batch_size"], progress=progress
                )
                total = sum(result.rewrapped.values())
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{org.slug}: organisation key {result.old_key_id or '(none)'} -> "
                        f"{result.new_key_id}, {total} data key(s) rewrapped."
                    )
                )
