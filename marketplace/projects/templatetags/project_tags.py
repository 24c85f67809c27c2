"""The award notice on a listing's public page (cms templates load it; cms never imports projects)."""

from django import template

from ..selectors import listing_projects

register = template.Library()


@register.inclusion_tag("projects/includes/listing_notice.html")
def listing_award_notice(page):
    return {"projects": listing_projects(page)}
