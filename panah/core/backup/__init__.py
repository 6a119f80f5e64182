"""Encrypted, verifiable backups and their restore (`panah backup`, `panah restore`).

- `container`: the encrypted file format (AES-256-GCM in authenticated chunks, the key from a
  passphrase through Argon2id or from a backup key file).
- `ledger`: the erasure ledger, kept outside the database and the backups, which a restore
  re-applies so that a person erased after a backup stays erased (crypto-shredding).
- `database`: the database snapshot (SQLite's online backup API, `pg_dump -Fc`) and its restore.
- `service`: create, verify and restore an archive; `files`: which encrypted files rows use.

docs/operations.md is the administrator's guide; docs/security.md says what a backup yields.
"""

from .container import BackupError

__all__ = ["BackupError"]
