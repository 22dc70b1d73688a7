"""Every export, with the demo data: no internal code reaches a reader (issue 19).

The label walk of the pages (``test_labels_walk``) for files: the dashboards' workbooks (every
page, one institution, one region's), the account statements (CSV and XLSX, for persons with
every kind of entry), the audit trail's workbook and the admin's person and institution
exports. A file fails when a code of ``staff/codes.py`` appears as a word in one of its text
cells; a header's code in brackets after its label (``身份证号码（id_number）``, the way an
exported file imports again) is the one literal allowed.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from tests.pages.test_labels_walk import LONG_DECIMAL, WORD

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BRACKETED = re.compile(r"（[a-z_]+）")


def _codes_in(text: str) -> set[str]:
    from staff.codes import known_codes

    words = set(WORD.findall(BRACKETED.sub("", text)))
    return (words & known_codes()) | set(LONG_DECIMAL.findall(text))


def _cells(response) -> list[str]:
    """Every text cell of a CSV or XLSX response (and the sheets' names)."""
    if response["Content-Type"].startswith("text/csv"):
        text = response.content.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in [*row, sheet.title]
        if isinstance(value, str)
    ]


def test_no_export_shows_an_unlabelled_code(client):
    call_command("load_demo", stdout=io.StringIO())
    from accounts.models import LedgerEntry
    from enrollment.models import Institution
    from enrollment.resources import InstitutionResource, PersonResource
    from policies.models import Region

    # Persons whose statements hold each kind of entry (credits, claims, shared, premiums).
    persons = {
        kind: LedgerEntry.objects.filter(kind=kind).values_list("account__person", flat=True)[0]
        for kind in LedgerEntry.objects.values_list("kind", flat=True).distinct()
    }
    region = Region.objects.get(code="420100")
    institution = Institution.objects.filter(region=region).first()
    exports = {
        "manager": [
            *(
                f"/dashboards/{p}?export=xlsx"
                for p in ("", "accounts/", "sharing/", "caps/", "chronic/", "institutions/")
            ),
            f"/dashboards/?region={region.pk}&category=retiree&export=xlsx",
            f"/dashboards/institutions/{institution.pk}/?export=xlsx",
        ],
        "clerk": [
            f"/accounts/persons/{pk}/statement/?export={kind}"
            for pk in sorted(set(persons.values()))
            for kind in ("csv", "xlsx")
        ],
        "auditor": ["/audit/?export=xlsx"],
    }
    found: dict[str, set[str]] = {}
    opened = 0
    for role, urls in exports.items():
        client.force_login(UserFactory(username=f"export-{role}", roles=[role]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            assert "attachment" in response["Content-Disposition"], (role, url)
            bad = [cell for cell in _cells(response) if _codes_in(cell)]
            opened += 1
            if bad:
                found[f"{role} {url}"] = {c for cell in bad for c in _codes_in(cell)}
                found[f"{role} {url}"] |= {f"«{cell[:160]}»" for cell in bad[:3]}
    # The admin's exports (django-import-export), in both of their file formats.
    for resource in (PersonResource(), InstitutionResource()):
        dataset = resource.export()
        text = dataset.export("csv")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        codes = {c for cell in cells for c in _codes_in(cell)}
        opened += 1
        if codes:
            found[type(resource).__name__] = codes
    assert opened >= 14
    assert not found, "\n".join(f"{k}: {sorted(v)}" for k, v in sorted(found.items()))


def test_an_exported_person_file_imports_again_unchanged():
    """Labels and labelled headers read back as codes: the export is still an import file."""
    import tablib

    from enrollment.imports import _check_columns, _run
    from enrollment.resources import PersonResource
    from tests.factories import PersonFactory

    PersonFactory()
    text = PersonResource().export().export("csv")
    assert "（id_number）" in text and "（category）" in text
    assert not {"employee", "employer", "active"} & set(WORD.findall(BRACKETED.sub("", text)))
    dataset = tablib.Dataset().load(text, format="csv")
    _check_columns("persons", dataset)
    report = _run("persons", dataset, dry_run=True, user=None)
    assert [r.status for r in report.rows] == ["skip"], [(r.status, r.errors) for r in report.rows]
