"""WSGI entry point for gunicorn: `gunicorn panah.wsgi`."""

import os
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.template import engines
from django.urls import reverse
from django.utils import translation

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


def warm_up() -> None:
    """Load what every worker would otherwise load on its first requests: the URLconf (with the
    views and the statistics libraries they import), the compiled templates, the catalogs."""
    # gunicorn loads this module in its master before forking (preload_app): what is loaded
    # here is shared by every worker, and a recycled worker starts with it. Without it each
    # worker spent 1.3 s of CPU importing the URLconf on its first request, and about 0.5 s
    # more compiling templates and reading catalogs (bench/load_pages.py, first requests).
    import_module(settings.ROOT_URLCONF)
    reverse("core:dashboard")  # builds the URL resolver's reverse table
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Panah")
    engine = engines["django"]
    for folder in engine.template_dirs:
        for path in Path(folder).rglob("*.html"):
            engine.get_template(path.relative_to(folder).as_posix())


warm_up()
