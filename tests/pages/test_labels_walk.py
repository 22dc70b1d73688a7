"""Every page, as every role, with the demo data: no internal code reaches a reader.

The codes are those of staff/codes.py (job and ledger kinds, relations, benefits, calculation
steps, statuses, field names, job-result keys); a page fails when one of them appears as a word
in its text (outside tags' attributes) or in a chart's data. The walk fills each route's ids
with rows the demo created (every settlement and job, a person with an account and sharing).
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from staff.codes import known_codes
from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN
from tests.factories import UserFactory
from tests.security.walk import routes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROLES = (CLERK, MANAGER, AUDITOR, POLICY_ADMIN)
# The machine-readable policy schema is for integrators: its enum values are the codes.
TECHNICAL = {"policies/schema/"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class _Text(HTMLParser):
    """Text outside tags; ``application/json`` scripts (charts' data) parsed for their strings.

    Left out: a form field's value (a ``<textarea>``: the policy document being edited) and a
    literal marked ``translate="no"`` (a file's column header the clerk must type, shown
    beside its label)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._script: str | None = None
        self._literal: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._script = attrs.get("type", "") if tag == "script" else "style"
        elif tag == "textarea" or attrs.get("translate") == "no":
            self._literal.append(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._script = None
        elif self._literal and self._literal[-1] == tag:
            self._literal.pop()

    def handle_data(self, data):
        if self._literal:
            return
        if self._script is None:
            self.parts.append(data)
        elif self._script == "application/json":
            self.parts.extend(_strings(json.loads(data)))


# ECharts' own settings (``"type": "category"``) are no text a reader sees.
SETTINGS = {"type", "trigger", "stack", "orient", "left", "right", "top", "bottom", "position"}


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() if k not in SETTINGS for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def unlabelled(html: str) -> set[str]:
    words = {w for part in _text(html) for w in WORD.findall(part)}
    return words & known_codes()


# Money as 12,345.67: never a SQL sum's ``11705.28000000000``; on the pages that show amounts
# of this scope, never 1000.00 and up without the thousands separator.
LONG_DECIMAL = re.compile(r"(?<![\d:])\d+\.\d{3,}")  # not a time's seconds.micro
UNSEPARATED = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)")
FORMATTED = ("dashboards/", "claims/settlements/", "accounts/persons/", "family-sharing/statement")


# Chinese text takes the full-width colon (姓名：), never the half-width one after a Chinese
# word or a closing full-width bracket (a time's 12:30 and a URL are untouched).
HALF_WIDTH_COLON = re.compile(r"[\u3400-\u9fff）》」]\s*:")


def test_the_colon_check():
    assert HALF_WIDTH_COLON.findall("发布新版本: 武汉市 · 经办人（张三）: 同意") == ["本:", "）:"]
    assert HALF_WIDTH_COLON.findall("时间：12:30 · https://example.org/ · 姓名：王芳") == []


def test_the_money_checks():
    assert LONG_DECIMAL.findall("合计 11705.28000000000 元") == ["11705.28000000000"]
    assert UNSEPARATED.findall("1,200.00 与 1200.00 与 999.00") == ["1200.00"]


def test_the_detector_finds_codes_in_text_and_charts_but_not_in_attributes():
    assert unlabelled('<td class="x">shared_debit</td>') == {"shared_debit"}
    assert unlabelled('<script type="application/json">{"a": ["child"]}</script>') == {"child"}
    assert unlabelled('<span class="badge-settled" data-k="payroll_credit">已结算</span>') == set()
    assert unlabelled('<code translate="no">id_number</code>（身份证号）') == set()
    assert unlabelled('<textarea>{"relations": ["child"]}</textarea>') == set()


def _ids():
    from accounts.models import AnnualStatement, LedgerEntry
    from claims.models import ChronicCertification, Settlement
    from enrollment.models import Institution
    from family_sharing.models import SharingAuthorisation
    from jobs.models import Job
    from policies.models import Region

    holder = SharingAuthorisation.objects.order_by("pk").first()
    person = holder.holder if holder else LedgerEntry.objects.first().account.person
    statement = AnnualStatement.objects.filter(account__person=person).first() or (
        AnnualStatement.objects.first()
    )
    return {
        "person_id": [person.pk, *([statement.account.person_id] if statement else [])],
        "year": [statement.year] if statement else [2025],
        "settlement_id": list(Settlement.objects.values_list("pk", flat=True)[:12]),
        "job_id": list(Job.objects.values_list("pk", flat=True)),
        "institution_id": [
            Settlement.objects.first().institution_id,
            Institution.objects.first().pk,
        ],
        "certification_id": list(ChronicCertification.objects.values_list("pk", flat=True)[:3]),
        "authorisation_id": [holder.pk] if holder else [],
        "stay_id": [1],
        "code": [Region.objects.order_by("code").first().code],
    }


def _paths(ids) -> list[str]:
    paths = []
    for route, method in routes():
        if method != "GET" or route.startswith(("api/", "i18n/")) or route in TECHNICAL:
            continue
        names = re.findall(r"<(?:int|str):(\w+)>", route)
        variants = [route]
        for name in names:
            variants = [
                re.sub(rf"<(?:int|str):{name}>", str(value), v, count=1)
                for v in variants
                for value in ids.get(name, [1])
            ]
        paths.extend("/" + v for v in variants)
    return sorted(set(paths))


def test_no_page_shows_an_unlabelled_code(client):
    call_command("load_demo", stdout=io.StringIO())
    paths = _paths(_ids())
    found: dict[str, set[str]] = {}
    for role in ROLES:
        client.force_login(UserFactory(username=f"walk-{role}", roles=[role]))
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (role, path)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            codes = unlabelled(html)
            text = [t for t in _text(html) if isinstance(t, str)]
            codes |= {m for t in text for m in LONG_DECIMAL.findall(t)}
            codes |= {m for t in text for m in HALF_WIDTH_COLON.findall(t)}
            if path.lstrip("/").startswith(FORMATTED):
                codes |= {m for t in text for m in UNSEPARATED.findall(t)}
            if codes:
                found[f"{role} {path}"] = codes
    assert not found, "\n".join(f"{k}: {sorted(v)}" for k, v in sorted(found.items()))
