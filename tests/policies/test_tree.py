"""The effective policy of a region tree (policies.tree): worked cases and Hypothesis."""

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.tree import Layer, bound_breaches, effective, filled_paths, leaves, lookup, merge


def layer(region, document, citation="文号", kind="version"):
    return Layer(region, document, citation, kind)


SICHUAN = {
    "general_outpatient": {
        "deductible": {"employee": "200.00", "retiree": "150.00"},
        "annual_cap": {"employee": None, "retiree": None},
    },
    "sources": {
        "general_outpatient.annual_cap": {"article": "第七条", "note": "由各统筹地区确定"},
        "general_outpatient.deductible": {"article": "第七条"},
    },
}
CHENGDU = {
    "general_outpatient": {"annual_cap": {"employee": "2000.00", "retiree": None}},
    "sources": {"general_outpatient.annual_cap": {"article": "示范"}},
}


def test_child_value_wins_and_unset_inherits():
    result = effective([layer("510000", SICHUAN, "川办发〔2021〕85号"), layer("510100", CHENGDU)])
    go = result.document["general_outpatient"]
    assert go["annual_cap"] == {"employee": "2000.00", "retiree": None}  # retiree: unset in both
    assert go["deductible"] == {"employee": "200.00", "retiree": "150.00"}
    assert result.inherited == {
        "general_outpatient.deductible.employee": "510000",
        "general_outpatient.deductible.retiree": "510000",
    }
    # The inherited value cites the framework's document; the child's own value its own.
    sources = result.document["sources"]
    assert sources["general_outpatient.deductible.employee"]["document"] == "川办发〔2021〕85号"
    assert sources["general_outpatient.annual_cap"] == {"article": "示范"}


def test_one_layer_is_the_document_itself():
    assert effective([layer("510000", SICHUAN)]).document == SICHUAN


def test_a_fill_sits_below_its_version():
    version = {"a": {"pension": None, "rate": "0.03"}, "sources": {"a.pension": {"article": "四"}}}
    fill = {
        "a": {"pension": "3000.00", "rate": "0.03"},
        "sources": {"a.pension": {"article": "公告"}},
    }
    amended = {"a": {"pension": "3200.00", "rate": "0.03"}, "sources": {}}
    filled = effective([layer("150200", fill, "公告1号", "fill"), layer("150200", version)])
    assert filled.document["a"] == {"pension": "3000.00", "rate": "0.03"}
    assert filled.document["sources"]["a.pension"]["document"] == "公告1号"
    assert filled.inherited == {}  # the region's own fill is not inherited
    # A version that sets the value wins over the fill: a fill never overrides.
    over = effective([layer("150200", fill, "公告1号", "fill"), layer("150200", amended)])
    assert over.document["a"]["pension"] == "3200.00"


def test_filled_paths():
    base = {"a": {"x": None, "y": "1"}, "sources": {}}
    assert filled_paths(base, {"a": {"x": "2", "y": "1"}}) == ["a.x"]
    assert filled_paths(base, {"a": {"x": "2", "y": "9"}}) is None  # changes a value
    assert filled_paths(base, {"a": {"x": "2", "y": None}}) is None  # removes a value
    assert filled_paths(base, base) == []


def test_bounds():
    jilin = {
        "go": {"cap": {"employee": "2000.00"}},
        "sources": {
            "go.cap": {"article": "二（二）", "from": "ceiling", "bound": {"max": "2000.00"}}
        },
    }
    layers = [layer("220000", jilin, "吉医保联〔2022〕22号")]
    assert bound_breaches(layers, {"go": {"cap": {"employee": "1800.00", "retiree": None}}}) == []
    [breach] = bound_breaches(layers, {"go": {"cap": {"employee": "2500.00"}}})
    assert (breach.path, breach.value, breach.article) == ("go.cap.employee", "2500.00", "二（二）")
    assert bound_breaches(layers, {"go": {"cap": {"retiree": "unlimited"}}})
    ranged = {
        "r": "0.65",
        "sources": {"r": {"article": "七", "bound": {"min": "0.65", "max": "0.70"}}},
    }
    assert bound_breaches([layer("510000", ranged)], {"r": "0.60"})
    assert not bound_breaches([layer("510000", ranged)], {"r": "0.70"})


# --- Hypothesis: any two documents of the same shape ---------------------------------------

KEYS = st.sampled_from(["a", "b", "c"])
VALUES = st.one_of(st.none(), st.sampled_from(["1.00", "2.00", "0.50", "unlimited"]))
TREES = st.recursive(
    VALUES, lambda children: st.dictionaries(KEYS, children, min_size=1, max_size=3), max_leaves=12
).filter(lambda t: isinstance(t, dict))


def _paths(tree):
    return {p for p, v in leaves(tree) if v is not None}


@settings(max_examples=200, deadline=None)
@given(parent=TREES, child=TREES, sibling=TREES)
def test_merge_properties(parent, child, sibling):
    result = effective([layer("510000", parent), layer("510100", child)])
    merged = result.document
    for path, value in leaves(child):
        if value is not None and not isinstance(value, dict):
            # A child's own value always wins.
            assert lookup(merged, path) == value
            assert path not in result.inherited
    for path in _paths(parent):
        if lookup(child, path) is None and _no_set_prefix(child, path):
            # An unset (or absent) child value inherits the parent's.
            assert lookup(merged, path) == lookup(parent, path)
            assert result.inherited[path] == "510000"
    # A value set only in one child never leaks into a sibling.
    other = effective([layer("510000", parent), layer("510200", sibling)]).document
    for path in _paths(child) - _paths(parent) - _paths(sibling):
        value = lookup(other, path)
        assert value is None or isinstance(value, dict)  # no set value there
    assert merge(parent, {}) == parent


def _no_set_prefix(tree, path):
    """No strict prefix of ``path`` holds a set non-dict value in ``tree`` (which would
    replace the parent's whole subtree)."""
    parts = path.split(".")
    for end in range(1, len(parts)):
        value = lookup(tree, ".".join(parts[:end]))
        if value is not None and not isinstance(value, dict):
            return False
    return True
