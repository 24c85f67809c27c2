"""攻关项目: the work an award starts, its public notice, milestones and acceptance (验收).

One project per awarded bid. Its own lifecycle (``state``) belongs to this app; the
listing's status moves only through ``cms.lifecycle.move`` (start, complete). Contract
registration and payments (issue 10, steps 5–6) will hang off :class:`Project` by
foreign key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cms.lifecycle import ListingKind
from cms.models import DemandIndicator, DemandPage, TechnologyPage
from marketplace.bidding.models import Bid
from marketplace.organisations.models import Organisation


class ProjectState(models.TextChoices):
    NOTICE = "notice", _("公示中")
    IN_PROGRESS = "in_progress", _("攻关中")
    ACCEPTANCE = "acceptance", _("验收中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class Project(models.Model):
    """攻关项目: one awarded bid's work, from the public notice to acceptance."""

    kind = models.CharField(_("项目类型"), max_length=16, choices=ListingKind.choices)
    demand = models.ForeignKey(
        DemandPage,
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    technology = models.ForeignKey(
        TechnologyPage,
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    bid = models.OneToOneField(
        Bid, verbose_name=_("中榜方案"), on_delete=models.PROTECT, related_name="project"
    )
    title = models.CharField(_("项目名称"), max_length=255)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("发榜单位"),
        on_delete=models.PROTECT,
        related_name="owned_projects",
    )
    lead = models.ForeignKey(
        Organisation,
        verbose_name=_("揭榜单位"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    consortium = models.ManyToManyField(
        Organisation, verbose_name=_("联合体成员"), blank=True, related_name="consortium_projects"
    )
    amount = models.PositiveBigIntegerField(
        _("金额（元）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    awarded_on = models.DateField(_("定榜日期"))
    notice_ends_on = models.DateField(_("公示截止日期"))
    planned_end = models.DateField(_("计划完成日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ProjectState.choices,
        default=ProjectState.NOTICE,
        db_index=True,
    )
    started_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_reason = models.TextField(_("撤销原因"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("攻关项目")
        verbose_name_plural = _("攻关项目")
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="demand", demand__isnull=False, technology__isnull=True)
                    | Q(kind="technology", technology__isnull=False, demand__isnull=True)
                ),
                name="project_targets_one_listing",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def listing(self):
        return self.demand if self.kind == ListingKind.DEMAND else self.technology


class MilestoneState(models.TextChoices):
    PENDING = "pending", _("进行中")
    REPORTED = "reported", _("待确认")
    ACCEPTED = "accepted", _("已确认")
    RETURNED = "returned", _("已退回")


class ProjectMilestone(models.Model):
    """A dated deliverable copied from the winning bid; the winner reports, the owner accepts."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    due_date = models.DateField(_("完成日期"))
    deliverable = models.CharField(_("阶段成果"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=16, choices=MilestoneState.choices, default=MilestoneState.PENDING
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目里程碑")
        verbose_name_plural = _("项目里程碑")
        ordering = ["position", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.due_date} {self.deliverable}"


def report_upload_to(instance, filename: str) -> str:
    # Private storage with a random name: only the permission-checked view serves it.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/projects/{instance.milestone.project_id}/{uuid.uuid4().hex}.{ext}"


class MilestoneReport(models.Model):
    """One progress report of the winner on a milestone (kept, even when returned)."""

    milestone = models.ForeignKey(
        ProjectMilestone, on_delete=models.CASCADE, related_name="reports"
    )
    text = models.TextField(_("进展说明"), max_length=4000)
    file = models.FileField(_("附件"), upload_to=report_upload_to, max_length=255, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("报告时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class ReportIndicatorValue(models.Model):
    """An indicator value reached, as reported with a milestone."""

    report = models.ForeignKey(MilestoneReport, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(
        DemandIndicator, verbose_name=_("核心技术指标"), on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(
        _("达到值"), max_digits=16, decimal_places=4, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value}"


class ObjectionState(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    """An objection to a published award, filed during its notice period; a curator resolves it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="objections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("异议理由"), max_length=4000)
    state = models.CharField(
        _("状态"), max_length=16, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    resolution = models.TextField(_("处理意见"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.reason[:40]


class AcceptanceState(models.TextChoices):
    PENDING = "pending", _("待签字")
    OWNER_SIGNED = "owner_signed", _("需求方已签字")
    ACCEPTED = "accepted", _("验收通过")
    RETURNED = "returned", _("已退回")


class Acceptance(models.Model):
    """验收: one request by the owner, signed off by the owner and a curator, or returned."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="acceptances")
    summary = models.TextField(_("验收说明"), max_length=4000)
    state = models.CharField(
        _("状态"), max_length=16, choices=AcceptanceState.choices, default=AcceptanceState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    owner_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_signed_at = models.DateTimeField(_("需求方签字时间"), null=True, blank=True)
    curator_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    curator_signed_at = models.DateTimeField(_("管理部门签字时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验收")
        verbose_name_plural = _("验收")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_state_display()}"


class AcceptanceIndicator(models.Model):
    """One quantified indicator of the demand: target, measured value, test method, met or not."""

    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey(
        DemandIndicator, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshots: the record of what was accepted outlives later edits of the demand.
    name = models.CharField(_("指标名称"), max_length=100)
    target_value = models.CharField(_("目标值"), max_length=60)
    unit = models.CharField(pgettext_lazy("unit of measure", "单位"), max_length=30, blank=True)
    measured_value = models.DecimalField(
        _("实测值"), max_digits=16, decimal_places=4, validators=[MinValueValidator(0)]
    )
    test_method = models.CharField(_("检测方法"), max_length=200)
    met = models.BooleanField(_("是否达标"))

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.measured_value}"
