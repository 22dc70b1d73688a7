"""Listeners: a newly registered (or re-classified) person gets the account the policy gives."""

from django.dispatch import receiver

from enrollment.signals import person_saved

from .services import account_open


@receiver(person_saved)
def open_account_for_person(sender, person, created, changed, actor=None, **kwargs):
    if created or changed & {"scheme", "employment", "category", "region"}:
        account_open(person=person)
