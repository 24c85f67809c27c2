from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .taxonomy import CooperationMode, IndustryChain, TechnologyField


class IndustryChainViewSet(SnippetViewSet):
    model = IndustryChain
    icon = "list-ul"
    list_display = ["name", "slug", "sort_order"]


class TechnologyFieldViewSet(SnippetViewSet):
    model = TechnologyField
    icon = "list-ul"
    list_display = ["name", "slug", "sort_order"]


class CooperationModeViewSet(SnippetViewSet):
    model = CooperationMode
    icon = "list-ul"
    list_display = ["name", "slug", "sort_order"]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = "分类体系"
    menu_icon = "folder-open-inverse"
    menu_order = 300
    items = (IndustryChainViewSet, TechnologyFieldViewSet, CooperationModeViewSet)


register_snippet(TaxonomyGroup)
