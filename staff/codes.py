"""Every internal code a reader may meet, with its label: the one place pages, charts, exports
and the audit trail turn ``shared_debit`` into 家庭共济支付.

``staff`` sits below every app, so the table names the codes itself (it imports no app); the
labels are translatable strings whose Chinese is in the project's catalogue. A model's choices
and this table say the same thing in the same words (most labels are the choices' own msgids).

- ``label(code, group=None)``: a code's label, looked up in ``group`` first, then anywhere;
  an unknown code is returned as it is (free text passes through unharmed).
- ``reference_label("payroll:job:6:row:2")``: a ledger or audit reference as words.
- ``result_sentence({"rows": 2, "credited": 2})``: a job's result as a sentence.
- ``known_codes()``: every code of the table, for the test that fails on an unlabelled code.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

L = gettext_lazy

CODES: dict[str, dict[str, Any]] = {
    "job_kind": {
        "monthly_crediting": L("Monthly retiree crediting"),
        "year_end": L("Year-end close"),
        "payroll_import": L("Payroll import"),
        "selfcheck": L("System self-check"),
        "person_import": L("Person import"),
        "policy_replay": L("Policy replay of a draft"),
        "catalogue_import": L("Medical catalogue import"),
    },
    "ledger_kind": {
        "payroll_credit": L("Payroll credit"),
        "retiree_credit": L("Retiree credit"),
        "claim_debit": L("Claim payment"),
        "shared_debit": L("Shared payment for a relative"),
        "premium_debit": L("Premium paid for a relative"),
        "refund": L("Refund"),
        "reversal": L("Reversal"),
        "adjustment": L("Adjustment"),
    },
    "relation": {
        "spouse": L("Spouse"),
        "parent": L("Parent"),
        "child": L("Child"),
    },
    "benefit": {
        "general_outpatient": L("General outpatient"),
        "chronic": L("Chronic outpatient disease"),
        "special": L("Special outpatient disease"),
    },
    "channel": {
        "online": L("Settled on-line"),
        "manual": L("Manual reimbursement"),
    },
    "filing_kind": {
        "long_term": L("Long-term residence elsewhere"),
        "temporary": L("Temporary care elsewhere"),
    },
    "category": {
        "employee": L("Active employee"),
        "retiree": L("Retiree"),
        "retiree_before_2001": L("Retired before 2001"),
    },
    "level": {
        "1": L("Level 1"),
        "2": L("Level 2"),
        "3": L("Level 3"),
        "pharmacy": L("Retail pharmacy"),
        # A replay's comparison groups settlements at institutions with no level here.
        "ungraded": L("Ungraded"),
    },
    # The age bands of a policy replay's comparison (replay: age in full years).
    "age_band": {
        "0-44": L("Aged 44 and under"),
        "45-59": L("Aged 45 to 59"),
        "60-69": L("Aged 60 to 69"),
        "70-79": L("Aged 70 to 79"),
        "80+": L("Aged 80 and over"),
    },
    "premium_kind": {
        "resident_insurance": L("Residents' basic medical insurance"),
        "long_term_care": L("Long-term care insurance"),
        "serious_illness": L("Serious-illness insurance"),
        "supplementary": L("Supplementary medical insurance"),
        "commercial_health": L("Commercial health insurance"),
    },
    # The settlement calculator's explanation lines (claims/calculator.py ``Breakdown.line``).
    "step": {
        "policy_amount": L("In-policy amount"),
        "class_b_first_pay": L("Class-B first self-pay"),
        "out_of_region_first_pay": L("Out-of-region first self-pay"),
        "deductible": L("Deductible applied"),
        "ratio": L("Pooled fund by the ratio"),
        "cap": L("Annual cap"),
        "unlimited": L("No annual cap"),
        "no_pool": L("No pooled payment"),
        "level": L("Institution level"),
        "above_cap": L("Above the annual cap"),
        "combined_max": L("Combined maximum with inpatient care"),
        "out_of_region_filed": L("Out-of-region filing"),
        "out_of_region_filing_not_counted": L("Out-of-region filing not counted as filed"),
        "manual_reimbursement": L("Manual reimbursement"),
        "excluded": L("Excluded from pooling"),
        "general_outpatient": L("General outpatient"),
        "account": L("Personal account"),
        "family_account": L("Family account"),
        "cash": L("Cash"),
    },
    "status": {
        "settled": L("Settled"),
        "reversed": L("Reversed"),
        "queued": L("Queued"),
        "running": L("Running"),
        "succeeded": L("Succeeded"),
        "partial": L("Partially done"),
        "failed": L("Failed"),
        "applied": L("Applied"),
        "approved": L("Approved"),
        "rejected": L("Rejected"),
        "revoked": L("Revoked"),
        "active": L("Active"),
        "arrears": L("Contribution arrears"),
        "suspended": L("Suspended"),
        "pending": L("Awaiting review"),
        "withdrawn": L("Withdrawn"),
    },
    # Two-person review (经办/复核): the acts held for a second user's approval (staff.reviews).
    "review_kind": {
        "settlement_reversal": L("Settlement reversal"),
        "certification_approval": L("Certification approval"),
        "policy_publication": L("Policy publication"),
    },
    # Field names in error lists (imports, jobs, the API's problem details).
    "field": {
        "id_number": L("ID number"),
        "name": L("name"),
        "period": L("Period"),
        "file": L("File"),
        "employer_code": L("Employer code"),
        "contribution_base": L("Contribution base"),
        "claim_number": L("Claim number"),
        "visit_date": L("Visit date"),
        "total_amount": L("Total amount"),
        "self_pay_amount": L("Fully self-paid"),
        "class_b_amount": L("Class-B amount"),
        "account_holder": L("Account holder"),
        "disease_code": L("Disease code"),
        "region": L("Region"),
        "year": L("Year"),
        "reason": L("Reason"),
        "scheme": L("Scheme"),
        "category": L("Category"),
        "employment": L("Employment"),
        "retirement_date": L("Retirement date"),
        "benefits_from": L("Benefits from"),
        "status": L("Status"),
        "code": L("Code"),
        "kind": L("Kind"),
        "level": L("Level"),
        "designated": L("Designated"),
        # The medical catalogue's file columns (catalogue/imports.py).
        "chrgitm_lv": L("Payment level"),
        "med_chrgitm_type": L("Charge item type"),
        "price_ceiling": L("Price ceiling"),
        "selfpay_prop": L("Self-pay proportion"),
        "valid_from": L("Valid from"),
        "valid_to": L("Valid to (optional)"),
        # The settlement's figures (the audit trail's "what changed" of a settlement).
        "policy_amount": L("In-policy amount"),
        "first_pay_amount": L("First self-pay"),
        "deductible_applied": L("Deductible applied"),
        "pool_paid": L("Pooled fund"),
        "account_paid": L("Personal account"),
        "family_account_paid": L("Family account"),
        "cash_paid": L("Cash"),
    },
    # A row's outcome on an import's check page (enrollment/imports.py).
    "import_status": {
        "new": L("New"),
        "update": L("Update"),
        "skip": L("Unchanged"),
        "error": L("Error"),
    },
    # The keys of background jobs' result dicts (accounts/crediting.py, payroll.py, year_end.py).
    "result": {
        "rows": L("Rows"),
        # A failed import's check: how many of the rows read are wrong (catalogue/imports.py).
        "error_rows": L("Rows with errors"),
        "credited": L("Credited"),
        "already_credited": L("Already credited before"),
        "skipped_already_credited": L("Skipped (already credited)"),
        "amount": L("Amount (yuan)"),
        "accounts": L("Accounts"),
        "statements_written": L("Statements written"),
        "already_closed": L("The year was already closed"),
        "steps": L("Steps"),
        "database": L("Database"),
        "period": L("Period"),
        "year": L("Year"),
        "created": L("Created"),
        "updated": L("Updated"),
        "filename": L("File"),
        # The catalogue import's (catalogue/imports.py).
        "dry_run": L("Check only (dry run)"),
        "new": L("New items"),
        "overrides": L("Regional overrides"),
    },
}

# Result keys shown in a job's sentence, in this order; the rest (``regions``…) is detail.
_SENTENCE_KEYS = (
    "filename",
    "period",
    "year",
    "rows",
    "error_rows",
    "credited",
    "already_credited",
    "skipped_already_credited",
    "accounts",
    "statements_written",
    "created",
    "updated",
    "new",
    "overrides",
    "dry_run",
    "amount",
    "steps",
)


# Labellers of dotted policy-parameter paths (``account.retiree.amount``): policies registers
# its own at start-up (staff imports no app).
_DOTTED: list = []
_PATH = re.compile(r"\b[a-z][a-z_]*(?:\.[a-z0-9_]+)+\b")


def register_dotted(labeller) -> None:
    """Add a function that labels dotted paths (returning the path itself when it cannot)."""
    if labeller not in _DOTTED:
        _DOTTED.append(labeller)


def label(code: Any, group: str | None = None) -> str:
    """The label of ``code`` (in ``group`` if given and known there, else in any group)."""
    if code is None:
        return ""
    key = str(code)
    if group and key in CODES.get(group, {}):
        return str(CODES[group][key])
    for table in CODES.values():
        if key in table:
            return str(table[key])
    if "." in key:
        for labeller in _DOTTED:
            shown = labeller(key)
            if shown != key:
                return str(shown)
    return key


def humanize(text: Any) -> str:
    """Free text (an error message) with the dotted parameter paths in it replaced by labels."""
    if text is None:
        return ""
    return _PATH.sub(lambda m: f"「{label(m.group(0))}」", str(text))


_WORD = re.compile(r"(?<![A-Za-z0-9_.])[a-z][a-z_]+(?![A-Za-z0-9_])")


def labelled_text(text: Any) -> str:
    """Free text written by the system (an audit summary such as ``13 1 approved``, a ledger
    memo naming ``account.retiree.amount``) with every code in it shown by its label; other
    words are left as they are."""
    if text is None:
        return ""

    def dotted(match) -> str:
        shown = label(match.group(0))
        return match.group(0) if shown == match.group(0) else f"「{shown}」"

    shown = _PATH.sub(dotted, str(text))  # an unknown dotted word (a host name) stays as it is
    codes = known_codes()
    return _WORD.sub(lambda m: label(m.group(0)) if m.group(0) in codes else m.group(0), shown)


def known_codes() -> set[str]:
    """Every code of the table that looks like a code (lower-case ASCII, underscores)."""
    return {
        code for table in CODES.values() for code in table if re.fullmatch(r"[a-z][a-z_]+", code)
    }


def _count(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"
    except (InvalidOperation, ValueError):
        return str(value)


def result_sentence(result: Any) -> str:
    """A job's result dict as one sentence: ``行数 2；已入账 2；金额（元） 1,234.00``."""
    if not isinstance(result, dict) or not result:
        return "" if not result else str(result)
    parts = []
    for key in _SENTENCE_KEYS:
        if key in result and result[key] not in (None, ""):
            value = result[key]
            shown = (
                str(value) if key in ("filename", "period", "year", "database") else _count(value)
            )
            parts.append(f"{label(key, 'result')} {shown}")
    if result.get("already_closed"):
        parts.append(str(CODES["result"]["already_closed"]))
    # The reader's separator: ；between Chinese clauses, "; " in English (it read "File x；…").
    return _("; ").join(parts)


