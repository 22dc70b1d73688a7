from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import PolicyVersion, Region


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(SimpleHistoryAdmin):
    """Read-only: versions are published through the policy pages or the API."""

    list_display = ["region", "effective_from", "effective_to", "source"]
    list_filter = ["region"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PolicyVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
