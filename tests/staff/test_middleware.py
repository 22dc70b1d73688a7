"""The CSP header built once: the same text as django-csp's, its exemptions and settings."""

import csp.middleware
import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_update
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from staff.middleware import CSPMiddleware

POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}


def _headers(middleware_class, view, path="/", **settings):
    with override_settings(**settings):
        request = RequestFactory().get(path)
        middleware = middleware_class(view)
        middleware.process_request(request)
        response = middleware.process_response(request, view(request))
    return {k: v for k, v in response.items() if "Content-Security-Policy" in k}


def _page(request):
    return HttpResponse("ok")


def test_the_header_is_django_csps_own_text():
    ours = _headers(CSPMiddleware, _page)
    theirs = _headers(csp.middleware.CSPMiddleware, _page)
    assert ours == theirs
    assert "frame-ancestors 'none'" in ours["Content-Security-Policy"]


def test_a_changed_setting_changes_the_header():
    ours = _headers(CSPMiddleware, _page, CONTENT_SECURITY_POLICY=POLICY)
    assert ours == _headers(csp.middleware.CSPMiddleware, _page, CONTENT_SECURITY_POLICY=POLICY)
    assert "frame-ancestors" not in ours["Content-Security-Policy"]
    # …and the next response, with the settings back, has the project's policy again.
    assert "frame-ancestors" in _headers(CSPMiddleware, _page)["Content-Security-Policy"]


@pytest.mark.parametrize(
    "extra",
    [{}, {"CONTENT_SECURITY_POLICY_REPORT_ONLY": POLICY}],
    ids=["enforced", "with-report-only"],
)
def test_report_only_and_excluded_prefixes_as_django_csp(extra):
    excluded = {**POLICY, "EXCLUDE_URL_PREFIXES": ["/docs/"]}
    for path in ("/", "/docs/x"):
        kw = {"CONTENT_SECURITY_POLICY": excluded, **extra}
        assert _headers(CSPMiddleware, _page, path, **kw) == _headers(
            csp.middleware.CSPMiddleware, _page, path, **kw
        )


def test_an_exempt_or_customised_response_is_django_csps_business():
    def exempt(request):
        response = HttpResponse("ok")
        response._csp_exempt = True
        return response

    assert _headers(CSPMiddleware, exempt) == {}
    updated = csp_update({"img-src": "https://maps.example"})(_page)
    ours = _headers(CSPMiddleware, updated)
    assert ours == _headers(csp.middleware.CSPMiddleware, updated)
    assert "https://maps.example" in ours["Content-Security-Policy"]


def test_a_request_that_used_a_nonce_gets_it_in_the_header():
    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    policy = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        request = RequestFactory().get("/")
        middleware = CSPMiddleware(with_nonce)
        middleware.process_request(request)
        response = middleware.process_response(request, with_nonce(request))
    nonce = response.content.decode()
    assert f"script-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
