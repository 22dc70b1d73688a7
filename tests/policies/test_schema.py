"""A bad policy document is refused naming the JSON path of every problem."""

import copy
import json

import pytest

from policies.schema import validate_document
from policies.services import SEEDS_DIR

WUHAN = json.loads((SEEDS_DIR / "420100_2023-01-01.json").read_text(encoding="utf-8"))["document"]


def broken(mutate) -> list[dict]:
    document = copy.deepcopy(WUHAN)
    mutate(document)
    return validate_document(document)


def paths(errors) -> set[str]:
    return {e["path"] for e in errors}


def test_seeded_document_is_valid():
    assert validate_document(WUHAN) == []


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["general_outpatient"]["annual_cap"].update(employee=3500), "$.general_outpatient.annual_cap.employee"),
        (lambda d: d["general_outpatient"]["annual_cap"].update(employee="3500"), "$.general_outpatient.annual_cap.employee"),
        (lambda d: d["general_outpatient"]["ratio"]["retiree"].update({"2": "1.5"}), "$.general_outpatient.ratio.retiree.2"),
        (lambda d: d["general_outpatient"].update(deductible_basis="weekly"), "$.general_outpatient.deductible_basis"),
        (lambda d: d["account"].update(employee_rate=0.02), "$.account.employee_rate"),
        (lambda d: d["family_sharing"].update(relations=["cousin"]), "$.family_sharing.relations"),
        (lambda d: d.pop("chronic"), "$"),
        (lambda d: d["sources"].update({"general_outpatient.nothing": {"article": "第一条"}}), "$.sources.general_outpatient.nothing"),
    ],
)  # fmt: skip
def test_bad_values_name_their_path(mutate, path):
    assert any(p.startswith(path) for p in paths(broken(mutate))), paths(broken(mutate))


def test_unset_value_without_a_source_is_refused():
    def mutate(d):
        d["general_outpatient"]["annual_cap"]["employee"] = None
        d["sources"].pop("general_outpatient.annual_cap")

    errors = broken(mutate)
    assert paths(errors) == {"$.general_outpatient.annual_cap.employee"}
    assert "sources" in errors[0]["message"] and "条款" in errors[0]["message"]


def test_per_visit_deductible_must_be_by_level():
    def mutate(d):
        d["general_outpatient"]["deductible_basis"] = "per_visit"

    assert "$.general_outpatient.deductible" in paths(broken(mutate))


def test_not_an_object():
    assert validate_document([1, 2]) == [{"path": "$", "message": "政策文件须为 JSON 对象。"}]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["general_outpatient"]["annual_cap"].update(employee="lots"), "两位小数"),
        (lambda d: d["general_outpatient"]["ratio"]["employee"].update({"1": "1.5"}), "0 至 1"),
        (lambda d: d["general_outpatient"].update(deductible_basis="weekly"), "以下之一"),
        (lambda d: d["account"].update(employee_rate=2), "取值类型须为"),
        (lambda d: d["general_outpatient"].pop("ratio"), "缺少必填参数：ratio"),
        # A value that may be unset is named by its JSON spelling, never Python's "None".
        (lambda d: d["account"].update(retiree_credit_from="weekly"), "same_month、null"),
    ],
)  # fmt: skip
def test_schema_errors_read_as_sentences_in_chinese(mutate, expected):
    # A clerk sees what the value must be and what was given, never jsonschema's English text
    # with its regular expression.
    from django.utils import translation

    with translation.override("zh-hans"):
        messages = [e["message"] for e in broken(mutate)]
    assert any(expected in m for m in messages), messages
    assert not any("^" in m or "does not match" in m or "is not" in m for m in messages), messages


def test_an_unset_parameter_cites_its_article_with_the_full_width_colon():
    from django.utils import translation

    from policies.params import UnsetParameter

    with translation.override("zh-hans"):
        error = UnsetParameter(
            "account.employee_rate", region="吉林省", article="全文", note="本通知未规定"
        )
        bare = UnsetParameter("x", article="全文")
    # Both built under Chinese: a test before this one may leave English active.
    assert "未设定（全文：本通知未规定）" in error.message, error.message
    assert "未设定（全文）" in bare.message


def _band(d, **changes):
    d["account"]["retiree"] = {
        "method": "annual_by_age",
        "bands": [{"min_age": 60, "max_age": 69, "annual": "1000.00", **changes}],
    }


@pytest.mark.parametrize(
    "mutate, path, expected",
    [
        (lambda d: _band(d, min_age=-1), "$.account.retiree.bands[0].min_age", "取值不能小于 0（实际为：-1）"),
        (lambda d: _band(d, min_age=200), "$.account.retiree.bands[0].min_age", "取值不能大于 150"),
        (lambda d: _band(d, max_age=50), "$.account.retiree.bands[0].max_age", "年龄上限（max_age）小于年龄下限（min_age）"),
        (lambda d: d["sources"].update({"account": {"article": ""}}), "$.sources.account.article", "取值不能为空"),
        (lambda d: d["sources"].update({"general_outpatient.nothing": {"article": "第一条"}}), "$.sources.general_outpatient.nothing", "不是本政策文件的参数"),
    ],
)  # fmt: skip
def test_every_message_of_the_checks_is_chinese(mutate, path, expected):
    """jsonschema's own English sentence (``-1 is less than the minimum of 0``) and the checks
    after the schema were shown untranslated."""
    from django.utils import translation

    with translation.override("zh-hans"):
        errors = broken(mutate)
    assert any(e["path"] == path and expected in e["message"] for e in errors), errors
    assert not any(" is " in e["message"] or " than " in e["message"] for e in errors), errors
