"""The award notice on a listing's public page (cms templates load it; cms never imports projects)."""

from decimal import Decimal, InvalidOperation

from django import template

from ..selectors import listing_projects

register = template.Library()


@register.inclusion_tag("projects/includes/listing_notice.html")
def listing_award_notice(page):
    return {"projects": listing_projects(page)}


@register.filter
def plain_number(value) -> str:
    """A stored decimal as typed: 0.1800 → 0.18, 100.0000 → 100."""
    if value is None or value == "":
        return ""
    try:
        return format(Decimal(value).normalize(), "f")
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
