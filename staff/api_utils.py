"""Small helpers the apps' API views share: filtering, pagination, fast id fields."""

from functools import cache

from django.db import connection
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.relations import PrimaryKeyRelatedField


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def filtered(filterset_class, request, queryset):
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def paginated(request, view, queryset, serializer_class, context=None):
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    return paginator.get_paginated_response(data)


class FastPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A ``PrimaryKeyRelatedField`` that reads the row with one fixed SQL text (``raw``),
    skipping query compilation: for the ids of the hottest endpoint (a claim's person and
    institutions). Same errors as DRF's field."""

    MAX_ID = 2**63 - 1

    def __init__(self, **kwargs):
        queryset = kwargs.get("queryset")
        if queryset is not None and queryset.query.has_filters():
            raise ValueError(
                "FastPrimaryKeyRelatedField reads by id only: pass Model.objects.all()"
            )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        model = self.get_queryset().model
        found = list(model.objects.raw(select_by_pk(model), [pk])) if 0 < pk <= self.MAX_ID else []
        if not found:
            self.fail("does_not_exist", pk_value=data)
        return found[0]


@cache
def select_by_pk(model) -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    return f"SELECT {columns} FROM {table} WHERE {pk} = %s"  # noqa: S608 - names only
