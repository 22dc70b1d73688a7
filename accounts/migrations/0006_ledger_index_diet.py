# Indexes that repeat another index's lead or cover mostly-NULL links are dropped: every
# settlement, ledger entry and audit event wrote them (see BENCHMARKS.md, issue 5).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_ledgerentry_sharing_authorisation'),
        ('enrollment', '0003_historicalinstitutionuser'),
        ('family_sharing', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes go: Django's own AlterField would also drop and re-add each
        # foreign key, re-checking every row of a large table under lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='ledgerentry',
                    name='account',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='accounts.personalaccount', verbose_name='account'),
                ),
                migrations.AlterField(
                    model_name='ledgerentry',
                    name='member',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='enrollment.person', verbose_name='for relative'),
                ),
                migrations.AlterField(
                    model_name='ledgerentry',
                    name='sharing_authorisation',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ledger_entries', to='family_sharing.sharingauthorisation', verbose_name='sharing authorisation'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "accounts_ledgerentry_account_id_7615ec66"',
                    'CREATE INDEX "accounts_ledgerentry_account_id_7615ec66" ON "accounts_ledgerentry" ("account_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "accounts_ledgerentry_member_id_2b0cd540"',
                    'CREATE INDEX "accounts_ledgerentry_member_id_2b0cd540" ON "accounts_ledgerentry" ("member_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "accounts_ledgerentry_sharing_authorisation_id_7aa8cf40"',
                    'CREATE INDEX "accounts_ledgerentry_sharing_authorisation_id_7aa8cf40" ON "accounts_ledgerentry" ("sharing_authorisation_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(condition=models.Q(('member__isnull', False)), fields=['member'], name='ledger_member_set'),
        ),
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(condition=models.Q(('sharing_authorisation__isnull', False)), fields=['sharing_authorisation'], name='ledger_authorisation_set'),
        ),
    ]
