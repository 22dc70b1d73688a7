from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    """A user's name in Chinese order (姓 then 名, no space), or the username."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


class CaptureNode(template.Node):
    """Renders its content once and keeps it in a context variable too (the layout shows the
    page's title block in ``<title>`` and again as the breadcrumb trail's last step)."""

    def __init__(self, nodelist, name: str):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        from django.utils.safestring import mark_safe

        output = self.nodelist.render(context)
        # The output of rendered template nodes: already escaped by the template engine.
        context[self.name] = mark_safe(output.strip())  # noqa: S308
        return output


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: output the content and keep it as ``name``."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
