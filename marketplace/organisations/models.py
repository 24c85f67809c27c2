from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from .credit_code import normalise_credit_code, validate_credit_code
from .districts import District


class Organisation(ClusterableModel):
    """单位: an enterprise, university, institute or bureau; verified by a curator."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        UNIVERSITY = "university", _("高校")
        INSTITUTE = "institute", _("科研院所")
        BUREAU = "bureau", _("政府部门")

    class Verification(models.TextChoices):
        PENDING = "pending", _("待审核")
        VERIFIED = "verified", _("已认证")
        REJECTED = "rejected", _("未通过")

    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("单位名称"), max_length=120)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    district = models.CharField(_("所在区县"), max_length=16, choices=District.choices)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    website = models.URLField(_("网址"), blank=True)
    description = models.TextField(_("单位简介"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=32)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    verification = models.CharField(
        _("认证状态"), max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verification_note = models.TextField(_("审核意见"), blank=True)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("成员"),
        through="Membership",
        through_fields=("organisation", "user"),
        related_name="organisations",
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = normalise_credit_code(self.credit_code)

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    @property
    def is_research(self) -> bool:
        return self.kind in (self.Kind.UNIVERSITY, self.Kind.INSTITUTE)

    @property
    def is_enterprise(self) -> bool:
        return self.kind == self.Kind.ENTERPRISE

    @property
    def listing_kind(self) -> str | None:
        """Which catalogue this organisation publishes into: 'demand', 'technology' or None."""
        if self.is_enterprise:
            return "demand"
        if self.is_research:
            return "technology"
        return None


class Membership(models.Model):
    """A person's place in an organisation; join requests wait for the owner's approval."""

    class Role(models.TextChoices):
        OWNER = "owner", _("管理员")
        MEMBER = "member", _("成员")

    class Status(models.TextChoices):
        PENDING = "pending", _("待批准")
        ACTIVE = "active", _("有效")
        DECLINED = "declined", _("已拒绝")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_owner(self) -> bool:
        return self.is_active and self.role == self.Role.OWNER


class EnterpriseTier(models.Model):
    """An enterprise's certified tier (专精特新 …) with its certification and expiry dates."""

    class Tier(models.TextChoices):
        INNOVATIVE_SME = "innovative_sme", _("创新型中小企业")
        SPECIALISED = "specialised", _("专精特新中小企业")
        LITTLE_GIANT = "little_giant", _("专精特新“小巨人”企业")
        GAZELLE = "gazelle", _("瞪羚企业")
        UNICORN = "unicorn", _("独角兽企业")
        CHAMPION = "champion", _("制造业单项冠军")

    # A ParentalKey so curators edit tiers inline with the organisation in the admin.
    organisation = ParentalKey(Organisation, on_delete=models.CASCADE, related_name="tiers")
    tier = models.CharField(_("企业梯度"), max_length=32, choices=Tier.choices)
    certified_on = models.DateField(_("认定日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    certificate_number = models.CharField(_("证书编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("企业梯度认定")
        verbose_name_plural = _("企业梯度认定")
        ordering = ["-certified_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("certified_on")),
                name="tier_expiry_after_certification",
                violation_error_code="expiry_before_certification",
                violation_error_message=_("有效期至必须晚于认定日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_tier_display()}"

    def clean(self) -> None:
        # The database constraint's rule, reported on the field in words (not by its name).
        if self.certified_on and self.expires_on and self.expires_on <= self.certified_on:
            raise ValidationError(
                {
                    "expires_on": ValidationError(
                        _("有效期至必须晚于认定日期（%(date)s）。")
                        % {"date": self.certified_on.isoformat()},
                        code="expiry_before_certification",
                    )
                }
            )

    @property
    def is_current(self) -> bool:
        return self.expires_on is None or self.expires_on >= timezone.localdate()


class VerificationDecision(models.Model):
    """An audit record of a curator verifying or rejecting an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="verification_decisions"
    )
    decision = models.CharField(
        _("审核结果"), max_length=16, choices=Organisation.Verification.choices
    )
    note = models.TextField(_("审核意见"), blank=True)
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位审核记录")
        verbose_name_plural = _("单位审核记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_decision_display()}"
