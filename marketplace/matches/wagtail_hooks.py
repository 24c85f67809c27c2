"""The match desk in the Wagtail admin menu (curators only)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from marketplace.organisations.permissions import is_curator

from . import admin_urls
from .choosers import demand_chooser_viewset, technology_chooser_viewset


class CuratorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_curator(request.user)


@hooks.register("register_admin_urls")
def register_match_urls():
    return [path("matches/", include(admin_urls, namespace="matches_admin"))]


@hooks.register("register_admin_menu_item")
def register_match_menu():
    menu = Menu(
        items=[
            CuratorMenuItem(
                _("待审核队列"), reverse("matches_admin:queue"), icon_name="list-ul", order=1
            ),
            CuratorMenuItem(
                _("已推荐"), reverse("matches_admin:recommended"), icon_name="success", order=2
            ),
            CuratorMenuItem(
                _("人工推荐"), reverse("matches_admin:propose"), icon_name="plus", order=3
            ),
        ]
    )
    # A submenu is shown only when one of its (curator-only) items is.
    return SubmenuMenuItem(_("对接推荐"), menu, icon_name="link", order=905)


@hooks.register("register_admin_viewset")
def register_match_choosers():
    # Searchable choosers of the manual match (curators only, eligible listings only).
    return [demand_chooser_viewset, technology_chooser_viewset]
