"""Curators read projects in the Wagtail admin (decisions are made on the project page)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Project


class ProjectViewSet(ModelViewSet):
    model = Project
    icon = "tasks"
    menu_label = _("攻关项目")
    add_to_admin_menu = True
    menu_order = 310
    pk_path_converter = "dbid"
    list_display = ["title", "lead", "owner", "state", "awarded_on", "notice_ends_on", "amount"]
    list_filter = ["state", "kind"]
    search_fields = ["title"]
    inspect_view_enabled = True
    copy_view_enabled = False
    inspect_view_fields = [
        "title",
        "kind",
        "owner",
        "lead",
        "amount",
        "awarded_on",
        "notice_ends_on",
        "planned_end",
        "state",
        "started_at",
        "completed_at",
        "cancelled_reason",
    ]
    # Read only: no add or edit; every change goes through the services.
    form_fields = ["title"]

    def get_urlpatterns(self):
        return [
            p for p in super().get_urlpatterns() if p.name in ("index", "index_results", "inspect")
        ]


@hooks.register("register_admin_viewset")
def register_project_viewset():
    return ProjectViewSet("project_admin")
