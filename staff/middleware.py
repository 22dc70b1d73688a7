"""Request middleware: Chinese first, and bad values answered 400.

Chinese first: Django's LocaleMiddleware would follow the browser's Accept-Language, so a
clerk's machine set up in English would get English pages; the bureau's working language is
Chinese, and English is an explicit choice (the switch in the header stores it in the language
cookie).
"""

from django.conf import settings
from django.db import DataError
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
        if isinstance(exception, DataError):
            from .api_errors import bad_value_message

            return HttpResponseBadRequest(bad_value_message(), content_type="text/plain")
        return None
