"""Settings for bench/pages.py only: Panah's own settings, a bare view, a throwaway database.

`PANAH_VAR_DIR` must name a scratch folder (bench/pages.py makes one); the database is always
SQLite in that folder, whatever PANAH_DATABASE_URL says, so a benchmark never touches real data.
"""

import os
import tempfile

if not os.environ.get("PANAH_VAR_DIR"):
    os.environ["PANAH_VAR_DIR"] = tempfile.mkdtemp(prefix="panah-bench-")
os.environ.pop("PANAH_DATABASE_URL", None)
os.environ["PANAH_MODE"] = "demo"

from panah.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
# A benchmark's member reads far more than any person would: the read-burst alerts it raises are
# real work measured, but their emails stay in memory rather than fill the output.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The benches sign their member (an organisation's founder, so an administrator) in through the
# authenticator app's pages; the passkey that administrators must use is not emulated here. What
# this skips per request is one set intersection over the member's roles (core.middleware).
PASSKEY_ROLES = []
