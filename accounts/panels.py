"""The account panel on the person page."""

from enrollment.panels import register_panel

from .selectors import account_for


@register_panel
def account_panel(request, person):
    account = account_for(person=person)
    return {
        "template": "accounts/_panel.html",
        "account": account,
        "entries": list(account.entries.order_by("-id")[:5]) if account else [],
        "person": person,
    }
