"""Where a command gets the backup secret: a passphrase file, a key file, or a prompt."""

from __future__ import annotations

import getpass
import sys

from .container import MIN_PASSPHRASE_CHARS, BackupError, Secret, read_key_file
from .container import read_passphrase_file as _read_passphrase_file


def add_secret_arguments(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="A file whose first line is the backup passphrase (at least 12 characters).",
    )
    group.add_argument(
        "--key-file",
        metavar="FILE",
        help="A backup key file made by `panah backup new-key FILE` (for scheduled backups).",
    )


def secret_from_options(options: dict, *, creating: bool) -> Secret:
    """The secret the options name; without one, ask on the terminal (twice when creating)."""
    if options.get("key_file"):
        return read_key_file(options["key_file"])
    if options.get("passphrase_file"):
        return _read_passphrase_file(options["passphrase_file"], creating=creating)
    if not sys.stdin.isatty():
        raise BackupError(
            "No backup secret given: use --passphrase-file FILE or --key-file FILE (or run the "
            "command on a terminal to type the passphrase)."
        )
    passphrase = getpass.getpass("Backup passphrase: ")
    if creating:
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise BackupError(
                f"A backup passphrase needs at least {MIN_PASSPHRASE_CHARS} characters."
            )
        if getpass.getpass("The same passphrase again: ") != passphrase:
            raise BackupError("The two passphrases differ; nothing was done.")
    return Secret(passphrase=passphrase, source="the terminal")
