"""The reports list, newest first, read through an index on PostgreSQL.

The list orders by `date_start DESC NULLS LAST`; the (organisation, date_start) index, read
backwards, gives NULLS FIRST, so PostgreSQL sorted all 100,000 reports of a coalition for every
page. With this index it reads the page's rows in order (an incremental sort settles a day's
reports by source and reference). SQLite cannot declare NULLS LAST in an index, so the index is
made on PostgreSQL only (and is not in the model's Meta for that reason); the demo's few
thousand reports do not need it.
"""

from django.db import migrations

NAME = "evidence_report_newest_first"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON evidence_report "
            "(organisation_id, date_start DESC NULLS LAST)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("evidence", "0004_review_pair_reasons")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
