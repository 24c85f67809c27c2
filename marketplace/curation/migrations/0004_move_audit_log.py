"""Move the audit log to marketplace.audit (below every app) and keep every entry.

Rows are copied with one INSERT … SELECT, ids and times included, so links to
entries (/admin/audit_log/inspect/<id>/) keep working; the sequence of the new
table is then moved past the copied ids. Reversible: the way back copies the
rows into a recreated curation table.
"""

from django.core.management.color import no_style
from django.db import migrations

COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "note",
    "details",
)


def _copy(apps, schema_editor, source_label: str, target_label: str) -> None:
    source = apps.get_model(*source_label.split("."))
    target = apps.get_model(*target_label.split("."))
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "
            f"SELECT {columns} FROM {quote(source._meta.db_table)}"
        )
        for statement in connection.ops.sequence_reset_sql(no_style(), [target]):
            cursor.execute(statement)
        cursor.execute(f"DELETE FROM {quote(source._meta.db_table)}")


def forwards(apps, schema_editor):
    _copy(apps, schema_editor, "curation.AuditEntry", "audit.AuditEntry")


def backwards(apps, schema_editor):
    _copy(apps, schema_editor, "audit.AuditEntry", "curation.AuditEntry")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("curation", "0003_overduereminder"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="AuditEntry"),
    ]
