"""django-import-export resources for bulk registration of persons and institutions.

Files are CSV or XLSX with a header row. Rows are validated by the models' own rules
(``clean_model_instances``), so a file is held to exactly what a clerk's form is.
"""

from decimal import InvalidOperation

from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.widgets import DateWidget, DecimalWidget, ForeignKeyWidget

from policies.models import Region
from staff.exports import FormulaSafeResourceMixin, LabelledResourceMixin
from staff.inputs import PLAIN_DECIMAL, has_foreign_digits

from .id_numbers import normalize
from .models import Employer, Institution, Person
from .signals import person_saved


class CodeWidget(ForeignKeyWidget):
    """A reference by code; an unknown code is a validation error on that column."""

    def __init__(self, model, field, message):
        super().__init__(model, field)
        self.message = message

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(self.message % {"code": value}) from None


class BaseWidget(DecimalWidget):
    """The contribution base: a value that is no number is an error on its column, said as
    the payroll file says it (decimal's own error read ``[<class 'decimal.ConversionSyntax'>]``
    and named no column)."""

    def clean(self, value, row=None, **kwargs):
        text = value.strip() if isinstance(value, str) else ""
        try:
            # Written plainly: Decimal() also reads 1e3, 1_000 and NaN (1e3 was stored as
            # 1000.00). Other digits have their own message (enrollment.imports).
            if text and not has_foreign_digits(text) and not PLAIN_DECIMAL.fullmatch(text):
                raise ValueError(text)
            return super().clean(value, row, **kwargs)
        except (InvalidOperation, ValueError):
            raise ValueError(
                _("The contribution base is not a number: “%(v)s”.") % {"v": str(value).strip()}
            ) from None


class IsoDateWidget(DateWidget):
    """A date that cannot be read is an error on its column, in the page's language (the
    library's own message is English only)."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(
                _("The date must be YYYY-MM-DD; got “%(v)s”.") % {"v": str(value).strip()}
            ) from None


def region_widget():
    return CodeWidget(Region, "code", _("Unknown region code “%(code)s”."))


PERSON_COLUMNS = [
    "id_number", "name", "region", "scheme", "category", "employment", "employer_code",
    "contribution_base", "retirement_date", "benefits_from", "status",
]  # fmt: skip
INSTITUTION_COLUMNS = ["code", "name", "region", "kind", "level", "designated"]


class PersonResource(LabelledResourceMixin, FormulaSafeResourceMixin, resources.ModelResource):
    region = fields.Field(attribute="region", column_name="region", widget=region_widget())
    employer = fields.Field(
        attribute="employer",
        column_name="employer_code",
        widget=CodeWidget(Employer, "code", _("Unknown employer code “%(code)s”.")),
    )
    contribution_base = fields.Field(
        attribute="contribution_base", column_name="contribution_base", widget=BaseWidget()
    )
    retirement_date = fields.Field(
        attribute="retirement_date", column_name="retirement_date", widget=IsoDateWidget()
    )
    benefits_from = fields.Field(
        attribute="benefits_from", column_name="benefits_from", widget=IsoDateWidget()
    )

    class Meta:
        model = Person
        import_id_fields = ["id_number"]
        fields = [
            "id_number", "name", "region", "scheme", "category", "employment", "employer",
            "contribution_base", "retirement_date", "benefits_from", "status",
        ]  # fmt: skip
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    DEFAULTS = {
        "scheme": "employee",
        "category": "employee",
        "employment": "employer",
        "status": "active",
    }

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)  # labels back to codes
        row["id_number"] = normalize(str(row.get("id_number") or ""))
        for column, default in self.DEFAULTS.items():
            value = row.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                row[column] = default

    def before_save_instance(self, instance, row, **kwargs):
        instance._was_new = instance._state.adding

    def after_save_instance(self, instance, row, **kwargs):
        # Imported persons get what registered ones get (e.g. their personal account).
        person_saved.send(
            sender=Person,
            person=instance,
            created=getattr(instance, "_was_new", False),
            changed=set(),
            actor=kwargs.get("user"),
        )


class InstitutionResource(LabelledResourceMixin, FormulaSafeResourceMixin, resources.ModelResource):
    region = fields.Field(attribute="region", column_name="region", widget=region_widget())

    class Meta:
        model = Institution
        import_id_fields = ["code"]
        fields = INSTITUTION_COLUMNS
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)  # labels back to codes
        if isinstance(row.get("level"), str) and not row["level"].strip():
            row["level"] = None
        if isinstance(row.get("level"), float | int):
            row["level"] = str(int(row["level"]))


RESOURCES = {"persons": PersonResource, "institutions": InstitutionResource}
COLUMNS = {"persons": PERSON_COLUMNS, "institutions": INSTITUTION_COLUMNS}
