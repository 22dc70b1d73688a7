from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    """A user's name in Chinese order (姓 then 名, no space), or the username."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()
