"""Below the ORM: ledger entries are never updated or deleted (PostgreSQL and SQLite)."""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION accounts_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only (entry %): corrections are new entries', OLD.id;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_ledger_append_only ON accounts_ledgerentry;
CREATE TRIGGER accounts_ledger_append_only BEFORE UPDATE OR DELETE ON accounts_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION accounts_ledger_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS accounts_ledger_append_only ON accounts_ledgerentry;
DROP FUNCTION IF EXISTS accounts_ledger_append_only();
"""
SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS accounts_ledger_no_update BEFORE UPDATE ON accounts_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS accounts_ledger_no_delete BEFORE DELETE ON accounts_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS accounts_ledger_no_update;",
    "DROP TRIGGER IF EXISTS accounts_ledger_no_delete;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
