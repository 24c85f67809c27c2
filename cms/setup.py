"""Idempotent site structure: home and catalogue pages, taxonomies, curators and their workflow.

Runs after every migrate (and after test database flushes), so a fresh database is
usable at once and running it twice changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_noop

INDUSTRY_CHAINS = [
    ("big-data-it", gettext_noop("大数据与新一代信息技术")),
    ("intelligent-manufacturing", gettext_noop("智能制造与高端装备")),
    ("biomedicine", gettext_noop("生物医药与大健康")),
    ("steel-advanced-materials", gettext_noop("精品钢与先进材料")),
    ("quantum", gettext_noop("量子信息")),
    ("aerospace-info", gettext_noop("空天信息")),
    ("integrated-circuits", gettext_noop("集成电路")),
    ("new-energy-vehicles", gettext_noop("新能源汽车")),
    ("third-gen-semiconductors", gettext_noop("第三代半导体")),
    ("artificial-intelligence", gettext_noop("人工智能")),
    ("high-end-chemicals", gettext_noop("高端化工")),
    ("green-building-materials", gettext_noop("绿色建材")),
    ("food-processing", gettext_noop("食品加工与预制菜")),
    ("modern-agriculture", gettext_noop("现代农业与种业")),
    ("energy-internet", gettext_noop("能源互联网与新能源")),
]

# 国家重点支持的高新技术领域 (the eight fields used in high-tech enterprise certification).
TECHNOLOGY_FIELDS = [
    ("electronic-information", gettext_noop("电子信息")),
    ("biomedicine", gettext_noop("生物与新医药")),
    ("aerospace", gettext_noop("航空航天")),
    ("new-materials", gettext_noop("新材料")),
    ("high-tech-services", gettext_noop("高技术服务")),
    ("energy-saving", gettext_noop("新能源与节能")),
    ("resources-environment", gettext_noop("资源与环境")),
    ("advanced-manufacturing", gettext_noop("先进制造与自动化")),
]

COOPERATION_MODES = [
    ("development-commissioned", gettext_noop("技术开发（委托）")),
    ("development-joint", gettext_noop("技术开发（合作）")),
    ("transfer", gettext_noop("技术转让")),
    ("licence", gettext_noop("技术许可")),
    ("equity", gettext_noop("作价投资")),
    ("service", gettext_noop("技术服务")),
    ("consulting", gettext_noop("技术咨询")),
]

CURATOR_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("organisations", "view_organisation"),
    ("organisations", "change_organisation"),
    ("organisations", "view_membership"),
    ("organisations", "change_membership"),
    ("organisations", "view_enterprisetier"),
    ("organisations", "add_enterprisetier"),
    ("organisations", "change_enterprisetier"),
    ("organisations", "delete_enterprisetier"),
    ("cms", "add_industrychain"),
    ("cms", "change_industrychain"),
    ("cms", "view_industrychain"),
    ("cms", "add_technologyfield"),
    ("cms", "change_technologyfield"),
    ("cms", "view_technologyfield"),
    ("cms", "add_cooperationmode"),
    ("cms", "change_cooperationmode"),
    ("cms", "view_cooperationmode"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def ensure_taxonomies() -> None:
    from .taxonomy import CooperationMode, IndustryChain, TechnologyField

    for model, rows in (
        (IndustryChain, INDUSTRY_CHAINS),
        (TechnologyField, TECHNOLOGY_FIELDS),
        (CooperationMode, COOPERATION_MODES),
    ):
        for order, (slug, name) in enumerate(rows):
            model.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


def ensure_tree_roots():
    """Wagtail's own data migrations make these; a flushed test database has none."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
    return root


def ensure_pages():
    from wagtail.models import Page, Site

    from .models import DemandIndexPage, HomePage, TechnologyIndexPage

    home = HomePage.objects.first()
    if home is None:
        root = ensure_tree_roots()
        # Wagtail's initial migration leaves a plain "Welcome" page; replace it.
        for child in root.get_children():
            if child.specific_class is Page and child.slug == "home":
                child.delete()
        root.refresh_from_db()
        home = root.add_child(
            instance=HomePage(
                title="揭榜 · 济南产学研对接平台",
                slug="home",
                intro="<p>企业出题、院校解题、政府助题。</p>",
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = settings.WAGTAIL_SITE_NAME
        site.save()
    indexes = {}
    for model, slug, title in (
        (DemandIndexPage, "demands", "技术需求目录"),
        (TechnologyIndexPage, "technologies", "科技成果目录"),
    ):
        page = model.objects.first()
        if page is None:
            home.refresh_from_db()
            page = home.add_child(instance=model(title=title, slug=slug))
        indexes[model] = page
    return home, indexes


def ensure_curators_and_workflow(indexes) -> Group:
    from wagtail.models import (
        GroupApprovalTask,
        GroupPagePermission,
        Page,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    group, _ = Group.objects.get_or_create(name=settings.JIEBANG_CURATORS_GROUP)
    for app_label, codename in CURATOR_PERMISSIONS:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm:
            group.permissions.add(perm)
    home = Page.objects.filter(depth=2).first()
    for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
        perm = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=home, permission=perm)
    workflow, _ = Workflow.objects.get_or_create(name="揭榜目录审核")
    task = GroupApprovalTask.objects.filter(name="平台审核").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="平台审核")
        task.groups.set([group])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for index in indexes.values():
        WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": workflow})
    return group


@transaction.atomic
def ensure_site_structure() -> None:
    ensure_taxonomies()
    _, indexes = ensure_pages()
    ensure_curators_and_workflow(indexes)
