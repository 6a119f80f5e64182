"""A web upload waiting between the import's steps: encrypted at rest, deleted once used.

The file a researcher uploads is checked in memory, then kept (for the column step, the dry
run and the confirmation) encrypted under the organisation's key in EVIDENCE_UPLOAD_DIR
(var/evidence-uploads/ by default), never as plaintext: a stolen disk or backup of var/ without
the master key yields nothing. The member's session remembers only the file's random name and
the id of the key, which are not secret.

The file is deleted when the import is confirmed, when another file replaces it, when the
member logs out, and at the latest STALE_SECONDS after it was written (swept whenever the
import pages are used, and by `panah files sweep`, which finds `remove_stale` registered in
panah.core.sweep by this app's configuration).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from django.conf import settings

from panah.core.crypto.files import SweepResult, SweptFile, TemporaryFile, TemporaryFileStore
from panah.core.models import Organisation

STALE_SECONDS = 24 * 3600
PURPOSE = "evidence-upload"
# Where the member's session remembers the pending upload.
PENDING = "evidence_import"
# How earlier versions named the plaintext upload they kept: such a file is removed on sight.
_PLAINTEXT_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx|json)$")


def upload_path() -> Path:
    """Where pending uploads are kept (settings.EVIDENCE_UPLOAD_DIR), without creating it."""
    return Path(getattr(settings, "EVIDENCE_UPLOAD_DIR", settings.VAR_DIR / "evidence-uploads"))


def upload_dir() -> Path:
    """Where pending uploads are kept (settings.EVIDENCE_UPLOAD_DIR), created private."""
    path = upload_path()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _store() -> TemporaryFileStore:
    return TemporaryFileStore(upload_dir(), purpose=PURPOSE)


def keep(organisation: Organisation, content: bytes) -> dict[str, str]:
    """Encrypt and keep an upload; returns what the session remembers to find it again."""
    kept = _store().save(content, organisation_id=organisation.pk)
    return {"token": kept.name, "key": kept.org_key_id}


def is_kept(pending: dict) -> bool:
    """Whether the pending upload's file is still there (False for one from an older version)."""
    return _has_reference(pending) and _store().exists(pending["token"])


def read(organisation: Organisation, pending: dict) -> bytes:
    """The pending upload's content, decrypted in memory (CryptoError if it does not open)."""
    kept = TemporaryFile(name=pending["token"], org_key_id=pending["key"])
    return _store().open(kept, organisation_id=organisation.pk)


def discard(pending: dict | None) -> None:
    """Delete the pending upload's file, if there is one."""
    if pending and _has_reference(pending):
        _store().delete(pending["token"])


def remove_stale(*, grace_seconds: float = 0, dry_run: bool = False) -> SweepResult:
    """Delete uploads older than STALE_SECONDS, and any plaintext one an older version left.

    A grace period longer than STALE_SECONDS (`panah files sweep --grace-minutes`) lengthens
    the wait; a dry run lists what would go and deletes nothing. A missing folder is not created.
    """
    folder = upload_path()
    if not folder.is_dir():
        return SweepResult()
    store = TemporaryFileStore(folder, purpose=PURPOSE)
    result = store.remove_expired(
        max_age_seconds=max(grace_seconds, STALE_SECONDS), dry_run=dry_run
    )
    now = time.time()
    for path in sorted(folder.iterdir()):
        # Plaintext: removed whatever its age (no version writes such files any more, so none
        # is being written).
        if not (_PLAINTEXT_NAME.match(path.name) and path.is_file()):
            continue
        try:
            stat = path.stat()
            if not dry_run:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            result.failed.append((path, exc.strerror or type(exc).__name__))
            continue
        result.removed.append(SweptFile(path, stat.st_size, now - stat.st_mtime))
    return result


def _has_reference(pending: dict) -> bool:
    token, key = pending.get("token"), pending.get("key")
    return (
        isinstance(token, str)
        and isinstance(key, str)
        and bool(re.fullmatch("[0-9a-f]{32}", token))
    )
