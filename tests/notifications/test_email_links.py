"""Issue 12.7: every e-mailed link starts at the configured site root, and every e-mail
says what happened in words (read from django.core.mail.outbox)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from marketplace.bidding.services import bid_submit, bid_withdraw
from tests.bidding.conftest import full_input
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = "https://jiebang.example.cn:8443"
LINK = re.compile(r"https?://[^\s/]+")


@pytest.fixture
def site_root(settings):
    # As the settings module sets them: both from JIEBANG_SITE_URL.
    settings.JIEBANG_SITE_URL = settings.WAGTAILADMIN_BASE_URL = ROOT


def _mails_to(user):
    return [m for m in mail.outbox if user.email in m.to]


def _hosts(message) -> set[str]:
    return set(LINK.findall(message.body))


def test_bid_mail_links_to_the_site_root_and_says_what_happened(
    site_root, demand, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bid_submit(user=research_member, listing=demand, data=full_input(demand))
    (received,) = _mails_to(enterprise_member)
    assert _hosts(received) == {ROOT}
    assert f"{ROOT}/bids/received/demand/{demand.pk}/" in received.body
    assert received.subject in received.body and demand.title in received.body


def test_mail_without_a_body_still_says_what_happened(
    site_root, demand, research_member, enterprise_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bid = bid_submit(user=research_member, listing=demand, data=full_input(demand))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bid_withdraw(user=research_member, bid=bid)
    (withdrawn,) = _mails_to(enterprise_member)
    lines = [line for line in withdrawn.body.splitlines() if line.strip()]
    assert withdrawn.subject in lines  # the event in words, not only a link
    assert any(line.startswith("查看详情：" + ROOT) for line in lines)
    assert f"{ROOT}/notifications/" in withdrawn.body


def test_signup_confirmation_links_to_the_site_root_not_the_request_host(site_root, client):
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "Quan-xin-2025", "password2": "Quan-xin-2025"},
    )
    (confirm,) = mail.outbox
    assert _hosts(confirm) == {ROOT}, confirm.body
    assert "testserver" not in confirm.body


def test_password_reset_links_to_the_site_root(site_root, client):
    user = UserFactory(email="forgot@example.com")
    client.post("/accounts/password/reset/", {"email": user.email})
    (reset,) = mail.outbox
    assert _hosts(reset) == {ROOT} and "/accounts/password/reset/key/" in reset.body


def _production_setting(**env) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIEBANG_"))}
    environ.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="jiebang.example.cn,www.jiebang.example.cn",
        **env,
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.JIEBANG_SITE_URL, settings.WAGTAILADMIN_BASE_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_never_falls_back_to_the_development_address():
    assert _production_setting() == "https://jiebang.example.cn https://jiebang.example.cn"
    configured = _production_setting(JIEBANG_SITE_URL="https://jb.example.cn/")
    assert configured == "https://jb.example.cn https://jb.example.cn"
