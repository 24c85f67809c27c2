"""Saved searches and "new matches for my listing" subscriptions, and what they delivered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    """A member's standing question: a saved catalogue query, or new matches of one listing."""

    class Kind(models.TextChoices):
        DEMAND = "demand", _("技术需求")
        TECHNOLOGY = "technology", _("科技成果")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("站内通知 + 每日邮件摘要")
        SITE = "site", _("仅站内通知")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    name = models.CharField(_("名称"), max_length=100)
    #: The catalogue whose new listings are delivered (for a listing's matches: the other kind).
    kind = models.CharField(_("目录"), max_length=16, choices=Kind.choices)
    #: The normalised query string of the catalogue page (q and its filters; no page, no sort).
    query = models.CharField(_("搜索条件"), max_length=1000, blank=True)
    #: Set for "new matches for my listing": the member's own listing.
    listing = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("我的项目"),
    )
    frequency = models.CharField(
        _("提醒方式"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    #: When the daily run last looked (None: never); listings published since are new.
    last_run_at = models.DateTimeField(_("上次检查"), null=True, blank=True)

    class Meta:
        verbose_name = _("订阅提醒")
        verbose_name_plural = _("订阅提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "listing"],
                condition=models.Q(listing__isnull=False),
                name="alert_one_match_subscription_per_listing",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_match_subscription(self) -> bool:
        """Return whether this alert follows a listing's new matches (not a saved search)."""
        return self.listing_id is not None


class AlertHit(models.Model):
    """A listing an alert delivered to its member: never delivered twice by the same alert."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="hits")
    listing = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    percent = models.PositiveSmallIntegerField(_("匹配度"), null=True, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    #: When the listing went out in an e-mail digest (None: not yet, or in-site only).
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒结果")
        verbose_name_plural = _("提醒结果")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["alert", "listing"], name="alert_hit_once")]

    def __str__(self) -> str:
        return f"{self.alert} → {self.listing_id}"


class AlertDigest(models.Model):
    """The one e-mail digest a member received on a day (Beijing time)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    listing_count = models.PositiveIntegerField(_("项目数"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("邮件摘要")
        verbose_name_plural = _("邮件摘要")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="alert_digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
