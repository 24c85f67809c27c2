import pytest
from django.utils import translation

from cms.templatetags.money import yuan


@pytest.mark.parametrize(
    ("amount", "chinese", "english"),
    [
        (860_000, "86万元", "¥860,000"),
        (1_000_000, "100万元", "¥1,000,000"),
        (12_345_678, "1234.57万元", "¥12,345,678"),
        (8_000, "8000元", "¥8,000"),
        (None, "", ""),
    ],
)
def test_amounts_read_naturally_in_each_language(amount, chinese, english):
    with translation.override("zh-hans"):
        assert yuan(amount) == chinese
    with translation.override("en"):
        assert yuan(amount) == english
