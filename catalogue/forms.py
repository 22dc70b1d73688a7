from django import forms
from django.utils.translation import gettext_lazy as _

from staff.uploads import FormUploadField

from .models import Kind, Level


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Code, name or pinyin initials"), max_length=100, required=False)
    kind = forms.ChoiceField(
        # The columns are named as in the import template (目录类别, 收费项目等级).
        label=_("Catalogue kind"),
        choices=[("", _("All"))] + list(Kind.choices),
        required=False,
    )
    chrgitm_lv = forms.ChoiceField(
        label=_("Payment level"), choices=[("", _("All"))] + list(Level.choices), required=False
    )


class CatalogueUploadForm(forms.Form):
    file = FormUploadField(label=_("Catalogue file (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=_("Check only (dry run)"), required=False)
