"""统一社会信用代码 (GB 32100-2015): normalise what people type, then check the check digit."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength


def normalise_credit_code(value: str) -> str:
    """Full-width → half-width, drop spaces and dashes, upper-case."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in value if not ch.isspace() and ch != "-").upper()


def validate_credit_code(value: str) -> str:
    """Return the normalised code or raise a translated ValidationError naming the problem."""
    code = normalise_credit_code(value)
    try:
        return uscc.validate(code)
    except InvalidLength:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"), code="length", params={"n": len(code)}
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对后重新输入。"), code="checksum"
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）。"), code="format"
        ) from None
