"""``{% load money %}``: money, counts and codes as a reader wants them.

``{{ x|money }}`` → ``12,345.67``; ``{{ n|count }}`` → ``1,234``; ``{{ p|percent }}`` → ``10%``;
``{{ cell|cell }}`` formats a dashboard cell by its type (Decimal: money, int: count, a code:
its label);
``{{ code|code:"ledger_kind" }}`` → its Chinese label;
``{{ ref|reference }}`` → a ledger reference in words;
``{{ result|result_sentence }}`` → a job's result as a sentence; ``{{ x|is_number }}`` for
right-aligning a cell.
"""

from decimal import Decimal

from django import template

from staff import codes
from staff.numbers import (
    capital_amount,
    format_count,
    format_money,
    format_percent,
    rule_in_text,
)

register = template.Library()


@register.filter
def money(value) -> str:
    return format_money(value)


@register.filter
def count(value) -> str:
    return format_count(value)


@register.filter
def percent(value) -> str:
    """``{{ item.selfpay_prop|percent }}``: a proportion ``0.1000`` → ``10%``."""
    return format_percent(value)


@register.filter
def cell(value) -> str:
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_count(value)
    return codes.label(value) if isinstance(value, str) else ("" if value is None else str(value))


@register.filter
def is_number(value) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


@register.filter
def code(value, group: str = "") -> str:
    return codes.label(value, group or None)


@register.filter
def labelled(value) -> str:
    """System-written text (an audit summary, a changed value) with its codes as labels."""
    return codes.labelled_text(value)


@register.filter
def reference(value) -> str:
    return codes.reference_label(value)


@register.filter
def result_sentence(value) -> str:
    return codes.result_sentence(value)


@register.filter
def settlement_of(value):
    """The settlement id a reference names, or None (to link it)."""
    return codes.settlement_id_of(value)


@register.filter
def humanize(value) -> str:
    """Dotted parameter paths in free text as their labels."""
    return codes.humanize(value)


@register.filter
def capital(value) -> str:
    """``{{ amount|capital }}`` → 壹佰柒拾伍元柒角捌分 (大写金额)."""
    return capital_amount(value)


@register.filter
def amounts(value) -> str:
    """``{{ line.rule|amounts }}``: amounts inside a sentence with thousands separators, the
    proportions it multiplies by as percents (``× 60%``, never ``× 0.60``)."""
    return rule_in_text(value)
