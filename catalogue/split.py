"""Splitting a fee line (费用明细拆分): pure, no database.

``det_item_fee_sumamt = fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt``
(DESIGN.md "The medical catalogue"; the platform's 2204 answer):

- 全自费 ``fulamt_ownpay_amt``: the whole line when the item is 丙类 or not in the catalogue;
- 超限价 ``overlmt_amt``: what the line costs above ``price_ceiling × cnt``;
- 先行自付 ``preselfpay_amt``: the rest × the self-pay proportion (the item's own, else the
  region's ``class_b_first_pay_rate`` for 乙类, else 0 for 甲类);
- 符合政策范围 ``inscp_scp_amt``: what remains.

Each multiplication is rounded half up to the cent; the parts are differences, so they always
add up to the line exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from staff.errors import DomainError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CLASS_A, CLASS_B, CLASS_C = "01", "02", "03"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Item:
    """The catalogue's terms for one item in one region on one date."""

    code: str
    chrgitm_lv: str
    med_chrgitm_type: str = ""
    price_ceiling: Decimal | None = None
    selfpay_prop: Decimal | None = None


@dataclass(frozen=True)
class LineSplit:
    amount: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    chrgitm_lv: str  # "03" for an item not in the catalogue
    selfpay_prop: Decimal  # the proportion applied
    price_ceiling: Decimal | None
    own_proportion: bool = False  # the item's own selfpay_prop, not the region's rate

    @property
    def class_b_amount(self) -> Decimal:
        """The 乙类 part the settlement's first self-pay applies to at the region's rate
        (DESIGN step 2; the calculator applies and cites it)."""
        if self.chrgitm_lv != CLASS_B or self.own_proportion:
            return ZERO
        return self.preselfpay_amt + self.inscp_scp_amt

    @property
    def self_pay_amount(self) -> Decimal:
        """What the claim carries as self-paid: fully self-paid items, the part above the
        ceiling, and a first self-pay at the item's own proportion (already computed here; the
        calculator's class-B step applies only the region's rate)."""
        own = self.preselfpay_amt if self.own_proportion else ZERO
        return self.fulamt_ownpay_amt + self.overlmt_amt + own


def split_line(
    *, amount: Decimal, count: Decimal, item: Item | None, class_b_rate: Decimal | None
) -> LineSplit:
    """One fee line against its catalogue item. ``class_b_rate`` is the region's
    ``general_outpatient.class_b_first_pay_rate`` (None when the policy leaves it unset: a 乙类
    item without its own proportion is then refused, never silently 0)."""
    amount = money(amount)
    if amount < 0 or count < 0:
        raise DomainError("费用明细金额和数量不能为负数", field="det_item_fee_sumamt")
    if item is None or item.chrgitm_lv == CLASS_C:
        return LineSplit(
            amount=amount,
            fulamt_ownpay_amt=amount,
            overlmt_amt=ZERO,
            preselfpay_amt=ZERO,
            inscp_scp_amt=ZERO,
            chrgitm_lv=CLASS_C,
            selfpay_prop=Decimal("1"),
            price_ceiling=item.price_ceiling if item else None,
        )
    over = ZERO
    if item.price_ceiling is not None:
        over = max(ZERO, amount - money(item.price_ceiling * count))
    rest = amount - over
    prop = item.selfpay_prop
    if prop is None:
        if item.chrgitm_lv == CLASS_B:
            if class_b_rate is None:
                raise DomainError(
                    "参保地政策未设定乙类先行自付比例（general_outpatient.class_b_first_pay_rate），"
                    f"目录 {item.code} 无自付比例，无法拆分",
                    field="med_list_codg",
                )
            prop = class_b_rate
        else:
            prop = Decimal("0")
    first = min(rest, money(rest * prop))
    return LineSplit(
        amount=amount,
        fulamt_ownpay_amt=ZERO,
        overlmt_amt=over,
        preselfpay_amt=first,
        inscp_scp_amt=rest - first,
        chrgitm_lv=item.chrgitm_lv,
        selfpay_prop=prop,
        price_ceiling=item.price_ceiling,
        own_proportion=item.selfpay_prop is not None,
    )


@dataclass(frozen=True)
class Totals:
    """A visit's lines added up: the claim's aggregates for the settlement service."""

    total_amount: Decimal = ZERO
    fulamt_ownpay_amt: Decimal = ZERO
    overlmt_amt: Decimal = ZERO
    preselfpay_amt: Decimal = ZERO
    inscp_scp_amt: Decimal = ZERO
    class_b_amount: Decimal = ZERO  # 乙类 in scope at the region's rate
    own_preselfpay_amt: Decimal = ZERO  # first self-pay at items' own proportions

    @property
    def self_pay_amount(self) -> Decimal:
        return self.fulamt_ownpay_amt + self.overlmt_amt + self.own_preselfpay_amt


def totals(lines) -> Totals:
    """Sum ``LineSplit`` rows into the claim's aggregates."""
    lines = list(lines)
    return Totals(
        total_amount=sum((x.amount for x in lines), ZERO),
        fulamt_ownpay_amt=sum((x.fulamt_ownpay_amt for x in lines), ZERO),
        overlmt_amt=sum((x.overlmt_amt for x in lines), ZERO),
        preselfpay_amt=sum((x.preselfpay_amt for x in lines), ZERO),
        inscp_scp_amt=sum((x.inscp_scp_amt for x in lines), ZERO),
        class_b_amount=sum((x.class_b_amount for x in lines), ZERO),
        own_preselfpay_amt=sum((x.preselfpay_amt for x in lines if x.own_proportion), ZERO),
    )
