"""Reading the platform's fields: strings, codes, numbers, dates, date-times (NATIONAL-INTERFACE
§1–3). A bad field raises ``Refused`` naming it (``data.psn_no``) and the reason, in Chinese."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from staff.inputs import EARLIEST_DATE, LATEST_DATE, has_foreign_digits
from staff.parsers import JsonExponent


class Refused(Exception):
    """A refusal (infcode -1): nothing is changed, ``message`` is the err_msg."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_DIGITS = re.compile(r"^-?[0-9]{1,14}(\.[0-9]{1,6})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def shown(value: object, size: int = 30) -> str:
    """A value echoed in a refusal: its first ``size`` characters, a control character or a
    lone surrogate as U+FFFD (a surrogate cannot be encoded as UTF-8: the answer was a 500)."""
    return _UNSAFE.sub("\ufffd", str(value)[:size])


class Node:
    """One JSON object of the input, named for messages (``data``, ``feedetail[3]``)."""

    def __init__(self, value, name: str):
        if not isinstance(value, dict):
            raise Refused(f"输入节点 {name} 应为JSON对象")
        self.value, self.name = value, name

    def _raw(self, field: str, required: bool):
        value = self.value.get(field)
        if value is None or value == "":
            if required:
                raise Refused(f"{self.name}.{field} 不能为空")
            return None
        return value

    def text(self, field: str, max_length: int, required: bool = True) -> str:
        value = self.value.get(field)
        # The common case first: a string of printable characters (no control character, no
        # surrogate: nothing ``_UNSAFE`` finds), not blank, within the length.
        if type(value) is str and value.isprintable():
            stripped = value.strip()
            if stripped and len(stripped) <= max_length:
                return stripped
        value = self._raw(field, required)
        if value is None:
            return ""
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise Refused(f"{self.name}.{field} 类型错误：应为字符型")
        value = value.strip()
        if not value and required:  # blanks only: as empty (a psn_no of " " read no person)
            raise Refused(f"{self.name}.{field} 不能为空")
        if len(value) > max_length:
            raise Refused(f"{self.name}.{field} 长度超过 {max_length}")
        if _UNSAFE.search(value):
            raise Refused(f"{self.name}.{field} 含有非法字符")
        return value

    def ident(self, field: str, max_length: int, required: bool = True) -> str:
        """An identifier or code (a serial, an ID number, a visit or batch number): text whose
        digits are the half-width 0–9. ``１`` and ``1`` would otherwise be two different fee
        line serials (``feedetl_sn``) and pass the once-per-serial check as two lines."""
        value = self.text(field, max_length, required)
        if has_foreign_digits(value):
            raise Refused(f"{self.name}.{field} 应使用半角数字 0-9，实为 {value[:30]}")
        return value

    def code(self, field: str, allowed, required: bool = True) -> str:
        value = self.text(field, 30, required)
        if value and value not in allowed:
            raise Refused(
                f"{self.name}.{field} 取值 {value[:30]} 不在代码表中（可选：{'、'.join(allowed)}）"
            )
        return value

    def number(
        self, field: str, places: int = 2, required: bool = True, minimum: Decimal | None = None
    ) -> Decimal | None:
        value = self._raw(field, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise Refused(f"{self.name}.{field} 类型错误：应为数值型")
        text = str(value).strip()
        if isinstance(value, JsonExponent):  # 1e3; and 10e-1, whose Decimal text is 1.0
            raise Refused(f"{self.name}.{field} 数值不能用指数形式（如 1e3），应写作 1000.00")
        if not _DIGITS.match(text):
            raise Refused(
                f"{self.name}.{field} 类型错误：应为数值型（ASCII数字），实为 {shown(text)}"
            )
        amount = Decimal(text)
        if amount.as_tuple().exponent < -places:
            amount_text = f"{places} 位小数"
            raise Refused(f"{self.name}.{field} 小数位超过 {amount_text}")
        if minimum is not None and amount < minimum:
            raise Refused(f"{self.name}.{field} 不能小于 {minimum}")
        if amount.is_zero():  # "-0" / "-0.00": never stored or echoed with its sign
            amount = abs(amount)
        return amount

    def date(self, field: str, required: bool = True) -> date | None:
        value = self._raw(field, required)
        if value is None:
            return None
        text = value.strip() if isinstance(value, str) else ""
        try:
            if not _DATE.match(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            raise Refused(f"{self.name}.{field} 类型错误：应为日期 yyyy-MM-dd") from None
        self._in_range(field, day)
        return day

    def _in_range(self, field: str, day: date) -> None:
        """The dates the whole system accepts (``staff.inputs``): a year 0001 or 9999 ran the
        time-zone conversion or the "day after" past Python's dates (a 500)."""
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise Refused(
                f"{self.name}.{field} 日期 {day.isoformat()} 超出系统受理范围"
                f"（{EARLIEST_DATE.isoformat()} 至 {LATEST_DATE.isoformat()}）"
            )

    def datetime(self, field: str, required: bool = True) -> datetime | None:
        value = self._raw(field, required)
        if value is None:
            return None
        text = value.strip() if isinstance(value, str) else ""
        try:
            if not _DATETIME.match(text):
                raise ValueError
            moment = datetime.fromisoformat(text)  # the pattern above: yyyy-MM-dd HH:mm:ss only
        except ValueError:
            raise Refused(f"{self.name}.{field} 类型错误：应为时间 yyyy-MM-dd HH:mm:ss") from None
        self._in_range(field, moment.date())
        moment = timezone.make_aware(moment)
        if moment > timezone.now() + timedelta(minutes=10):
            raise Refused(f"{self.name}.{field} 不能晚于当前时间")
        return moment

    def child(self, field: str) -> Node:
        value = self.value.get(field)
        if value is None:
            raise Refused(f"{self.name}.{field} 不能为空")
        return Node(value, f"{self.name}.{field}" if self.name != "input" else field)

    def children(self, field: str, required: bool = True, limit: int = 1000) -> list[Node]:
        value = self.value.get(field)
        if value is None or value == []:
            if required:
                raise Refused(f"{self.name}.{field} 不能为空")
            return []
        if not isinstance(value, list):
            raise Refused(f"{field} 应为JSON数组")
        if len(value) > limit:
            raise Refused(f"{field} 一次最多 {limit} 条")
        return [Node(v, f"{field}[{i}]") for i, v in enumerate(value)]


def money_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"
