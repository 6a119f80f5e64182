"""Audit entries: the keys alone were indexed twice, and alerts about read bursts not at all."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_audithead_written_sequence'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='organisation',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_entries', to='core.organisation'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('action', 'security.read_burst')), fields=['organisation', 'at'], name='audit_read_burst_alerts'),
        ),
    ]
