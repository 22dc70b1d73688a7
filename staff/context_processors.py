from .roles import AUDITOR, ROLES_BY_CODE, user_roles


def roles(request):
    """The signed-in user's roles, for the layout's header."""
    user = getattr(request, "user", None)
    codes = sorted(user_roles(user)) if user is not None else []
    return {
        "user_role_codes": codes,
        "user_roles": [ROLES_BY_CODE[c] for c in codes],
        # An auditor and nothing else reads every page but submits no form (the layout
        # disables the submit buttons of POST forms; the server refuses them regardless).
        "read_only": codes == [AUDITOR],
    }
