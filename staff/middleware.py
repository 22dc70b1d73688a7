"""Chinese first: the interface is Simplified Chinese unless the user chose another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a clerk's machine set up
in English would get English pages; the bureau's working language is Chinese, and English is an
explicit choice (the switch in the header stores it in the language cookie).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
