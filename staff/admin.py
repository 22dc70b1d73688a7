from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, ReviewRequest

admin.site.site_header = _("Outpatient mutual-aid administration")
admin.site.site_title = _("Outpatient mutual-aid")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: the trail is append-only (the database refuses changes too)."""

    list_display = ("at", "actor_name", "channel", "address", "action", "object_id", "person_id")
    list_filter = ("channel",)
    search_fields = ("actor_name", "action", "summary")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    """Read only: a request is decided on its page (``staff.reviews``), where the act is done
    with the decision and both are audited."""

    list_display = ("id", "kind", "summary", "amount", "requested_by", "status", "decided_by")
    list_filter = ("status", "kind")
    search_fields = ("summary", "object_id")
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
