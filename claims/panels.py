"""Certifications on the person page."""

from enrollment.panels import register_panel

from .selectors import certification_list


@register_panel
def certifications_panel(request, person):
    certifications = list(certification_list().filter(person=person))
    if not certifications and person.scheme != "employee":
        return None
    return {"template": "claims/_panel.html", "certifications": certifications, "person": person}


@register_panel
def pooled_totals_panel(request, person):
    """Outpatient and reported inpatient pooled totals this year against each maximum."""
    from django.utils import timezone

    from .selectors import pooled_totals

    if person.scheme != "employee":
        return None
    totals = pooled_totals(person=person, on=timezone.localdate())
    if totals is None:
        return None
    return {"template": "claims/_pooled_totals.html", "totals": totals, "person": person}
