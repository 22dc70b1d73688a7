# Indexes that repeat another index's lead or cover mostly-NULL links are dropped: every
# settlement, ledger entry and audit event wrote them (see BENCHMARKS.md, issue 5).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0003_historicaluser'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes go: Django's own AlterField would also drop and re-add each
        # foreign key, re-checking every row of a large table under lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "staff_auditevent_actor_id_f69c29b2"',
                    'CREATE INDEX "staff_auditevent_actor_id_f69c29b2" ON "staff_auditevent" ("actor_id")',
                ),
            ],
        ),
    ]
