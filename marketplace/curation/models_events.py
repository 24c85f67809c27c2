"""Records of the curators' 需求诊断 (structured send-back feedback) and 供需对接会 (matchmaking events)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.models import DemandPage, IndustryChain, TechnologyPage
from marketplace.organisations.models import Organisation


class Diagnosis(models.Model):
    """需求诊断: a curator's structured feedback sending a listing in review back to its owner."""

    # The base page, so one table serves both catalogues.
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("项目"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("诊断人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The rejected review task: the feedback applies until the member resubmits (a new task).
    task_state = models.ForeignKey(
        "wagtailcore.TaskState",
        verbose_name=_("审核任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(_("诊断时完整度"), default=0)
    # [{"kind": "vague" | "indicator", "field": str, "label": str, "comment": str}, ...]
    items = models.JSONField(_("诊断条目"), default=list, blank=True)
    comment = models.TextField(_("总体意见"))
    created_at = models.DateTimeField(_("诊断时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("需求诊断")
        verbose_name_plural = _("需求诊断")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.page_id} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def vague_items(self) -> list[dict]:
        return [item for item in self.items if item.get("kind") == "vague"]

    @property
    def indicator_items(self) -> list[dict]:
        return [item for item in self.items if item.get("kind") == "indicator"]


class MatchmakingEvent(models.Model):
    """供需对接会: a curator-run meeting of chosen demands and technologies."""

    class State(models.TextChoices):
        PLANNED = "planned", _("筹备中")
        HELD = "held", _("已举办")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("名称"), max_length=120)
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    description = models.TextField(_("简介"), blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.PLANNED, db_index=True
    )
    # The chain the event was planned around (its gap suggestions); optional.
    industry_chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    demands = models.ManyToManyField(
        DemandPage, verbose_name=_("技术需求"), blank=True, related_name="+"
    )
    technologies = models.ManyToManyField(
        TechnologyPage, verbose_name=_("科技成果"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("供需对接会")
        verbose_name_plural = _("供需对接会")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.date:%Y-%m-%d}）"


class EventInvitation(models.Model):
    """An organisation's invitation to an event and its answer."""

    class Status(models.TextChoices):
        INVITED = "invited", _("已邀请")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")

    event = models.ForeignKey(
        MatchmakingEvent, on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.INVITED
    )
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("对接会邀请")
        verbose_name_plural = _("对接会邀请")
        ordering = ["event", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"], name="unique_event_invitation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.organisation}"


class EventMeeting(models.Model):
    """A demand–technology pair that met at an event, and what followed."""

    class FollowUp(models.TextChoices):
        NONE = "none", _("无后续")
        TALKS = "talks", _("进一步洽谈")
        BID = "bid", _("揭榜")
        DEAL = "deal", _("成交")

    event = models.ForeignKey(MatchmakingEvent, on_delete=models.CASCADE, related_name="meetings")
    demand = models.ForeignKey(
        DemandPage, verbose_name=_("技术需求"), on_delete=models.CASCADE, related_name="+"
    )
    technology = models.ForeignKey(
        TechnologyPage, verbose_name=_("科技成果"), on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.TextField(_("对接情况"), blank=True)
    follow_up = models.CharField(
        _("后续"), max_length=16, choices=FollowUp.choices, default=FollowUp.NONE
    )
    # A follow-up (anything but 无后续) has a curator who owns it and a due date; the daily
    # send_overdue_reminders reminds the owner once per due date from that day on.
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("后续负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_due = models.DateField(_("后续截止日期"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("后续完成时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        verbose_name = _("对接记录")
        verbose_name_plural = _("对接记录")
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "demand", "technology"], name="unique_event_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand} × {self.technology}"

    def clean(self) -> None:
        if self.follow_up == self.FollowUp.NONE:
            return
        errors = {}
        if self.follow_up_owner_id is None:
            errors["follow_up_owner"] = _("有后续事项时，请指定一位负责跟进的审核人员。")
        if self.follow_up_due is None:
            errors["follow_up_due"] = _("有后续事项时，请填写跟进截止日期。")
        if errors:
            raise ValidationError(errors)

    @property
    def has_open_follow_up(self) -> bool:
        return self.follow_up != self.FollowUp.NONE and self.follow_up_done_at is None
