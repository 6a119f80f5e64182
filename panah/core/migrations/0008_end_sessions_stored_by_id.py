"""End every open session: their rows are keyed by the cookie's id itself.

From now on a session's row is keyed by a hash of its id (panah.core.sessions.stored_key), so
the rows written before cannot be found from their cookies any more; deleting them also takes
the ids out of the database (and out of every later dump). Members simply log in again.
"""

from django.db import migrations


def end_every_session(apps, schema_editor):
    """Delete every stored session and its record of a user."""
    using = schema_editor.connection.alias
    apps.get_model("core", "UserSession").objects.using(using).all().delete()
    apps.get_model("sessions", "Session").objects.using(using).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_audit_hash_v2_and_read_chains"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        # Going back keeps the (hashed) rows: they name no session to the older code, which
        # then treats each as unknown, so members log in again either way.
        migrations.RunPython(end_every_session, migrations.RunPython.noop, elidable=True),
    ]
