"""Shows a curator's 需求诊断 next to the listing in the member workspace (curation → workspace)."""

from __future__ import annotations

from django import template

from ..diagnosis import diagnosis_current

register = template.Library()


@register.inclusion_tag("curation/diagnosis/feedback.html")
def diagnosis_feedback(row):
    """The structured feedback behind a pending change request, if a curator left one."""
    # Only rows already known to need changes cost a query (the dashboard prefetches states).
    review = getattr(row, "review", None)
    if review is not None and not review.needs_changes:
        return {"diagnosis": None}
    return {"diagnosis": diagnosis_current(row.page)}
