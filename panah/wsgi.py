"""WSGI entry point for gunicorn: `gunicorn panah.wsgi`."""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panah.settings")
application = get_wsgi_application()

# Checked here rather than in the settings, which `panah keys init` loads to create the file.
# A server without its keyring would start and then fail on the first record it opened.
if not settings.DEMO and not Path(settings.MASTER_KEY_FILE).is_file():
    raise ImproperlyConfigured(
        f"PANAH_MASTER_KEY_FILE names {settings.MASTER_KEY_FILE}, which does not exist: "
        "production does not start without its master keyring. Create it once with "
        "`panah keys init`, or put it back from the escrow (docs/operations.md)."
    )
