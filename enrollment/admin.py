from django.contrib import admin
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import Employer, InpatientStay, Institution, InstitutionUser, Person
from .resources import InstitutionResource, PersonResource


@admin.register(Employer)
class EmployerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(Institution)
class InstitutionAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [InstitutionResource]
    list_display = ["code", "name", "region", "kind", "level", "designated"]
    list_filter = ["region", "kind", "level", "designated"]
    search_fields = ["code", "name"]


@admin.register(Person)
class PersonAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [PersonResource]
    list_display = ["name", "masked_id_number", "region", "scheme", "category", "status"]
    list_filter = ["region", "scheme", "category", "employment", "status"]
    search_fields = ["id_number", "name"]
    readonly_fields = ["birth_date", "gender"]
    raw_id_fields = ["employer"]


@admin.register(InpatientStay)
class InpatientStayAdmin(SimpleHistoryAdmin):
    list_display = ["person", "admitted_on", "discharged_on"]
    raw_id_fields = ["person"]


@admin.register(InstitutionUser)
class InstitutionUserAdmin(admin.ModelAdmin):
    list_display = ["user", "institution"]
    raw_id_fields = ["user", "institution"]
