from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What curators may do with bidding data in the Wagtail admin.
CURATOR_PERMISSIONS = (
    "view_deal",
    "change_deal",
    "view_techcontract",
    "view_dealpayment",
    "view_accesslogentry",
    "view_bid",
)


def grant_curator_permissions(sender, **kwargs) -> None:
    """Give the curators' group its bidding permissions once they exist (idempotent)."""
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=settings.JIEBANG_CURATORS_GROUP).first()
    if group is None:
        return
    perms = Permission.objects.filter(
        content_type__app_label="bidding", codename__in=CURATOR_PERMISSIONS
    )
    group.permissions.add(*perms)


class BiddingConfig(AppConfig):
    name = "marketplace.bidding"
    label = "bidding"
    verbose_name = _("揭榜")

    def ready(self) -> None:
        # Runs after every app's migrations, so the permissions exist on a fresh database.
        post_migrate.connect(grant_curator_permissions, dispatch_uid="bidding_curator_perms")
