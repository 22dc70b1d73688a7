"""``POST /api/hsa/``: the national platform's envelope in, its answer out (HTTP 200 for every
business answer, refusals included, as the platform does, and for an institution user not linked
to an institution; 401 without a token, 403 for bureau staff)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

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


class HsaGatewayApi(APIView):
    def get_permissions(self):
        return [IsAuthenticated(), has_role(INSTITUTION)()]

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
