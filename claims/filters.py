import django_filters

from .models import ChronicCertification


class CertificationFilter(django_filters.FilterSet):
    disease_code = django_filters.CharFilter(field_name="disease__code")

    class Meta:
        model = ChronicCertification
        fields = ["person", "status"]
