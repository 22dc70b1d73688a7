"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

The hard checks are the ones DESIGN.md names: 18 characters, 17 digits and a final digit or X,
the GB 11643 check digit (``stdnum.cn.ric.calc_check_digit``), and a real birth date that is not
in the future. The six-digit place code is where the card was issued: it may be newer than the
birth date or missing from any library's table, so it never causes a rejection (which is why
``stdnum.cn.ric.validate``, which checks it, is not used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from stdnum.cn import ric

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class InvalidIdNumber(ValueError):
    """The message says what is wrong, for a clerk."""


@dataclass(frozen=True)
class IdFacts:
    number: str
    place_code: str
    birth_date: date
    gender: str  # "male" | "female"


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def parse(raw: str, *, today: date | None = None) -> IdFacts:
    number = normalize(raw)
    if len(number) != 18:
        raise InvalidIdNumber(
            _("An ID number has 18 characters; this one has %(n)d.") % {"n": len(number)}
        )
    if not _SHAPE.match(number):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."))
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        # Never the "right" last digit: a typo elsewhere in the number also breaks the
        # checksum, and suggesting a digit invites registering a wrong number.
        raise InvalidIdNumber(
            _(
                "Wrong check digit: this ID number is invalid (GB 11643). Check the number on"
                " the card."
            )
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("The birth date %(digits)s in the ID number does not exist.")
            % {"digits": number[6:14]}
        ) from None
    if birth > (today or date.today()):
        raise InvalidIdNumber(
            _("The birth date %(date)s in the ID number is in the future.") % {"date": birth}
        )
    if birth.year < 1880:
        raise InvalidIdNumber(
            _("The birth date %(date)s in the ID number is not plausible.") % {"date": birth}
        )
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return IdFacts(number=number, place_code=number[:6], birth_date=birth, gender=gender)


def mask(number: str) -> str:
    """``150200********0017``: place code and last four visible."""
    if len(number) != 18:
        return "*" * len(number)
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


def make(place_code: str, birth: date, sequence: int) -> str:
    """A valid number (for demo data and tests): place code, birth date, 3-digit sequence."""
    body = f"{place_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
