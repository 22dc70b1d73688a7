# Indexes that repeat another index's lead or cover mostly-NULL links are dropped: every
# settlement, ledger entry and audit event wrote them (see BENCHMARKS.md, issue 5).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0007_historicaldisease'),
        ('enrollment', '0003_historicalinstitutionuser'),
        ('family_sharing', '0001_initial'),
        ('policies', '0002_version_immutable_trigger'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes go: Django's own AlterField would also drop and re-add each
        # foreign key, re-checking every row of a large table under lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='settlement',
                    name='account_holder',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='enrollment.person'),
                ),
                migrations.AlterField(
                    model_name='settlement',
                    name='institution',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='enrollment.institution'),
                ),
                migrations.AlterField(
                    model_name='settlement',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='enrollment.person'),
                ),
                migrations.AlterField(
                    model_name='settlement',
                    name='prescribing_institution',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='enrollment.institution'),
                ),
                migrations.AlterField(
                    model_name='settlement',
                    name='reversed_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='settlement',
                    name='sharing_authorisation',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='family_sharing.sharingauthorisation'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_account_holder_id_6ede3611"',
                    'CREATE INDEX "claims_settlement_account_holder_id_6ede3611" ON "claims_settlement" ("account_holder_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_institution_id_2f438157"',
                    'CREATE INDEX "claims_settlement_institution_id_2f438157" ON "claims_settlement" ("institution_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_person_id_f4ab1ea2"',
                    'CREATE INDEX "claims_settlement_person_id_f4ab1ea2" ON "claims_settlement" ("person_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_prescribing_institution_id_9d2cb312"',
                    'CREATE INDEX "claims_settlement_prescribing_institution_id_9d2cb312" ON "claims_settlement" ("prescribing_institution_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_reversed_by_id_9c36f226"',
                    'CREATE INDEX "claims_settlement_reversed_by_id_9c36f226" ON "claims_settlement" ("reversed_by_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_settlement_sharing_authorisation_id_16505a93"',
                    'CREATE INDEX "claims_settlement_sharing_authorisation_id_16505a93" ON "claims_settlement" ("sharing_authorisation_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='settlement',
            index=models.Index(condition=models.Q(('account_holder__isnull', False)), fields=['account_holder'], name='settlement_holder_set'),
        ),
        migrations.AddIndex(
            model_name='settlement',
            index=models.Index(condition=models.Q(('sharing_authorisation__isnull', False)), fields=['sharing_authorisation'], name='settlement_authorisation_set'),
        ),
        migrations.AddIndex(
            model_name='settlement',
            index=models.Index(condition=models.Q(('prescribing_institution__isnull', False)), fields=['prescribing_institution'], name='settlement_prescriber_set'),
        ),
        migrations.AddIndex(
            model_name='settlement',
            index=models.Index(condition=models.Q(('reversed_by__isnull', False)), fields=['reversed_by'], name='settlement_reversed_by_set'),
        ),
    ]
