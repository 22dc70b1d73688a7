"""The import page's files: templates per kind (Chinese headers, notes with the allowed values,
the region and employer codes) and the error report of a checked file."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from staff.import_files import choices_text, error_report_response, error_text, template_response

from .models import Employer, Institution, Person
from .resources import COLUMNS

HEADERS_ZH = {
    "persons": {
        "id_number": "身份证号码",
        "name": "姓名",
        "region": "统筹区编码",
        "scheme": "险种",
        "category": "人员类别",
        "employment": "就业形式",
        "employer_code": "单位编码",
        "contribution_base": "缴费基数",
        "retirement_date": "退休日期",
        "benefits_from": "待遇开始日期",
        "status": "参保状态",
    },
    "institutions": {
        "code": "机构编码",
        "name": "机构名称",
        "region": "统筹区编码",
        "kind": "机构类别",
        "level": "医院等级",
        "designated": "是否定点",
    },
}


def _notes(kind: str) -> list[tuple[str, str]]:
    date = _("a date written YYYY-MM-DD")
    if kind == "persons":
        return [
            ("id_number", _("18-digit resident ID number (last digit may be X); the key.")),
            ("name", _("Name as on the ID card.")),
            ("region", _("Region code (see the sheet 统筹区).")),
            ("scheme", choices_text(Person.Scheme.choices) + _("; empty: employee")),
            ("category", choices_text(Person.Category.choices) + _("; empty: employee")),
            ("employment", choices_text(Person.Employment.choices) + _("; empty: employer")),
            ("employer_code", _("Employer code (see the sheet 参保单位); empty for none.")),
            ("contribution_base", _("Monthly base in yuan, at most two decimals; may be empty.")),
            ("retirement_date", date + _("; required for retirees.")),
            ("benefits_from", date + _("; may be empty.")),
            ("status", choices_text(Person.Status.choices) + _("; empty: active")),
        ]
    return [
        ("code", _("Institution code; the key.")),
        ("name", _("Name.")),
        ("region", _("Region code (see the sheet 统筹区).")),
        ("kind", choices_text(Institution.Kind.choices)),
        ("level", choices_text(Institution.Level.choices) + _("; empty for a pharmacy.")),
        ("designated", _("1 (designated) or 0 (not designated).")),
    ]


def import_template_response(kind: str):
    from policies.models import Region

    regions = [[_("Region code"), pgettext("organisation", "Name")]] + [
        [code, name] for code, name in Region.objects.order_by("code").values_list("code", "name")
    ]
    lists = [(_("Regions"), regions)]
    if kind == "persons":
        lists.append(
            (
                _("Employers"),
                [[_("Employer code"), pgettext("organisation", "Name"), _("Region")]]
                + [
                    list(r)
                    for r in Employer.objects.order_by("code").values_list(
                        "code", "name", "region__code"
                    )[:5000]
                ],
            )
        )
    return template_response(
        f"{kind}-template.xlsx",
        columns=COLUMNS[kind],
        chinese=HEADERS_ZH[kind],
        notes=_notes(kind),
        lists=lists,
    )


def import_error_report_response(report, filename: str):
    """The rows with errors of a dry run, as they were, with the errors beside them."""
    chinese = HEADERS_ZH[report.kind]
    rows = [
        (
            r.row,
            {k: "" if v is None else str(v) for k, v in r.values.items()},
            [error_text(e, chinese) for e in r.errors],
        )
        for r in report.rows
        if r.errors
    ]
    stem = (filename.rsplit(".", 1)[0] or report.kind)[:60]
    return error_report_response(
        f"{stem}-errors.xlsx", columns=COLUMNS[report.kind], chinese=chinese, rows=rows
    )
