from django.db import migrations

DISEASES = [
    ("I10", "高血压", "chronic"),
    ("E11", "糖尿病", "chronic"),
    ("I25", "冠心病", "chronic"),
    ("N18", "慢性肾功能衰竭", "special"),
    ("F20", "重性精神病", "special"),
]


def seed(apps, schema_editor):
    Disease = apps.get_model("claims", "Disease")
    for code, name, kind in DISEASES:
        Disease.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
