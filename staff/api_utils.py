"""Small helpers the apps' API views share: filtering, pagination, fast id fields."""

import copy
import re
from functools import cache
from typing import NamedTuple

from django.db import connection
from django.db.models import Model
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.relations import PrimaryKeyRelatedField

from staff import sql

from .inputs import ApiIntegerField, has_foreign_digits

PLAIN_PAGE = re.compile(r"[0-9]{1,18}", re.ASCII)


class AsciiPageNumberPagination(PageNumberPagination):
    """``?page=`` is ASCII digits (or ``last``): Django's paginator reads ``１`` and ``1_0``
    with ``int()``. Anything else is the paginator's own "invalid page" (404, 无效页面); a
    ``page_size`` that is not plain digits is ignored like any bad size (the default applies)."""

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if number in self.last_page_strings or PLAIN_PAGE.fullmatch(str(number)):
            return number
        return "invalid"  # → InvalidPage → NotFound, as DRF answers ``?page=abc``

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param or "", "")
        if raw and not PLAIN_PAGE.fullmatch(raw):
            return self.page_size
        return super().get_page_size(request)


class Pagination(AsciiPageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def filtered(filterset_class, request, queryset):
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


@cache
def page_of(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of ``serializer_class`` rows, as ``paginated`` answers."""
    base = serializer_class.__name__.removesuffix("Serializer").removesuffix("Output")
    return type(
        f"{base}Page",
        (serializers.Serializer,),
        {
            "count": ApiIntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
            "__module__": serializer_class.__module__,
        },
    )


def paginated(request, view, queryset, serializer_class, context=None):
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    return paginator.get_paginated_response(data)


class FastPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A ``PrimaryKeyRelatedField`` for the hottest endpoint (a claim's person and institutions):
    the field only checks the id's form; a ``HotInputSerializer`` then reads every
    such row in one statement. Same errors as DRF's field."""

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
        if isinstance(data, str) and has_foreign_digits(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < pk <= self.MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return _Pending(self.get_queryset().model, pk, data)


class _Pending(NamedTuple):
    model: type[Model]
    pk: int
    given: object


class HotInputSerializer(serializers.Serializer):
    """An input serializer for the hottest endpoint (a claim).

    It resolves the ids its ``FastPrimaryKeyRelatedField``s accepted with one
    ``SELECT … FROM (SELECT 1) LEFT JOIN a LEFT JOIN b …`` before ``validate()`` runs, and it
    copies its declared fields shallowly per instance: DRF deep-copies them, which re-runs every
    field's ``__init__`` and clones the querysets, about a third of a millisecond per request.
    The copies share only what fields never change after ``__init__`` (validators, choices,
    messages, the unevaluated queryset); ``bind()`` writes to the copy. No nested serializers.
    A ``prefetched`` dict ``{(model, pk): instance or None}`` in the context (read in the same
    round trip as the token, see ``enrollment.authentication``) saves that statement."""

    def get_fields(self):
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        pending = [(name, v) for name, v in values.items() if isinstance(v, _Pending)]
        if not pending:
            return values
        wanted = [(v.model, v.pk) for _name, v in pending]
        # Rows read with the request's authentication, when the view asked for them.
        prefetched = self.context.get("prefetched") or {}
        if all(key in prefetched for key in wanted):
            found = [prefetched[key] for key in wanted]
        else:
            found = rows_by_pk(wanted)
        errors = {}
        for (name, wanted), instance in zip(pending, found, strict=True):
            if instance is None:
                field = self.fields[name]
                message = field.error_messages["does_not_exist"].format(pk_value=wanted.given)
                errors[name] = [message]
            values[name] = instance
        if errors:
            raise ValidationError(errors)
        return values


def rows_by_pk(wanted: list[tuple[type[Model], int]]) -> list[Model | None]:
    """Each (model, pk) as an instance, or None where there is no such row: one round trip."""
    text, params = rows_by_pk_statement(wanted)
    return rows_by_pk_result(wanted, sql.rows(text, params)[0])


def rows_by_pk_statement(wanted: list[tuple[type[Model], int]]) -> tuple[str, list]:
    """The statement ``rows_by_pk`` runs, to send in a batch with others."""
    text, _blocks = _rows_by_pk_sql(tuple(model for model, _pk in wanted))
    return text, [pk for _model, pk in wanted]


def rows_by_pk_result(wanted: list[tuple[type[Model], int]], row: tuple) -> list[Model | None]:
    _text, blocks = _rows_by_pk_sql(tuple(model for model, _pk in wanted))
    found, start = [], 0
    for model, attnames, pk_at in blocks:
        values = row[start : start + len(attnames)]
        start += len(attnames)
        missing = values[pk_at] is None  # the LEFT JOIN found no row
        if not missing:
            values = _converted(model, values)
        found.append(None if missing else model.from_db(connection.alias, attnames, values))
    return found


def _converted(model: type[Model], values: tuple) -> tuple:
    """The values as the ORM's compiler hands them to ``from_db``: through the backend's and the
    field's converters (SQLite returns naive datetimes and text for decimals; PostgreSQL's
    driver already returns the Python types, and there the list is usually empty)."""
    converters = _converters(connection.vendor, model)
    if not converters:
        return values
    values = list(values)
    for index, functions, expression in converters:
        for function in functions:
            values[index] = function(values[index], expression, connection)
    return tuple(values)


@cache
def _converters(vendor: str, model: type[Model]) -> list:
    from django.db.models.expressions import Col

    out = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = Col(model._meta.db_table, field)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if functions:
            out.append((index, functions, expression))
    return out


@cache
def _rows_by_pk_sql(models: tuple[type[Model], ...]):
    q = connection.ops.quote_name
    columns, joins, blocks = [], [], []
    for n, model in enumerate(models):
        fields = list(model._meta.concrete_fields)  # in this order, as from_db() expects
        columns += [f"t{n}.{q(f.column)}" for f in fields]
        joins.append(
            f" LEFT JOIN {q(model._meta.db_table)} t{n} ON t{n}.{q(model._meta.pk.column)} = %s"
        )
        blocks.append((model, [f.attname for f in fields], fields.index(model._meta.pk)))
    text = f"SELECT {', '.join(columns)} FROM (SELECT 1) one{''.join(joins)}"  # noqa: S608
    return text, blocks
