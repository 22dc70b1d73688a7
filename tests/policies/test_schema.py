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
    assert "source" in errors[0]["message"]


def test_per_visit_deductible_must_be_by_level():
    def mutate(d):
        d["general_outpatient"]["deductible_basis"] = "per_visit"

    assert "$.general_outpatient.deductible" in paths(broken(mutate))


def test_not_an_object():
    assert validate_document([1, 2]) == [
        {"path": "$", "message": "The policy document must be a JSON object."}
    ]


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
    assert "未设定（全文：本通知未规定）" in error.message, error.message
    assert "未设定（全文）" in UnsetParameter("x", article="全文").message
