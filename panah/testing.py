"""A pytest plugin (`-p panah.testing`, in pyproject.toml's addopts) that runs the tests in demo mode.

PANAH_MODE has no default (panah/settings.py), and pytest-django loads the settings before any
conftest.py is read, so the mode is set here, when pytest loads its plugins. Always `demo`,
whatever the shell says: a test run must never use a server's production settings.
"""

import os

os.environ["PANAH_MODE"] = "demo"
# Background tasks run at once, inside the request that starts them: a test sees the outcome
# without a worker. The one test of the real worker (panah/core/tests/test_background_worker.py)
# gives its worker process the database backend.
os.environ["PANAH_TASKS_BACKEND"] = "immediate"
