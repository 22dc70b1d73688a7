"""Family sharing on the person page: whom they share with, who shares with them."""

from enrollment.panels import register_panel

from .selectors import authorisations_of


@register_panel
def sharing_panel(request, person):
    granted, received = authorisations_of(person=person)
    if not granted and not received and person.scheme != "employee":
        return None
    return {
        "template": "family_sharing/_panel.html",
        "granted": granted,
        "received": received,
        "person": person,
    }
