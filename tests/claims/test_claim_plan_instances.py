"""``claims.settlement`` builds the calculator's inputs without the frozen dataclasses'
generated ``__init__`` (``_frozen``): the instances must be the ones the constructors make,
every field set, so that the settlement and the policy replay (which share ``claim_plan``)
compute exactly what they did."""

from dataclasses import fields
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

from claims import calculator
from claims.settlement import ClaimFacts, ClaimRequest, _balances, _claim, _frozen, _person, _Plan


def _complete(instance) -> None:
    assert set(vars(instance)) == {f.name for f in fields(type(instance))}


def _request(**extra) -> ClaimRequest:
    person = SimpleNamespace(
        pk=7, region_id=1, category="retiree", retirement_date=date(2020, 3, 15),
        benefits_from=date(2015, 1, 1), scheme="employee", status="active", rule_group="",
    )  # fmt: skip
    institution = SimpleNamespace(
        pk=3, region_id=1, kind="hospital", level="2", designated=True, specialist=False
    )
    values = dict(
        claim_number="C1", person=person, institution=institution, visit_date=date(2025, 5, 6),
        benefit="chronic", total_amount=D("120.00"), self_pay_amount=D("10.00"),
        disease_code="i10",
    )  # fmt: skip
    values.update(extra)
    return ClaimRequest(**values)


def test_frozen_gives_the_constructors_instance():
    values = {"deductible_used": D("1.00"), "pooled": D("2.00"), "combined_pooled": D("3.00")}
    made = _frozen(calculator.YearToDate, values)
    assert made == calculator.YearToDate(**values)
    assert hash(made) == hash(calculator.YearToDate(**values))
    _complete(made)


def test_claim_person_and_balances_have_every_field_and_equal_the_constructed():
    request = _request()
    facts = ClaimFacts(certified=[("I10", "chronic"), ("E11", "chronic")], in_stay=True)
    claim = _claim(request, ("", ""))
    _complete(claim)
    assert claim == calculator.Claim(
        benefit="chronic", total_amount=D("120.00"), self_pay_amount=D("10.00"),
        class_b_amount=D("0.00"), disease_code="i10", visit_date=date(2025, 5, 6),
        institution_kind="hospital", institution_level="2", prescribing_level=None,
        designated=True, specialist=False, out_of_region=False, out_of_region_filed=False,
        filing="", filing_not_counted="", flagged_filed=False, manual=False, use_account=True, for_relative=False,
    )  # fmt: skip
    document = {"account": {"retiree_credit_from": "next_month"}, "general_outpatient": {}}
    person = _person(request, facts, document)
    _complete(person)
    assert person == calculator.Person(
        rate_class="retiree", scheme="employee", status="active", in_waiting_period=False,
        in_inpatient_stay=True, on_discharge_day=False, under_chronic_benefits=True,
        certified=True, certified_chronic_diseases=2, rule_group="",
    )  # fmt: skip
    plan = _frozen(
        _Plan,
        {f.name: getattr(_Plan, f.name, None) for f in fields(_Plan)}
        | {"claim": claim, "person": person, "policy": None, "version_id": 1,
           "deductible_bucket": "chronic", "pool_bucket": "chronic", "payer_id": 7},
    )  # fmt: skip
    own = _balances(plan, (1, D("50.00")))
    _complete(own)
    assert own == calculator.Balances(own_account=D("50.00"))
