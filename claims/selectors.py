"""Reads for claims."""

from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from enrollment.models import Person

from .models import ChronicCertification, Settlement


def certification_list() -> QuerySet[ChronicCertification]:
    return ChronicCertification.objects.select_related("person", "disease", "decided_by")


def approved_certifications(*, person: Person, on: date) -> list[ChronicCertification]:
    """The person's approved certifications covering ``on``."""
    return [
        c for c in certification_list().filter(person=person, status="approved") if c.covers(on)
    ]


def certification_on(*, person: Person, disease_code: str, on: date) -> ChronicCertification | None:
    """The approved certification for ``disease_code`` covering ``on``, if any."""
    code = disease_code.upper()
    return next(
        (c for c in approved_certifications(person=person, on=on) if c.disease.code == code), None
    )


def approved_chronic_count(*, person: Person, on: date) -> int:
    """Approved chronic (not special) diseases covering ``on`` (Yuxi's cap grows with them)."""
    return sum(
        1 for c in approved_certifications(person=person, on=on) if c.disease.kind == "chronic"
    )


def settlement_by_claim_number(*, institution, claim_number: str) -> Settlement | None:
    """The settlement an institution already made under this claim (invoice) number, if any
    (settled or reversed: the number stays taken)."""
    return Settlement.objects.filter(institution=institution, claim_number=claim_number).first()


def settlement_search(
    *,
    claim_number: str = "",
    person: str = "",
    institution: str = "",
    start: date | None = None,
    end: date | None = None,
    benefit: str = "",
    status: str = "",
) -> QuerySet[Settlement]:
    """Settlements matching every criterion given (newest first). A person is found by the
    whole ID number (any case of the X) or by part of the name; an institution by its code or
    part of its name."""
    qs = Settlement.objects.select_related("person", "institution", "reversed_by")
    if claim_number:
        qs = qs.filter(claim_number__icontains=claim_number.strip())
    if person:
        text = person.strip()
        if text[:1].isdigit():
            qs = qs.filter(person__id_number=text.upper())
        else:
            qs = qs.filter(person__name__contains=text)
    if institution:
        text = institution.strip()
        qs = qs.filter(Q(institution__code=text) | Q(institution__name__contains=text))
    if start:
        qs = qs.filter(visit_date__gte=start)
    if end:
        qs = qs.filter(visit_date__lte=end)
    if benefit:
        qs = qs.filter(benefit=benefit)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


BUCKET_LABELS = {
    "general_outpatient": _("General outpatient pooling"),
    "general_above_cap": _("General outpatient above its cap"),
    "chronic": _("Chronic outpatient disease"),
    "special": _("Special outpatient disease"),
}


def pooled_totals(*, person: Person, on: date) -> dict | None:
    """The person's pooled payments this year against each maximum of the policy in force on
    ``on``: each outpatient benefit's own cap, and the maximum shared with inpatient care
    (outpatient buckets it covers + the reported inpatient total). None without a policy."""
    from decimal import Decimal

    from policies.params import lookup
    from policies.schema import source_for
    from policies.selectors import effective_policy
    from staff.errors import NotFound

    from .models import Accumulator, InpatientTotal

    try:
        version = effective_policy(region=person.region, on_date=on)
    except NotFound:
        return None
    document, cite_doc = version.document, version.citation_source

    def cite(dotted: str) -> str:
        return f"{cite_doc} {(source_for(document, dotted) or {}).get('article', '')}".strip()

    rate_class = "retiree" if person.category == "retiree" else "employee"
    pooled = {a.bucket: a.pooled for a in Accumulator.objects.filter(person=person, year=on.year)}
    zero = Decimal("0.00")
    rows = []
    own = {
        "general_outpatient": f"general_outpatient.annual_cap.{rate_class}",
        "chronic": "chronic.cap_max",
        "special": "special.annual_cap",
    }
    for bucket, dotted in own.items():
        section = document.get(bucket) or {}
        if dotted.split(".")[1] not in section:
            continue  # no own maximum (e.g. counted only within the shared one)
        value = lookup(document, dotted)
        rows.append(
            {
                "label": BUCKET_LABELS[bucket],
                "pooled": pooled.get(bucket, zero),
                "maximum": value,  # None: unset; "unlimited"
                "rule": cite(dotted),
            }
        )
    inpatient = InpatientTotal.objects.filter(person=person, year=on.year).first()
    combined = document.get("combined_annual_max")
    shared = None
    if combined:
        covers = combined.get("covers") or []
        outpatient = sum((pooled.get(b, zero) for b in covers), zero)
        reported = inpatient.pooled if inpatient else zero
        shared = {
            "covers": "、".join(str(BUCKET_LABELS.get(b, b)) for b in covers),
            "outpatient": outpatient,
            "inpatient": reported,
            "total": outpatient + reported,
            "maximum": combined.get(rate_class if rate_class in combined else "retiree"),
            "rule": cite("combined_annual_max"),
        }
    return {"year": on.year, "rows": rows, "shared": shared, "inpatient": inpatient}
