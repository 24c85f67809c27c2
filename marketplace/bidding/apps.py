from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "marketplace.bidding"
    label = "bidding"
    verbose_name = _("揭榜")
