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


def navigation(request):
    """The side menu and the breadcrumb trail's middle step (``staff.navigation.side_menu``)."""
    from .navigation import side_menu

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"side_menu": None}
    # Lazy: computed only by a template that shows it (the layout), not by every partial.
    from django.utils.functional import SimpleLazyObject

    path = request.path
    return {"side_menu": SimpleLazyObject(lambda: side_menu(user, path))}
