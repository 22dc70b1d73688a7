"""Parameter values as the policy pages show them, in the reader's language."""

from django.utils import translation

from policies.labels import format_value


def test_a_list_of_values_takes_the_readers_separator():
    # The English page read "arrears、non-designated institution".
    with translation.override("zh-hans"):
        assert format_value("general_outpatient.exclusions", ["arrears", "non_designated"]) == (
            "欠缴期间、非定点医疗机构"
        )
    with translation.override("en"):
        shown = format_value("general_outpatient.exclusions", ["arrears", "non_designated"])
    assert "、" not in shown and ", " in shown
