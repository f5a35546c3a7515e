"""Make the audit log append-only in PostgreSQL itself: UPDATE and DELETE raise.

The model and its queryset already refuse both; this also covers raw SQL and any code path
that bypasses the ORM helpers. SQLite (the embedded default) keeps the ORM guard only, since
Django's test flush deletes rows there (PostgreSQL truncates, which a row trigger allows).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION gavel_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only (% refused).', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS auditlog_append_only ON auctions_auditlog;
CREATE TRIGGER auditlog_append_only BEFORE UPDATE OR DELETE ON auctions_auditlog
    FOR EACH ROW EXECUTE FUNCTION gavel_auditlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS auditlog_append_only ON auctions_auditlog;
DROP FUNCTION IF EXISTS gavel_auditlog_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("auctions", "0002_groups")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
