import django_filters

from .models import Employer, Institution, Person


class PersonFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    name = django_filters.CharFilter(lookup_expr="contains")
    id_number = django_filters.CharFilter(method="filter_id_number")
    employer_code = django_filters.CharFilter(field_name="employer__code")

    class Meta:
        model = Person
        fields = ["region", "scheme", "category", "employment", "employer", "status"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number=value.strip().upper())


class EmployerFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    name = django_filters.CharFilter(lookup_expr="contains")

    class Meta:
        model = Employer
        fields = ["region", "code"]


class InstitutionFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    name = django_filters.CharFilter(lookup_expr="contains")

    class Meta:
        model = Institution
        fields = ["region", "kind", "level", "designated", "code"]
