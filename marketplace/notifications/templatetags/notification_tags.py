from django import template

from ..selectors import notification_unread_count

register = template.Library()


@register.inclusion_tag("notifications/nav_link.html", takes_context=True)
def notification_link(context):
    """The header link to the notification centre with the unread count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": notification_unread_count(user=user), "user": user}
