"""Token authentication in one (prepared) query: the user, their roles and, for an institution's API
client, the institution it acts for (every claims call needs all three).

DRF's ``TokenAuthentication`` reads the token and user, then the permission check reads the
groups and the claims API reads the institution link: three compiled ORM queries on the hottest
endpoint. This reads them together and fills the same caches they would have filled
(``user._role_codes`` and the ``institution_link`` relation), so the rest of the code is as is.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from staff import sql
from staff.api_utils import rows_by_pk_result, rows_by_pk_statement
from staff.roles import ROLE_CODES

from .models import InstitutionUser


@cache
def _query() -> tuple[str, list[str]]:
    user_model = get_user_model()
    fields = [f.attname for f in user_model._meta.concrete_fields]
    q = connection.ops.quote_name
    columns = ", ".join(f"u.{q(user_model._meta.get_field(f).column)}" for f in fields)
    groups = user_model.groups.through._meta.db_table
    return (
        f"SELECT {columns}, g.name, l.id, l.institution_id"  # noqa: S608 - table names only
        f" FROM {Token._meta.db_table} t"
        f" JOIN {user_model._meta.db_table} u ON u.id = t.user_id"
        f" LEFT JOIN {groups} ug ON ug.user_id = u.id"
        f" LEFT JOIN {Group._meta.db_table} g ON g.id = ug.group_id"
        f" LEFT JOIN {InstitutionUser._meta.db_table} l ON l.user_id = u.id"
        " WHERE t.key = %s",
        fields,
    )


_LINK_CACHE = InstitutionUser._meta.get_field("user").remote_field.cache_name


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, read in one round trip.

    A view may name rows its handler will need (``rows_to_prefetch(request)``, the claims API:
    the patient and institutions of the body); they are read in the same round trip and left on
    the request as ``prefetched_rows`` (see ``staff.api_utils.HotInputSerializer``). A view may
    also give statements keyed by the token (``statements_with_token(request, key)``); their
    rows are left as ``rows_with_token``."""

    def authenticate(self, request):
        self._request = request
        return super().authenticate(request)

    def _wanted(self) -> list:
        request = getattr(self, "_request", None)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        hook = getattr(view, "rows_to_prefetch", None)
        return hook(request) if hook is not None else []

    def _with_token(self, key) -> list[tuple[str, list]]:
        request = getattr(self, "_request", None)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        hook = getattr(view, "statements_with_token", None)
        return hook(request, key) if hook is not None else []

    def authenticate_credentials(self, key):
        text, fields = _query()
        wanted = self._wanted()
        extra = self._with_token(key)
        if wanted:
            read, found, *more = sql.batch([(text, [key]), rows_by_pk_statement(wanted), *extra])
            self._request.prefetched_rows = dict(
                zip(wanted, rows_by_pk_result(wanted, found[0]), strict=True)
            )
            rows = read
        elif extra:
            rows, *more = sql.batch([(text, [key]), *extra])
        else:
            rows = sql.rows(text, [key])
        if extra:
            # A view's statements keyed by the token (``statements_with_token(request, key)``,
            # the gateway: its institution and the message's msgid), read in the same round
            # trip; their rows are left on the request, for the view to use once it is allowed.
            self._request.rows_with_token = more
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        n = len(fields)
        user = get_user_model().from_db(connection.alias, fields, rows[0][:n])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user._role_codes = {row[n] for row in rows if row[n] in ROLE_CODES}
        link_id, institution_id = rows[0][n + 1], rows[0][n + 2]
        link = None
        if link_id is not None:
            link = InstitutionUser(id=link_id, user_id=user.pk, institution_id=institution_id)
            link._state.adding = False
        user._state.fields_cache[_LINK_CACHE] = link
        return user, Token(key=key, user=user)
