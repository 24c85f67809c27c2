"""Money is stored in yuan; Chinese readers expect 万元, English readers plain yuan."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def yuan(amount) -> str:
    """Format a yuan amount: 860000 → '86万元' in Chinese, '¥860,000' in English."""
    if amount in (None, ""):
        return ""
    amount = int(amount)
    if not (get_language() or "zh-hans").startswith("zh"):
        return f"¥{amount:,}"
    if amount < 10_000:
        return f"{amount}元"
    wan = (Decimal(amount) / 10_000).quantize(Decimal("0.01")).normalize()
    return f"{wan:f}万元"
