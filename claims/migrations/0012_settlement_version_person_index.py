# The foreign key's own index on the policy version alone gives way to (version, person, id):
# the policy replay reads a region's settlements by person range in order, and an index that
# leads with the version serves what the old one did, so no index more is written per
# settlement. Only the index changes: Django's own AlterField would also drop and re-add the
# foreign key, re-checking every row of a large table under lock.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0011_settlement_channel'),
        ('policies', '0003_region_tree_fills_drafts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='settlement',
                    name='policy_version',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='policies.policyversion'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_policy_version_id_b454ef6b"',
                    'CREATE INDEX "claims_settlement_policy_version_id_b454ef6b" ON "claims_settlement" ("policy_version_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='settlement',
            index=models.Index(fields=['policy_version', 'person', 'id'], name='settlement_version_person'),
        ),
    ]
