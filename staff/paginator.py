"""The pages' paginator: a page number is ASCII digits.

Django's ``Paginator`` reads the number with ``int()``, so ``?page=２`` was page 2 while
``?page=abc`` is page 1. Here any number that is not ASCII digits is "not an integer", which
``get_page`` answers with the first page, as for any other unreadable number."""

import re

from django.core.paginator import PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator

_PAGE = re.compile(r"[0-9]{1,18}", re.ASCII)


class Paginator(DjangoPaginator):
    def validate_number(self, number):
        if isinstance(number, str) and not _PAGE.fullmatch(number.strip()):
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        return super().validate_number(number)