_REFERENCE = re.compile(r"^(?P<what>[a-z_]+):(?P<rest>.*)$")


def reference_label(reference: str) -> str:
    """``payroll:job:6:row:2`` → 工资入账 · 任务 #6 · 第 2 行; ``settlement:5:reversal`` →
    结算 #5 · 撤销. Unknown shapes come back unchanged."""
    if not reference:
        return ""
    if not re.match(r"^[a-z][a-z_-]*:", str(reference)):  # free text (a memo-like reference)
        return str(reference)
    parts = str(reference).split(":")
    words = {
        "payroll": _("Payroll"),
        "retiree-crediting": _("Monthly retiree crediting"),
        "settlement": _("Settlement"),
        "sharing": _("Family sharing"),
        "premium": _("Premium"),
        "job": _("Job"),
        "reversal": _("Reversal"),
        "year_end": _("Year-end close"),
    }
    out, i = [], 0
    while i < len(parts):
        part = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if part == "row" and nxt is not None and nxt.isdigit():
            out.append(_("row %(n)s") % {"n": nxt})
            i += 2
            continue
        if part in words and nxt is not None and nxt.isdigit():
            out.append(f"{words[part]} #{nxt}")
            i += 2
            continue
        if re.fullmatch(r"[0-9a-f]{12}", part):  # a run's one-off tag: no meaning to a reader
            i += 1
            continue
        if part in words:
            out.append(str(words[part]))
        else:
            out.append(label(part))
        i += 1
    return " · ".join(out)


def settlement_id_of(reference: str) -> int | None:
    """The settlement a reference names (``settlement:5`` or ``settlement:5:reversal``)."""
    m = re.match(r"^settlement:(\d+)(?::|$)", str(reference or ""))
    return int(m.group(1)) if m else None
