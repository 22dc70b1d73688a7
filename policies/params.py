"""Reading parameters out of a policy document (pure: no database).

``require(document, "general_outpatient.annual_cap.employee", region_name=...)`` returns the value
or raises ``UnsetParameter``, whose message names the parameter and the article that leaves it
unset, so an operation that needs an unset value is refused with a reason, never given a 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from staff.errors import DomainError

from .schema import source_for

_MISSING = object()


class UnsetParameter(DomainError):
    """A needed policy parameter is unset (null) or absent in the policy in force."""

    status_code = 422

    def __init__(self, parameter: str, *, region: str = "", article: str = "", note: str = ""):
        # The article and its note joined by the language's colon (第四条：…, not 第四条: …).
        cite = _("%(article)s: %(note)s") % {"article": article, "note": note} if note else article
        super().__init__(
            _("%(region)s policy parameter %(parameter)s is unset (%(cite)s); this cannot be done.")
            % {"region": region, "parameter": parameter, "cite": cite or "—"},
            code="policy_parameter_unset",
        )
        self.parameter = parameter
        self.article = article


def lookup(document: dict, dotted: str, default: Any = _MISSING) -> Any:
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            if default is _MISSING:
                return None
            return default
        node = node[part]
    return node


def require(document: dict, dotted: str, *, region: str = "") -> Any:
    value = lookup(document, dotted)
    if value is None:
        source = source_for(document, dotted) or {}
        raise UnsetParameter(
            dotted, region=region, article=source.get("article", ""), note=source.get("note", "")
        )
    return value


def require_decimal(document: dict, dotted: str, *, region: str = "") -> Decimal:
    return Decimal(require(document, dotted, region=region))


def citation_of(source: str, region_name: str = "") -> str:
    """What an explanation line cites for a document: its 文号 (the text before the title, e.g.
    包府办发〔2022〕99号), or where the source starts with the title (documents without a 文号,
    e.g. Yuxi's 实施细则) the title 《…》 itself; the region's name only for an empty source."""
    text = (source or "").strip()
    if text.startswith("《"):
        end = text.find("》")
        return text[: end + 1] if end > 0 else text
    head = text.split("《")[0].strip()
    return head.split("（")[0].strip() or region_name
