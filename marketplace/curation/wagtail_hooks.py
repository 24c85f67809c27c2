"""Curation desk in the Wagtail admin: catalogue import/export and the read-only audit log."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from marketplace.audit.actions import action_choices, object_type_label
from marketplace.audit.models import AuditEntry
from marketplace.organisations.permissions import is_curator

from . import admin_urls


class ViewOnlyForCurators(BasePermissionPolicy):
    """Curators may view audit entries; nobody may add, change or delete them in any UI."""

    def user_has_permission(self, user, action):
        return action == "view" and is_curator(user)

    def users_with_any_permission(self, actions):
        from django.conf import settings

        if "view" not in actions:
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True) | Q(groups__name=settings.JIEBANG_CURATORS_GROUP),
                is_active=True,
            )
            .distinct()
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def instances_user_has_any_permission_for(self, user, actions):
        if "view" in actions and is_curator(user):
            return AuditEntry.objects.all()
        return AuditEntry.objects.none()


register_permission_policy(AuditEntry, ViewOnlyForCurators(AuditEntry))


def _logged_actions() -> list[tuple[str, str]]:
    codes = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    return action_choices(codes)


def _logged_object_types() -> list[tuple[str, str]]:
    types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, object_type_label(t)) for t in types if t), key=lambda c: c[1])


class AuditEntryFilterSet(WagtailFilterSet):
    """Filters by action and object type, offered in words (codes stay in the URL)."""

    action = django_filters.ChoiceFilter(label=_("操作"), choices=_logged_actions)
    object_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=_logged_object_types)

    class Meta:
        model = AuditEntry
        fields = ["action", "object_type"]


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("审计日志")
    menu_order = 910
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields: list[str] = []  # no form view is routed; Wagtail still asks for the list
    list_display = [
        "created_at",
        "actor_label",
        Column("action", label=_("操作"), accessor="get_action_display"),
        "object_label",
        "note",
    ]
    filterset_class = AuditEntryFilterSet
    inspect_view_fields = [
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "note",
        "details",
    ]

    def get_urlpatterns(self):
        # Listing and inspecting only: no add, edit, delete, copy, reorder or history URLs exist.
        allowed = {"index", "index_results", "inspect"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in allowed]


@hooks.register("register_admin_viewset")
def register_audit_log():
    return AuditEntryViewSet("audit_log")


@hooks.register("register_admin_urls")
def register_curation_urls():
    return [path("curation/", include(admin_urls, namespace="curation"))]


class CuratorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_curator(request.user)


@hooks.register("register_admin_menu_item")
def register_catalogue_menu_item():
    return CuratorMenuItem(
        _("目录导入导出"), reverse("curation:catalogue"), icon_name="table", order=900
    )


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return CuratorMenuItem(
        _("市场看板"), reverse("curation:dashboard"), icon_name="table", order=890
    )


@hooks.register("construct_homepage_panels")
def add_curator_todo(request, panels):
    """The curator's to-do on the admin home page (curators only)."""
    if is_curator(request.user):
        from .todo_panel import CuratorTodoPanel

        panels.append(CuratorTodoPanel())


from . import event_hooks  # noqa
