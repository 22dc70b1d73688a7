"""Request middleware: Chinese first, bad values answered 400, the CSP header built once.

Chinese first: Django's LocaleMiddleware would follow the browser's Accept-Language, so a
clerk's machine set up in English would get English pages; the bureau's working language is
Chinese, and English is an explicit choice (the switch in the header stores it in the language
cookie).
"""

import functools

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class BadValueMiddleware:
    """Pages: a value the database refuses (a NUL character in a search, an id beyond its
    column) is the user's input, answered 400 with a message, never a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .api_errors import bad_value_message, is_bad_value

        if is_bad_value(exception):
            # With its charset: a bare text/plain showed the Chinese message as mojibake.
            return HttpResponseBadRequest(
                bad_value_message(), content_type="text/plain; charset=utf-8"
            )
        return None


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware with each header's text built once per settings: django-csp
    builds it from the settings again on every response (3 % of an API claim's instructions).
    A response that customises its policy (django-csp's decorators) or a request that used a
    nonce goes through django-csp's own code; the exemptions and excluded prefixes hold as there.
    """

    CUSTOMISED = tuple(
        f"_csp_{kind}{ro}" for kind in ("config", "update", "replace") for ro in ("", "_ro")
    )

    def process_response(self, request, response):
        debug_page = settings.DEBUG and response.status_code in (404, 500)
        customised = any(hasattr(response, name) for name in self.CUSTOMISED)
        if debug_page or customised or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        for header, exempt, setting, text in _csp_headers():
            if not text or header in response or getattr(response, exempt, False):
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = text
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _csp_headers() -> tuple[tuple[str, str, str, str], ...]:
    return (
        (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", build_policy()),
        (
            HEADER_REPORT_ONLY,
            "_csp_exempt_ro",
            "CONTENT_SECURITY_POLICY_REPORT_ONLY",
            build_policy(report_only=True),
        ),
    )


@receiver(setting_changed)
def _csp_settings_changed(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_headers.cache_clear()
