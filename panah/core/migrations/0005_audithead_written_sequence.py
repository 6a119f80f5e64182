"""The audit chain's head also names its newest write, which kept pages are keyed by."""

from django.db import migrations, models


def every_entry_so_far_counts_as_written(apps, schema_editor):
    # Erring towards a write costs one render of each kept page; the other way could show a
    # page from before a change.
    AuditHead = apps.get_model("core", "AuditHead")
    AuditHead.objects.update(written_sequence=models.F("sequence"))


class Migration(migrations.Migration):
    dependencies = [("core", "0004_recovery_codes_hashed")]

    operations = [
        migrations.AddField(
            model_name="audithead",
            name="written_sequence",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(every_entry_so_far_counts_as_written, migrations.RunPython.noop),
    ]
