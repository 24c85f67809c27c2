"""The language switcher names each language in its own language (issue 12, point 8)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def options(body: str) -> list[str]:
    select = re.search(r'<select name="language".*?</select>', body, re.S).group(0)
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_switcher_shows_each_language_in_its_own_name(client, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get("/accounts/login/").content.decode()
    assert options(body) == ["简体中文", "English"]
    assert "英语" not in body


def test_switcher_marks_the_current_language(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/accounts/login/").content.decode()
    assert re.search(r'<option value="en" lang="en" selected>English</option>', body)
