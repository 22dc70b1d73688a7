"""staff/forms.py: the label suffix of every form."""

from django import forms
from django.utils import translation


class _Form(forms.Form):
    name = forms.CharField(label="姓名")
    confirm = forms.BooleanField(label="确认无误？")


def test_chinese_labels_take_the_full_width_colon():
    # Django's own zh-hans catalogue gives the half-width ":" (姓名:); the project's gives "：",
    # and a label already ending in Chinese punctuation gets no second mark.
    with translation.override("zh-hans"):
        form = _Form()
        assert ">姓名：</label>" in form["name"].label_tag()
        assert ">确认无误？</label>" in form["confirm"].label_tag()
    with translation.override("en"):
        assert ">姓名:</label>" in _Form()["name"].label_tag()
