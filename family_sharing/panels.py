"""Family sharing on the person page: whom they share with, who shares with them."""

from enrollment.panels import register_panel
from staff.roles import AUDITOR, CLERK, user_has_role

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
        # Granting, revoking and paying a premium are a clerk's acts; auditors open the forms
        # read-only. Anyone else (a manager) would only meet a 403 behind these links.
        "can_act": user_has_role(request.user, CLERK, AUDITOR),
    }
