"""The one maturity vocabulary: a technology's stage and the stage a demand asks for.

Declared least to most mature; matching compares two stages by this order (a
technology meets a demand when its stage is at least the one asked for). Free of
models so the search engine's child process can import it without Django's apps.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    LAB = "lab", _("实验室")
    SMALL_PILOT = "small_pilot", _("小试")
    PILOT = "pilot", _("中试")
    MATURE = "mature", _("成熟应用")


#: Stage code → its rank (0 = least mature).
STAGE_RANK: dict[str, int] = {code: rank for rank, code in enumerate(Stage.values)}
