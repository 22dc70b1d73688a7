"""Certifications on the person page."""

from enrollment.panels import register_panel

from .selectors import certification_list


@register_panel
def certifications_panel(request, person):
    certifications = list(certification_list().filter(person=person))
    if not certifications and person.scheme != "employee":
        return None
    return {"template": "claims/_panel.html", "certifications": certifications, "person": person}
