"""Below the ORM: on PostgreSQL a policy version's content can never be updated or a version
deleted (only ``effective_to`` may be set when a newer version supersedes it)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION policies_version_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'policy version % is never deleted', OLD.id;
  END IF;
  IF NEW.document IS DISTINCT FROM OLD.document
     OR NEW.effective_from IS DISTINCT FROM OLD.effective_from
     OR NEW.region_id IS DISTINCT FROM OLD.region_id
     OR NEW.source IS DISTINCT FROM OLD.source THEN
    RAISE EXCEPTION 'policy version % is never edited; publish a new version', OLD.id;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS policies_version_immutable ON policies_policyversion;
CREATE TRIGGER policies_version_immutable BEFORE UPDATE OR DELETE ON policies_policyversion
  FOR EACH ROW EXECUTE FUNCTION policies_version_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS policies_version_immutable ON policies_policyversion;
DROP FUNCTION IF EXISTS policies_version_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
