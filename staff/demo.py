"""Demo users for ``load_demo``: one per role, passwords generated and printed once."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN

DEMO_USERS = (
    # username, full name (last, first), role, superuser
    ("admin", ("系统", "管理员"), None, True),
    ("clerk", ("王", "经办"), CLERK, False),
    ("manager", ("李", "科长"), MANAGER, False),
    ("auditor", ("赵", "稽核"), AUDITOR, False),
    ("policy_admin", ("陈", "政策"), POLICY_ADMIN, False),
    # Second users for the two-person review (经办/复核): a clerk's large reversal or a
    # certification approval is reviewed by another clerk (or the manager), a publication by
    # another policy administrator.
    ("clerk2", ("周", "复核"), CLERK, False),
    ("policy_admin2", ("孙", "复核"), POLICY_ADMIN, False),
)


@transaction.atomic
def load(stdout) -> None:
    User = get_user_model()
    created = []
    for username, (last, first), role, superuser in DEMO_USERS:
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": last,
                "first_name": first,
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        if is_new:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
            created.append((username, password, role or "superuser"))
    if created:
        stdout.write(
            "Demo users (passwords are shown this once; reset with "
            "`manage.py changepassword NAME`):"
        )
        for username, password, role in created:
            stdout.write(f"  {username:<14} {password:<14} {role}")
    else:
        stdout.write("Demo users already exist; their passwords are unchanged.")
