"""Two indexes for the casework pages at a coalition's size, with SQLite's statistics for them.

`deadline_by_consequence` follows the deadlines page's order (binding first, then the date):
a coordinator's board over 50,000 cases read its first rows in order (3 ms on PostgreSQL)
instead of sorting every open deadline of the organisation (100 ms). `case_restricted` holds
only the restricted cases: whether a person is closed to a member (on every person and case
page) no longer walks all the organisation's cases.

On SQLite, 0002 installed planner statistics for the indexes it knew; these two get theirs
here (same figures: 100,000 cases, a third of them with an open deadline, one case in a
hundred restricted), or SQLite would guess that the board's index narrows a caseworker's
deadlines better than their assignments do.
"""

from django.conf import settings
from django.db import migrations, models

from panah.core.db import sqlite_index_statistics


# (table, index, sqlite_stat1 text: rows, then rows per value of each prefix of the columns)
STATISTICS = [
    ("cases_deadline", "deadline_by_consequence", "33333 33333 16667 30 1 1"),
    ("cases_case", "case_restricted", "1000 1000"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_external_reference_encrypted"),
        ("people", "0004_blind_index_one_persian_form"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("restricted", True)),
                fields=["organisation"],
                name="case_restricted",
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                fields=["organisation", "-binding", "due_on", "case", "rule_code"],
                name="deadline_by_consequence",
            ),
        ),
        sqlite_index_statistics(STATISTICS),
    ]
