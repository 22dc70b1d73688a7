"""The seeded regions load, idempotently, and their figures are the documents' figures."""

import json
from datetime import date
from decimal import Decimal

import pytest

from policies.models import PolicyVersion, Region
from policies.params import lookup
from policies.schema import _walk, source_for, validate_document
from policies.selectors import policy_for
from policies.services import SEEDS_DIR, policies_load_seeds

pytestmark = pytest.mark.django_db

SEED_FILES = sorted(SEEDS_DIR.glob("*.json"))


def doc(code: str, on: str) -> dict:
    return policy_for(region=Region.objects.get(code=code), on_date=date.fromisoformat(on)).document


@pytest.fixture
def seeded():
    return policies_load_seeds()


def test_seven_regions_twelve_versions_and_idempotent(seeded):
    # Issue 18 items 12-13: Shanghai's earlier versions (2022-02-01, 2022-07-01, 2023-01-01)
    # and Sichuan's 2023-01-01 version (通知一) were added to the eight.
    assert len(seeded.created) == 12
    assert set(Region.objects.values_list("code", flat=True)) == {
        "150200", "510000", "310000", "420100", "530400", "540000", "220000",
        "150000", "420000", "530000",
    }  # fmt: skip
    parents = dict(Region.objects.values_list("code", "parent__code"))
    assert (parents["150200"], parents["420100"], parents["530400"]) == (
        "150000",
        "420000",
        "530000",
    )
    assert parents["510000"] is None and parents["220000"] is None
    again = policies_load_seeds()
    assert (again.created, len(again.unchanged), again.differing) == ([], 12, [])
    assert PolicyVersion.objects.count() == 12


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_every_value_in_every_file_cites_its_article(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    document = data["document"]
    assert validate_document(document) == []
    tree = {k: v for k, v in document.items() if k != "sources"}
    for dotted, _value in _walk(tree):
        source = source_for(document, dotted)
        assert source and source["article"], f"{path.name}: {dotted} has no article"


def test_baotou_two_versions_3_then_2_percent(seeded):
    assert lookup(doc("150200", "2022-10-01"), "account.retiree.rate") == "0.03"
    assert lookup(doc("150200", "2022-12-31"), "account.retiree.rate") == "0.03"
    assert lookup(doc("150200", "2023-01-01"), "account.retiree.rate") == "0.02"
    d = doc("150200", "2024-06-01")
    # 第八条: 1000 per year; caps 4000/5000; 70/60/50 %, retirees +5 points.
    assert lookup(d, "general_outpatient.deductible.employee") == "1000.00"
    assert lookup(d, "general_outpatient.annual_cap") == {
        "employee": "4000.00",
        "retiree": "5000.00",
    }
    assert lookup(d, "general_outpatient.ratio.retiree") == {"1": "0.75", "2": "0.65", "3": "0.55"}
    assert lookup(d, "account.retiree.average_pension") is None  # unset, 第四条
    assert "waiting_period" in lookup(d, "general_outpatient.exclusions")  # 第十条
    with pytest.raises(Exception):  # noqa: B017 - no Baotou policy before 2022-10-01
        doc("150200", "2022-09-30")


def test_sichuan_range_lower_bound_and_unset_cap(seeded):
    d = doc("510000", "2023-03-01")
    assert lookup(d, "general_outpatient.deductible") == {"employee": "200.00", "retiree": "150.00"}
    assert lookup(d, "general_outpatient.ratio.employee.pharmacy") == "0.50"
    assert lookup(d, "general_outpatient.ratio.retiree.2") == "0.65"
    assert d["sources"]["general_outpatient.ratio.retiree"]["from"] == "range_lower_bound"
    # 第七条: retirees 5 to 10 points above each level's ratio; the seeded value is the lower
    # bound, and the range binds Sichuan's pooling areas.
    for level, employee in d["general_outpatient"]["ratio"]["employee"].items():
        entry = d["sources"][f"general_outpatient.ratio.retiree.{level}"]
        low, high = Decimal(employee) + Decimal("0.05"), Decimal(employee) + Decimal("0.10")
        assert entry["bound"] == {"min": f"{low:.2f}", "max": f"{high:.2f}"}
        assert entry["from"] == "range_lower_bound" and entry["article"] == "第七条"
        assert Decimal(d["general_outpatient"]["ratio"]["retiree"][level]) == low
    assert lookup(d, "general_outpatient.annual_cap.employee") is None
    assert lookup(d, "account.no_account") == ["single_pooling"]


def test_shanghai_age_bands_and_pre_2001_class(seeded):
    d = doc("310000", "2024-01-01")
    bands = lookup(d, "account.retiree.bands")
    assert (Decimal(bands[0]["annual"]) / 12).quantize(Decimal("0.01")) == Decimal("140.00")
    assert (Decimal(bands[1]["annual"]) / 12).quantize(Decimal("0.01")) == Decimal("157.50")
    assert lookup(d, "general_outpatient.deductible.retiree_before_2001") == "200.00"
    assert lookup(d, "general_outpatient.ratio.retiree_before_2001.1") == "0.90"
    assert lookup(d, "general_outpatient.annual_cap.employee") == "unlimited"


def test_wuhan_fixed_amounts(seeded):
    d = doc("420100", "2024-01-01")
    assert lookup(d, "account.retiree") == {"method": "monthly", "amount": "83.00"}
    assert lookup(d, "account.flexible_retiree_monthly") == "66.00"
    assert lookup(d, "general_outpatient.class_b_first_pay_rate") == "0.10"
    assert lookup(d, "general_outpatient.unfiled_out_of_region_first_pay_rate") == "0.10"
    assert lookup(d, "general_outpatient.ratio.retiree.2") == "0.68"


def test_yuxi_per_visit_chronic_special_and_province_rule(seeded):
    d = doc("530400", "2024-01-01")
    assert lookup(d, "general_outpatient.deductible_basis") == "per_visit"
    assert lookup(d, "general_outpatient.deductible") == {"1": "30.00", "2": "60.00", "3": "90.00"}
    assert lookup(d, "chronic.cap_first_disease") == "3000.00"
    assert lookup(d, "chronic.cap_max") == "5000.00"
    assert lookup(d, "special.exempt_diseases.N18") == {"deductible": "0.00", "ratio": "0.90"}
    assert lookup(d, "special.exempt_diseases.F20.ratio") == "0.90"
    assert lookup(d, "family_sharing.same_province_only") is True
    assert "health_check" in lookup(d, "family_sharing.prohibited_uses")


def test_tibet_floor_and_30_percent_lower_deductible(seeded):
    d = doc("540000", "2024-01-01")
    assert lookup(d, "family_sharing.min_residual_balance") == "3000.00"
    assert Decimal("300.00") * Decimal("0.70") == Decimal(
        lookup(d, "general_outpatient.deductible.retiree")
    )
    assert lookup(d, "account.retiree") == {"method": "annual", "amount": "3600.00"}


def test_jilin_ceilings_and_unset_values(seeded):
    d = doc("220000", "2024-01-01")
    assert d["sources"]["general_outpatient.deductible"]["from"] == "ceiling"
    assert d["sources"]["general_outpatient.annual_cap"]["from"] == "ceiling"
    assert d["sources"]["chronic.cap_max"]["from"] == "ceiling"
    # The ceilings bind Jilin's pooling areas (吉医保联〔2022〕22号 二（二）、二（三）).
    assert d["sources"]["general_outpatient.deductible"]["bound"] == {"max": "300.00"}
    assert d["sources"]["general_outpatient.annual_cap"]["bound"] == {"max": "2000.00"}
    assert d["sources"]["chronic.cap_max"]["bound"] == {"max": "6500.00"}
    assert lookup(d, "general_outpatient.ratio.retiree") is None
    assert lookup(d, "chronic.ratio") is None
    assert lookup(d, "chronic.deductible_shared_with_general") is True
    # Issue 18 item 2: 六（三） makes chronic benefits a priority, not an exclusion.
    assert "chronic_benefits" not in lookup(d, "general_outpatient.exclusions")
    assert lookup(d, "chronic.priority_over_general") is True
    # 一: 门诊慢性病在二级及以下定点医疗机构开展 — non-designated ones not paid (fidelity review).
    assert lookup(d, "chronic.exclusions") == ["inpatient_stay", "non_designated"]


def test_shanghai_earlier_versions(seeded):
    # Issue 18 item 12: in force from 2022-02-01; sharing from 2022-07-01 (三); 门急诊 paid by
    # the pooled fund from 2023-01-01 (四); the 2023-07-01 figures only from then (一)(二).
    early = doc("310000", "2022-03-01")
    assert lookup(early, "family_sharing.relations") == []
    assert lookup(early, "general_outpatient.annual_cap.employee") is None
    assert lookup(early, "account.employee_rate") is None
    mid = doc("310000", "2022-08-01")
    assert lookup(mid, "family_sharing.relations") == ["spouse", "parent", "child"]
    pooled = doc("310000", "2023-03-01")
    assert lookup(pooled, "combined_annual_max.covers") == ["general_outpatient"]
    assert lookup(pooled, "general_outpatient.deductible.employee") is None  # not in the seed
    assert lookup(doc("310000", "2023-07-01"), "general_outpatient.deductible.employee") == (
        "500.00"
    )


def test_sichuan_crediting_from_january_2023(seeded):
    # Issue 18 item 13: 通知一 "2023年1月开始施行": 2 % from 2023-01-01, unset before.
    assert lookup(doc("510000", "2022-12-01"), "account.employee_rate") is None
    assert lookup(doc("510000", "2023-01-01"), "account.employee_rate") == "0.02"


def test_retiree_rule_is_wuhans_only_where_wuhan_states_it(seeded):
    # Issue 18 item 8: Wuhan 第七条 states 次月起; the silent documents leave it unset.
    assert lookup(doc("420100", "2024-01-01"), "account.retiree_credit_from") == "next_month"
    for code in ("150200", "510000", "310000", "530400", "540000", "220000"):
        assert lookup(doc(code, "2024-01-01"), "account.retiree_credit_from") is None, code


def test_tibet_near_relatives(seeded):
    # Issue 18 item 10: 第十四条 配偶、父母、子女等近亲属 (民法典 第一千零四十五条).
    d = doc("540000", "2024-01-01")
    assert set(lookup(d, "family_sharing.relations")) >= {"sibling", "grandparent", "grandchild"}
    assert d["sources"]["family_sharing.relations"]["from"] == "interpretation"


def test_citations_name_the_document_number_or_title():
    # Issue 18 item 15: a source starting with the title cites the title, never the region.
    from policies.params import citation_of

    for path in SEED_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        cited = citation_of(data["source"], data["region"]["name"])
        assert cited != data["region"]["name"], path.name
        assert "号" in cited or cited.startswith("《") or "实施办法" in cited, (path.name, cited)
    assert citation_of("《玉溪市职工基本医疗保险门诊共济保障实施细则》（…）", "玉溪市") == (
        "《玉溪市职工基本医疗保险门诊共济保障实施细则》"
    )
    yuxi = json.loads((SEEDS_DIR / "530400_2023-01-01.json").read_text(encoding="utf-8"))
    entry = yuxi["document"]["sources"]["chronic.deductible_shared_with_general"]
    assert "住院" not in entry["note"].split("（")[0] and entry["from"] == "interpretation"
