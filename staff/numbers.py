"""Money and counts as every page, print and export shows them: ``12,345.67`` and ``1,234``.

Money is ``Decimal`` throughout: a value is quantized to the cent half up (a SQL sum on the
embedded SQLite comes back as ``11705.28000000000``) and never passes through ``float``. A
``float`` reaching here is a bug upstream; it is refused rather than shown rounded.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def to_money(value: Any) -> Decimal | None:
    """``value`` (Decimal, int or a decimal string) as a two-place Decimal, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("money must be Decimal, not float")
    if isinstance(value, bool):
        return None
    try:
        return Decimal(value if isinstance(value, Decimal | int) else str(value)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    except (InvalidOperation, ValueError):
        return None


def format_money(value: Any) -> str:
    """``Decimal("12345.675")`` → ``12,345.68``; None → ``""``; text that is no number as it is."""
    amount = to_money(value)
    if amount is None:
        return "" if value is None else str(value)
    return f"{amount:,.2f}"


def format_count(value: Any) -> str:
    """``12345`` → ``12,345``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def format_percent(value: Any) -> str:
    """A proportion as a percent, exactly (Decimal, never float; no trailing zeros):
    ``Decimal("0.1000")`` → ``10%``, ``"0.0525"`` → ``5.25%``, ``0`` → ``0%``; None → ``""``."""
    if value is None or value == "" or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        raise TypeError("a proportion must be Decimal, not float")
    try:
        percent = Decimal(value if isinstance(value, Decimal | int) else str(value)) * 100
    except (InvalidOperation, ValueError):
        return str(value)
    # normalize() drops the zeros (10.000000 → 1E+1); "f" writes it out without an exponent.
    return f"{(percent.normalize() if percent else Decimal(0)):f}%"


_AMOUNT_IN_TEXT = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?![\d])")


def money_in_text(text: Any) -> str:
    """Amounts written into a sentence (a calculation step's rule) with their separators:
    ``年度起付 1000.00`` → ``年度起付 1,000.00``."""
    if text is None:
        return ""
    return _AMOUNT_IN_TEXT.sub(lambda m: format_money(m.group(0)), str(text))


# A calculation step's product, ``200 × 0.10`` or ``（1114.50 − 700.00）× 0.60``: the factor
# after × is a proportion (a ratio, a first self-pay rate), the operand before it an amount.
_RATIO_IN_TEXT = re.compile(r"(×\s*)(\d+\.\d+)(?![\d.])")
_FACTOR_IN_TEXT = re.compile(r"(?<![\d,.])(\d+(?:\.\d+)?)(?=\s*×)")


def rule_in_text(text: Any) -> str:
    """A calculation step's rule as a reader reads it: amounts with their separators and two
    decimals, proportions as percents (``乙类先行自付 200 × 0.10`` → ``乙类先行自付 200.00 ×
    10%``; ``（1114.50 − 700.00）× 0.60`` → ``（1,114.50 − 700.00）× 60%``)."""
    if text is None:
        return ""
    shown = _FACTOR_IN_TEXT.sub(lambda m: format_money(m.group(1)), str(text))
    shown = _RATIO_IN_TEXT.sub(lambda m: m.group(1) + format_percent(m.group(2)), shown)
    return money_in_text(shown)


def capital_amount(value: Any) -> str:
    """An amount in capital Chinese numerals (大写金额) as on a bureau's receipts:
    ``175.78`` → 壹佰柒拾伍元柒角捌分 (cn2an, from the quantized Decimal's text)."""
    import cn2an

    amount = to_money(value)
    if amount is None:
        return ""
    return cn2an.an2cn(f"{amount:.2f}", "rmb")
