"""The `panah` command: Django's manage.py under the project's own name."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    """Run a management command (`panah migrate`, `panah demo`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panah.settings")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
