"""Curators see index updates that gave up (索引同步失败) in the Wagtail admin, read-only."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic import InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from marketplace.organisations.permissions import is_curator
from search.models import IndexFailure


class CuratorsMayView(BasePermissionPolicy):
    """Curators may view give-ups; nobody adds, changes or deletes them in the admin."""

    def user_has_permission(self, user, action):
        return action == "view" and is_curator(user)

    def users_with_any_permission(self, actions):
        from django.conf import settings

        if "view" not in actions:
            return get_user_model().objects.none()
        curators = Q(is_superuser=True) | Q(groups__name=settings.JIEBANG_CURATORS_GROUP)
        return get_user_model().objects.filter(curators, is_active=True).distinct()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def instances_user_has_any_permission_for(self, user, actions):
        if "view" in actions and is_curator(user):
            return IndexFailure.objects.all()
        return IndexFailure.objects.none()


register_permission_policy(IndexFailure, CuratorsMayView(IndexFailure))


class IndexFailureFilterSet(WagtailFilterSet):
    resolved = django_filters.BooleanFilter(label=gettext_lazy("已修复"), method="filter_resolved")

    class Meta:
        model = IndexFailure
        fields = ["kind", "resolution"]

    def filter_resolved(self, queryset, name, value):
        return queryset.filter(resolved_at__isnull=not value)


class IndexFailureInspectView(InspectView):
    def get_page_ids_display_value(self):
        """Each listing as a link to its edit page, with its title (gone ones say so)."""
        from wagtail.models import Page

        ids = self.object.page_ids
        titles = dict(Page.objects.filter(pk__in=ids).values_list("pk", "title"))
        items = []
        for page_id in ids:
            if page_id in titles:
                url = reverse("wagtailadmin_pages:edit", args=(page_id,))
                items.append(
                    format_html('<a href="{}">{} (#{})</a>', url, titles[page_id], page_id)
                )
            else:
                items.append(format_html("#{} ({})", page_id, _("已删除")))
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items))
        )


class IndexFailureViewSet(ModelViewSet):
    model = IndexFailure
    icon = "warning"
    menu_label = gettext_lazy("索引同步失败")
    menu_order = 920
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_view_class = IndexFailureInspectView
    pk_path_converter = "dbid"  # marketplace/converters.py: 10**30 is a 404, not a 500
    copy_view_enabled = False
    form_fields: list[str] = []  # no form view is routed; Wagtail still asks for the list
    list_display = ["created_at", "kind", "ids_display", "attempts", "status_display"]
    filterset_class = IndexFailureFilterSet
    inspect_view_fields = [
        "created_at",
        "kind",
        "page_ids",
        "attempts",
        "task_name",
        "error",
        "resolved_at",
        "resolution",
    ]

    def get_urlpatterns(self):
        # Listing and inspecting only: no add, edit, delete, copy or history URLs exist.
        allowed = {"index", "index_results", "inspect"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in allowed]


@hooks.register("register_admin_viewset")
def register_index_failures():
    return IndexFailureViewSet("index_failures")
