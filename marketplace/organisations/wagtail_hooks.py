"""Curators verify organisations in the Wagtail admin: a filtered listing plus verify / reject."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django.views.generic.edit import FormView
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from . import services
from .forms import DecisionForm
from .models import Organisation
from .permissions import is_curator
from .selectors import organisation_duplicates, tier_expiring_list, verification_waiting

NAMESPACE = "organisation_review"
Verification = Organisation.Verification


class DuplicatesColumn(Column):
    """可能重复: links to organisations sharing the organisation code or a similar name."""

    cell_template_name = "organisations/admin/duplicates_cell.html"

    def get_value(self, instance):
        return getattr(instance, "possible_duplicates", [])


class WaitingColumn(Column):
    """等待时长 / 应办结时间 of a pending organisation (blank once decided)."""

    cell_template_name = "organisations/admin/waiting_cell.html"

    def get_value(self, instance):
        return getattr(instance, "waiting", None)


class OrganisationIndexView(IndexView):
    """The curators' listing, pending first, with verify / reject in each row's menu."""

    def get_table(self, object_list):
        # One pass over all names for the whole page, not a query per row.
        objects = list(object_list)
        duplicates = organisation_duplicates(objects)
        waiting = verification_waiting(objects)
        for organisation in objects:
            organisation.possible_duplicates = duplicates.get(organisation.pk, [])
            organisation.waiting = waiting.get(organisation.pk)
        return super().get_table(objects)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if is_curator(self.request.user):
            expiring = tier_expiring_list().count()
            label = _("梯度认定到期提醒（%(n)d）") % {"n": expiring}
            buttons.append(
                HeaderButton(label, url=reverse(f"{NAMESPACE}:expiring"), icon_name="date")
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if not is_curator(self.request.user):
            return buttons
        if instance.verification != Verification.VERIFIED:
            url = reverse(f"{NAMESPACE}:verify", args=[instance.pk])
            buttons.append(MenuItem(_("认证通过"), url, icon_name="check", priority=1))
        if instance.verification != Verification.REJECTED:
            url = reverse(f"{NAMESPACE}:reject", args=[instance.pk])
            buttons.append(MenuItem(_("驳回"), url, icon_name="cross", priority=2))
        return buttons


class OrganisationInspectView(InspectView):
    """Empty values read "—" (Wagtail would print Python's None to the curator)."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value


class OrganisationDecisionView(BaseObjectMixin, WagtailAdminTemplateMixin, FormView):
    """Confirm a verify / reject decision with a note; curators and superusers only."""

    model = Organisation
    form_class = DecisionForm
    template_name = "organisations/admin/decide.html"
    header_icon = "group"
    decision = Verification.VERIFIED

    def dispatch(self, request, *args, **kwargs):
        # Server-side check: Wagtail's access_admin alone is not enough to decide.
        if not is_curator(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        if self.decision == Verification.VERIFIED:
            return _("认证单位：%(name)s") % {"name": self.object}
        return _("驳回单位：%(name)s") % {"name": self.object}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{NAMESPACE}:index"), "label": _("单位认证")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            decision=self.decision,
            history=self.object.verification_decisions.select_related("curator")[:10],
            tiers=self.object.tiers.all(),
            duplicates=organisation_duplicates([self.object]).get(self.object.pk, []),
            owners=self.object.memberships.filter(role="owner").select_related("user"),
        )
        return context

    def form_valid(self, form):
        service = (
            services.organisation_verify
            if self.decision == Verification.VERIFIED
            else services.organisation_reject
        )
        try:
            service(
                organisation=self.object, curator=self.request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return redirect(f"{NAMESPACE}:index")

    def success_message(self) -> str:
        if self.decision == Verification.VERIFIED:
            return _("已认证 %(name)s，并已通过站内通知和邮件告知其成员。") % {"name": self.object}
        return _("已驳回 %(name)s，并已通过站内通知和邮件告知其成员。") % {"name": self.object}


class ExpiringTierView(WagtailAdminTemplateMixin, TemplateView):
    """梯度认定到期提醒: enterprise tier certifications expiring within 90 days."""

    template_name = "organisations/admin/expiring.html"
    header_icon = "date"
    page_title = gettext_lazy("梯度认定到期提醒")
    within_days = 90

    def dispatch(self, request, *args, **kwargs):
        if not is_curator(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{NAMESPACE}:index"), "label": _("单位认证")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        from django.utils import timezone

        today = timezone.localdate()
        tiers = list(tier_expiring_list(within_days=self.within_days, today=today))
        for tier in tiers:
            tier.days_left = (tier.expires_on - today).days
        return super().get_context_data(tiers=tiers, within_days=self.within_days, **kwargs)


class OrganisationViewSet(ModelViewSet):
    """单位认证: curators review registrations and edit details and enterprise tiers."""

    model = Organisation
    name = NAMESPACE
    url_prefix = "organisations"
    icon = "group"
    menu_label = gettext_lazy("单位认证")
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = OrganisationIndexView
    inspect_view_class = OrganisationInspectView
    pk_path_converter = "dbid"
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "name",
        Column("kind", label=gettext_lazy("单位类型"), accessor="get_kind_display"),
        "credit_code",
        Column("district", label=gettext_lazy("所在区县"), accessor="get_district_display"),
        Column("verification", label=gettext_lazy("认证状态"), accessor="get_verification_display"),
        DuplicatesColumn("possible_duplicates", label=gettext_lazy("可能重复")),
        DateColumn("created_at", label=gettext_lazy("创建时间"), sort_key="created_at"),
        WaitingColumn("waiting", label=gettext_lazy("等待时长 / 应办结时间")),
    ]
    list_filter = ["verification", "kind", "district"]
    search_fields = ["name", "credit_code", "contact_name"]
    search_backend_name = None
    ordering = ["verification", "-created_at"]
    # Verification itself is never edited in the form: it goes through the actions above.
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("name"),
                FieldPanel("credit_code"),
                FieldPanel("district"),
                FieldPanel("address"),
                FieldPanel("website"),
                FieldPanel("description"),
            ],
            heading=gettext_lazy("单位信息"),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_phone"), FieldPanel("contact_email")],
            heading=gettext_lazy("联系人"),
        ),
        InlinePanel("tiers", heading=gettext_lazy("企业梯度认定"), label=gettext_lazy("梯度")),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "verify/<dbid:pk>/",
                OrganisationDecisionView.as_view(decision=Verification.VERIFIED),
                name="verify",
            ),
            path(
                "reject/<dbid:pk>/",
                OrganisationDecisionView.as_view(decision=Verification.REJECTED),
                name="reject",
            ),
            path("expiring/", ExpiringTierView.as_view(), name="expiring"),
        ]


@hooks.register("register_admin_viewset")
def register_organisation_viewset():
    return OrganisationViewSet()
