"""Signals other apps listen to (``accounts`` opens a personal account for a new person).

Sent inside the service's transaction, so a listener's writes commit or roll back with it.
"""

from django.dispatch import Signal

# sender=Person, person=<Person>, created=<bool>, changed=<set of field names>, actor=<User|None>
person_saved = Signal()
