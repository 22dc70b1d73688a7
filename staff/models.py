"""Bureau users are Django's ``auth.User``; roles are groups (see ``staff.roles``).

No model of our own yet: API tokens are ``rest_framework.authtoken.Token``.
"""
