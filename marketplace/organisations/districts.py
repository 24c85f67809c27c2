"""Jinan's county-level divisions (GB/T 2260 codes) and functional zones, as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    LIXIA = "370102", _("历下区")
    SHIZHONG = "370103", _("市中区")
    HUAIYIN = "370104", _("槐荫区")
    TIANQIAO = "370105", _("天桥区")
    LICHENG = "370112", _("历城区")
    CHANGQING = "370113", _("长清区")
    ZHANGQIU = "370114", _("章丘区")
    JIYANG = "370115", _("济阳区")
    LAIWU = "370116", _("莱芜区")
    GANGCHENG = "370117", _("钢城区")
    PINGYIN = "370124", _("平阴县")
    SHANGHE = "370126", _("商河县")
    HIGH_TECH = "zone-hitech", _("济南高新技术产业开发区")
    QIDONG = "zone-qidong", _("济南新旧动能转换起步区")
    SOUTHERN_MOUNTAINS = "zone-south", _("南部山区")
