from django.apps import AppConfig


class ReplayConfig(AppConfig):
    """Policy replay: settlements and crediting recomputed under a draft (evaluation)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "replay"
    verbose_name = "政策模拟评估"
