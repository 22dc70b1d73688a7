"""Article-by-article check of the seeded policies against the documents' texts: values a
document does not give are unset (null), not the document's end point or an exploration."""

import json
from datetime import date

import pytest

from accounts.rules import retiree_bands
from family_sharing.rules import SharingPolicy, check_premium_kind
from policies.params import UnsetParameter
from policies.services import SEEDS_DIR


def document(name: str) -> dict:
    return json.loads((SEEDS_DIR / name).read_text(encoding="utf-8"))["document"]


def test_yuxi_retiree_rate_is_a_target_not_the_current_rate():
    # Yuxi 第十五条: 退休人员个人账户继续由统筹基金按定额划入，划入额度逐步调整到统筹地区实施改革当年
    # 基本养老金平均水平的2% — 2 % is where the amount is to arrive, by steps the document does
    # not give. The file said rate 0.02 from 2023-01-01 (so a fill of the average pension alone
    # would have credited 2 % at once); now unset, a fill gives both figures.
    yuxi = document("530400_2023-01-01.json")
    assert yuxi["account"]["retiree"]["rate"] is None
    assert "逐步调整" in yuxi["sources"]["account.retiree.rate"]["note"]
    yuxi["account"]["retiree"]["average_pension"] = "3000.00"  # a test figure
    with pytest.raises(UnsetParameter) as err:
        retiree_bands(yuxi, date(2026, 3, 1), region="玉溪市")
    assert "account.retiree.rate" in err.value.message and "第十五条" in err.value.message
    # Sichuan 第四条 "2%左右" stays an approximate value (marked), Baotou 第四条 a fixed 3 % / 2 %.
    sichuan = document("510000_2023-01-01.json")
    assert sichuan["sources"]["account.retiree.rate"]["from"] == "approximate"


@pytest.mark.parametrize(
    "name", ["310000_2022-07-01.json", "310000_2023-01-01.json", "310000_2023-07-01.json"]
)
def test_shanghai_premiums_for_relatives_are_only_to_be_explored(name):
    # Shanghai 主要任务（三）: 个人账户可以用于支付…配偶、父母、子女…由个人负担的医疗费用 (allowed from
    # 2022-07-01), but only 探索个人账户用于配偶、父母、子女参加城乡居民基本医疗保险等的个人缴费 — an
    # exploration, not a permission. The file allowed residents' insurance premiums; now unset:
    # a premium payment is refused naming the parameter and the article.
    shanghai = document(name)
    assert shanghai["family_sharing"]["premium_kinds"] is None
    assert shanghai["family_sharing"]["relations"] == ["spouse", "parent", "child"]
    policy = SharingPolicy(shanghai, "上海市实施办法", "上海市")
    with pytest.raises(UnsetParameter) as err:
        check_premium_kind(policy, "resident_insurance")
    assert "premium_kinds" in err.value.message and "主要任务（三）" in err.value.message


SEED_FILES = sorted(SEEDS_DIR.glob("*.json"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_a_value_read_from_the_system_not_the_text_is_marked(path):
    # "单建统筹人员不建个人账户（制度定义）" is a reading of what 单建统筹 means, not the text's
    # words (only Sichuan 第四条 says it). Wuhan 第六条's entry joined it to the text's 灵活就业人员
    # 不计入个人账户 unmarked; every entry resting on 制度定义 is marked interpretation.
    sources = json.loads(path.read_text(encoding="utf-8"))["document"]["sources"]
    for dotted, entry in sources.items():
        if "制度定义" in entry.get("note", ""):
            assert entry.get("from") == "interpretation", f"{path.name}: {dotted}"
