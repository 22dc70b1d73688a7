"""Data for the replay pages' tests: a draft and a finished ``policy_replay`` job whose result
follows the replay contract (coord/replay_contract.md) — the pages are tested against the
shape, not against the engine."""

from __future__ import annotations

import datetime as dt
from copy import deepcopy

import factory

from jobs.models import Job
from policies.models import PolicyDraft
from tests.factories import RegionFactory, UserFactory


def _side(settlements, total, pool, account, family, cash, **extra):
    return {
        "settlements": settlements,
        "total_amount": total,
        "pool_paid": pool,
        "account_paid": account,
        "family_account_paid": family,
        "cash_paid": cash,
        **extra,
    }


def _row(key, actual, draft):
    return {"key": key, "actual": actual, "draft": draft}


def contract_result(draft_id: int = 7) -> dict:
    """A replay of Baotou over 2025-01..03 under a draft raising the level-1 ratio. The
    contract names both the draft's number and its totals ``draft``: the totals keep the key,
    the number is ``draft_id`` (as the engine writes it)."""
    months = [
        _row(
            "2025-01",
            _side(40, "40000.00", "12000.00", "20000.00", "1000.00", "7000.00"),
            _side(40, "40000.00", "13200.50", "19000.00", "900.00", "6899.50"),
        ),
        _row(
            "2025-02",
            _side(35, "35000.00", "10500.00", "17500.00", "500.00", "6500.00"),
            _side(34, "35000.00", "11000.00", "17000.00", "500.00", "6500.00"),
        ),
        _row(
            "2025-03",
            _side(45, "45678.90", "13703.67", "22839.45", "0.00", "9135.78"),
            _side(43, "45678.90", "15000.00", "21500.00", "0.00", "9178.90"),
        ),
    ]
    actual = _side(120, "120678.90", "36203.67", "60339.45", "1500.00", "22635.78")
    draft = _side(117, "120678.90", "39200.50", "57500.00", "1400.00", "22578.40", refused=3)
    split = [
        ("general_outpatient", 100, "30000.00", "33000.00"),
        ("chronic", 15, "5203.67", "5200.50"),
        ("special", 5, "1000.00", "1000.00"),
    ]
    benefit = [
        _row(
            key,
            _side(n, "1.00", a, "0.00", "0.00", "0.00"),
            _side(n, "1.00", d, "0.00", "0.00", "0.00"),
        )
        for key, n, a, d in split
    ]
    return {
        "region": "150200",
        "region_name": "包头市",
        "draft_id": draft_id,
        "draft_title": "包头市 2026 年调整草案",
        "start": "2025-01-01",
        "end": "2025-03-31",
        "actual": actual,
        "draft": draft,
        "persons_better": 40,
        "persons_worse": 5,
        "breakdowns": {
            "month": months,
            "benefit": benefit,
            "level": [
                _row(
                    "1",
                    _side(60, "1", "20000.00", "0", "0", "0"),
                    _side(60, "1", "23000.00", "0", "0", "0"),
                ),
                _row(
                    "2",
                    _side(50, "1", "12000.00", "0", "0", "0"),
                    _side(48, "1", "12000.00", "0", "0", "0"),
                ),
                _row(
                    "3",
                    _side(10, "1", "4203.67", "0", "0", "0"),
                    _side(9, "1", "4200.50", "0", "0", "0"),
                ),
            ],
            "rate_class": [
                _row(
                    "employee",
                    _side(70, "1", "16203.67", "0", "0", "0"),
                    _side(68, "1", "18000.00", "0", "0", "0"),
                ),
                _row(
                    "retiree",
                    _side(50, "1", "20000.00", "0", "0", "0"),
                    _side(49, "1", "21200.50", "0", "0", "0"),
                ),
            ],
            "age_band": [
                _row(
                    band,
                    _side(24, "1", "7240.73", "0", "0", "0"),
                    _side(23, "1", "7840.10", "0", "0", "0"),
                )
                for band in ("0-44", "45-59", "60-69", "70-79", "80+")
            ],
        },
        "person_delta": {
            "buckets": [
                {"lower": "-500.00", "upper": "-100.00", "persons": 12},
                {"lower": "-100.00", "upper": "0.00", "persons": 28},
                {"lower": "0.00", "upper": "100.00", "persons": 4},
                {"lower": "100.00", "upper": "500.00", "persons": 1},
            ],
            "total_better": "-3120.40",
            "total_worse": "250.00",
        },
        "newly_at_cap": 4,
        "refused": [
            {
                "parameter": "general_outpatient.annual_cap.retiree",
                "article": "第十条",
                "message": "general_outpatient.annual_cap.retiree 未设定（第十条留给统筹地区）",
                "claims": 3,
            }
        ],
        "crediting": {
            "months": [
                {"key": "2025-01", "actual": "83000.00", "draft": "99600.00", "accounts": 1000},
                {"key": "2025-02", "actual": "83000.00", "draft": "99600.00", "accounts": 1000},
                {"key": "2025-03", "actual": "83083.00", "draft": "99699.60", "accounts": 1001},
            ],
            "actual_total": "249083.00",
            "draft_total": "298899.60",
            "refused": [],
        },
        "exact_check": {"sample": 120, "matched": 120, "mismatches": []},
        "differences": [
            {
                "path": "general_outpatient.ratio.employee.1",
                "label": "普通门诊 · 支付比例 · 在职职工 · 一级",
                "in_force": "0.70",
                "draft": "0.75",
                "article": "第八条",
            },
            {
                "path": "general_outpatient.annual_cap.retiree",
                "label": "",
                "in_force": "5000.00",
                "draft": None,
                "article": "第十条",
            },
        ],
    }


class DraftFactory(factory.django.DjangoModelFactory):
    """A stored draft (the pages only list and name it; the engine reads its document)."""

    class Meta:
        model = PolicyDraft

    region = factory.SubFactory(RegionFactory, code="150200", name="包头市")
    effective_from = dt.date(2026, 1, 1)
    source = "包头市 2026 年门诊共济保障调整草案"
    document = factory.LazyFunction(dict)


class ReplayJobFactory(factory.django.DjangoModelFactory):
    """A finished ``policy_replay`` job with a contract result."""

    class Meta:
        model = Job

    kind = "policy_replay"
    status = Job.Status.SUCCEEDED
    progress = 120
    total = 120
    created_by = factory.SubFactory(UserFactory, roles=["manager"])
    parameters = factory.LazyAttribute(
        lambda o: {"draft": 7, "start": "2025-01-01", "end": "2025-03-31"}
    )
    result = factory.LazyFunction(lambda: deepcopy(contract_result()))
    finished_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC))
