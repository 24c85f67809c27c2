"""What the search app stores in the database: index updates that gave up."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: How many page ids a list shows before "… (N in all)".
SHOWN_IDS = 10


class IndexFailure(models.Model):
    """An index update that gave up after all its attempts: these listings may be out of step.

    Recorded by :mod:`search.tasks` for curators (shown in the Wagtail admin);
    resolved by a later successful update of the same pages or by the next
    reconciliation (:func:`search.indexing.reconcile`).
    """

    class Kind(models.TextChoices):
        DEMAND = "demand", _("技术需求")
        TECHNOLOGY = "technology", _("科技成果")

    class Resolution(models.TextChoices):
        SYNCED = "synced", _("后续同步已修复")
        RECONCILED = "reconciled", _("索引核对已修复")

    kind = models.CharField(_("项目类型"), max_length=16, choices=Kind.choices)
    page_ids = models.JSONField(_("页面编号"), default=list)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"))
    task_name = models.CharField(_("任务"), max_length=64)
    error = models.TextField(_("最后一次错误"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("修复时间"), null=True, blank=True)
    resolution = models.CharField(
        _("修复方式"), max_length=16, choices=Resolution.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "resolved_at"], name="search_failure_open_idx")]
        verbose_name = _("索引同步失败")
        verbose_name_plural = _("索引同步失败")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ids_display()}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def ids_display(self) -> str:
        """Return the page ids, the first few only when there are many."""
        shown = ", ".join(str(i) for i in self.page_ids[:SHOWN_IDS])
        if len(self.page_ids) <= SHOWN_IDS:
            return shown
        return _("%(ids)s 等 %(count)s 个") % {"ids": shown, "count": len(self.page_ids)}

    ids_display.short_description = _("页面编号")  # type: ignore[attr-defined]

    def status_display(self) -> str:
        """Return 已修复 (and how) or 未修复."""
        if not self.is_resolved:
            return str(_("未修复"))
        return str(self.get_resolution_display() or _("已修复"))

    status_display.short_description = _("状态")  # type: ignore[attr-defined]
