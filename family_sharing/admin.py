from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import PremiumPayment, SharingAuthorisation


@admin.register(SharingAuthorisation)
class SharingAuthorisationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "holder", "member", "relation", "valid_from", "valid_to", "status"]
    list_filter = ["status", "relation"]
    raw_id_fields = ["holder", "member", "granted_by", "revoked_by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the history stays


@admin.register(PremiumPayment)
class PremiumPaymentAdmin(admin.ModelAdmin):
    list_display = ["id", "member", "kind", "year", "amount", "created_at"]
    list_filter = ["kind", "year"]

    def has_add_permission(self, request) -> bool:
        return False  # money moves through the service, which posts the ledger entry

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
