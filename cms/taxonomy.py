"""Taxonomies shared by both catalogues; curators edit them as Wagtail snippets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class Taxonomy(index.Indexed, models.Model):
    name = models.CharField(_("名称"), max_length=60, unique=True)
    slug = models.SlugField(_("代码"), max_length=60, unique=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: the Chinese name is the catalogue's msgid.

        The values created by ``cms.setup`` are marked for translation there, so the English
        catalogue names them; a value a curator adds later shows as typed until the
        catalogue has it. Templates show the object (``{{ page.industry_chain }}``), not
        ``.name``."""
        return gettext(self.name) if self.name else ""


class IndustryChain(Taxonomy):
    """产业链: Jinan's key industry chains."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")


class TechnologyField(Taxonomy):
    """技术领域: the fields of 国家重点支持的高新技术领域."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("技术领域")
        verbose_name_plural = _("技术领域")


class CooperationMode(Taxonomy):
    """合作方式: 技术开发（委托/合作）, 技术转让, 技术许可, 作价投资, 技术服务, 技术咨询."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("合作方式")
        verbose_name_plural = _("合作方式")
