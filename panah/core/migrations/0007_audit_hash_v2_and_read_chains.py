"""Audit entries say which canonical form their hash covers; reads no longer move the head.

Entries already written keep hash_version 1 and verify as before. The head's written_sequence
goes: reads now have chains of their own (panah.core.audit), so an organisation's head moves
with its writes only and its sequence is the position kept pages are keyed by.
"""

from django.db import migrations, models


def written_is_sequence(apps, schema_editor):
    # Going back: count every entry so far as written, as 0005 did (one render too many at worst).
    AuditHead = apps.get_model("core", "AuditHead")
    AuditHead.objects.update(written_sequence=models.F("sequence"))


class Migration(migrations.Migration):
    dependencies = [("core", "0006_audit_entry_indexes")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.RunPython(migrations.RunPython.noop, written_is_sequence),
        migrations.RemoveField(model_name="audithead", name="written_sequence"),
    ]
