"""``POST /api/hsa/``: the national platform's envelope in, its answer out (HTTP 200 for every
business answer, refusals included, as the platform does, and for an institution user not linked
to an institution; 401 without a token, 403 for bureau staff)."""

from types import SimpleNamespace

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from enrollment.authentication import TokenAuthentication
from staff.permissions import has_role
from staff.roles import INSTITUTION

from .examples import examples
from .services import answer, early_statements, encoded, message_handle
from .transactions import NAMES

DESCRIPTION = (
    "国家医疗保障信息平台 定点医药机构接口（门诊子集）。请求体是平台的报文：`infno`、`msgid`、"
    "`fixmedins_code`（须为令牌所属机构）…、`input`；应答是平台的应答报文：`infcode` 0 成功 / -1 "
    "失败（`err_msg` 说明字段和原因，HTTP 200）、`inf_refmsgid`、`respond_time`、`output`。"
    "同一 msgid "
    "的同一报文再次发送得到原应答；不同报文使用已用 msgid 被拒绝。金额以两位小数的字符串表示。"
    "受理的交易：" + "、".join(f"{k} {v}" for k, v in NAMES.items()) + "。家庭共济：2206/2207 的 "
    "`data.acct_mulaid_psn_no` 写共济账户持有人的人员编号（见 1101 应答的 `mulaidinfo`）。"
)


# Accept headers every renderer of the view satisfies: DRF's negotiation could not refuse them.
_ANY_ACCEPT = (None, "*/*", "application/json")


class HsaGatewayApi(APIView):
    """DRF's view (its schema, and its dispatch for everything but the common case); a
    message sent with ``Authorization: Token …`` by an allowed user is answered by
    ``dispatch``'s own short path: the same authentication class and permission classes,
    without DRF's request wrapper, content negotiation and response finalisation (about a
    tenth of a gateway request's CPU). Any other request (no token, a bad or unknown token, a
    refused permission, an Accept header DRF might refuse, an error escaping the handler) goes
    through DRF as before, so its answer (401, 403, 406, the exception handler's) is DRF's."""

    def get_permissions(self):
        return [IsAuthenticated(), has_role(INSTITUTION)()]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and request.META.get("HTTP_ACCEPT") in _ANY_ACCEPT:
            user = self._token_user(request)
            if user is not None:
                return self._answer(request, user, args, kwargs)
        return super().dispatch(request, *args, **kwargs)

    def _token_user(self, request):
        """The token's user if the permission classes admit them (else None: DRF decides)."""
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"token":
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        # What the authentication class reads from DRF's request: the view (for
        # ``statements_with_token``) and the Django request under it.
        shim = SimpleNamespace(parser_context={"view": self}, _request=request)
        authentication = TokenAuthentication()
        authentication._request = shim
        try:
            user, token = authentication.authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            return None
        shim.user, shim.auth, shim.method = user, token, request.method
        if not all(p.has_permission(shim, self) for p in self.get_permissions()):
            return None
        # As DRF's request does when it authenticates: the Django request carries the user.
        request.user, request.auth = user, token
        request._hsa_envelope = getattr(shim, "_hsa_envelope", None)
        request.rows_with_token = getattr(shim, "rows_with_token", None)
        return user

    def _answer(self, request, user, args, kwargs):
        self.args, self.kwargs = args, kwargs
        self.headers = self.default_response_headers
        try:
            response = self._reply(request, user)
        except Exception as exc:  # DRF's exception handling, as its dispatch would
            self.request = self.initialize_request(request, *args, **kwargs)
            self.request.user = user
            response = self.handle_exception(exc)
            return self.finalize_response(self.request, response, *args, **kwargs)
        # DRF's finalisation of a plain response: its default headers.
        vary = self.headers.pop("Vary", None)
        if vary is not None:
            patch_vary_headers(response, [vary])
        for key, value in self.headers.items():
            response[key] = value
        return response

    def statements_with_token(self, request, key):
        """The message's institution and msgid read in the token's round trip."""
        early = early_statements(request._request.body, key)
        request._hsa_envelope = early[0] if early is not None else None
        return early[1] if early is not None else []

    @extend_schema(
        operation_id="hsa_gateway",
        summary="国家医保平台接口（HIS 直连）",
        description=DESCRIPTION,
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        examples=examples(),
        tags=["hsa"],
    )
    def post(self, request):
        # What ``statements_with_token`` and the authentication left on DRF's request.
        plain = request._request
        plain._hsa_envelope = getattr(request, "_hsa_envelope", None)
        plain.rows_with_token = getattr(request, "rows_with_token", None)
        return self._reply(plain, request.user)

    def _reply(self, request, user) -> HttpResponse:
        """The answer to the message (``request``: Django's request)."""
        link = getattr(user, "institution_link", None)
        if link is None:
            reply = answer(
                institution=None, infcode=-1, err_msg="该接口用户未关联定点医药机构，不能办理业务"
            )
            return HttpResponse(encoded(reply), content_type="application/json; charset=utf-8")
        envelope = getattr(request, "_hsa_envelope", None)
        early = None
        if envelope is not None:
            early = (envelope, getattr(request, "rows_with_token", None) or [])
        body = message_handle(
            body=request.body, institution_id=link.institution_id, user=user, early=early
        )
        return HttpResponse(body, content_type="application/json; charset=utf-8")
