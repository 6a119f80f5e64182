"""Deployment checks of our own (`panah check --deploy`), beside Django's."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def master_key_file_exists(app_configs, **kwargs) -> list[Error]:
    """The master keyring must be where PANAH_MASTER_KEY_FILE says (the server refuses otherwise)."""
    if settings.DEMO or Path(settings.MASTER_KEY_FILE).is_file():
        return []
    return [
        Error(
            f"PANAH_MASTER_KEY_FILE names {settings.MASTER_KEY_FILE}, which does not exist.",
            hint="Create it once with `panah keys init`, or put it back from the escrow "
            "(docs/operations.md). The web server refuses to start without it.",
            id="panah.E001",
        )
    ]
