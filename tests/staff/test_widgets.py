"""Every date field of every form renders an ISO date, whatever the language.

A browser's ``<input type="date">`` accepts only ``2022-01-01`` in its value and shows anything
else as empty; Django's own DateInput writes the language's first input format (``2022/01/01``
in zh-hans), so an untouched form would post its dates back empty (issue 16)."""

import importlib
import inspect
from datetime import date

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import translation

from staff.widgets import DateInput


def project_forms() -> list[type[forms.Form]]:
    found = []
    for app in apps.get_app_configs():
        if not app.path.startswith(str(settings.BASE_DIR)) or ".venv" in app.path:
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def date_fields() -> list[tuple[type[forms.Form], str]]:
    return [
        (form, name)
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField)
    ]


def test_the_project_has_date_fields_to_check():
    names = {f"{form.__name__}.{name}" for form, name in date_fields()}
    assert {"PersonForm.benefits_from", "PersonEditForm.retirement_date"} <= names
    assert len(names) >= 15, names


@pytest.mark.django_db
@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize(
    ("form", "name"), date_fields(), ids=lambda x: getattr(x, "__name__", str(x))
)
def test_every_date_input_carries_an_iso_date(form, name, language):
    field = form.base_fields[name]
    assert isinstance(field.widget, DateInput), f"{form.__name__}.{name} uses {field.widget}"
    with translation.override(language):
        html = field.widget.render(name, date(2022, 1, 1))
        # The posted ISO date is read back in every language too.
        assert field.clean("2022-01-01") == date(2022, 1, 1)
    assert 'type="date"' in html and 'value="2022-01-01"' in html, html
