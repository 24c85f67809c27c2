import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail

from marketplace.organisations.models import Membership, Organisation
from tests.factories import UserFactory, credit_code

pytestmark = pytest.mark.django_db
PASSWORD = "jiebang-test-pw"
NEW_PASSWORD = "Quan-xin-mi-ma-2025"


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_signup_verify_onboard_register(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session  # not logged in before verifying
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("【揭榜】")
    confirm_url = link_in(mail.outbox[0])
    assert "揭榜 · 济南产学研对接平台" in mail.outbox[0].body
    page = client.get(confirm_url)
    assert page.status_code == 200
    response = client.post(confirm_url)
    assert response["Location"] == "/organisations/onboard/"
    response = client.post(
        "/organisations/register/",
        {
            "kind": "enterprise",
            "name": "济南启明光电有限公司",
            "credit_code": credit_code(5150),
            "district": "zone-hitech",
            "contact_name": "刘工",
            "contact_phone": "18600000000",
            "tiers-TOTAL_FORMS": "2",
            "tiers-INITIAL_FORMS": "0",
            "tiers-0-tier": "innovative_sme",
            "tiers-0-certified_on": "2024-06-01",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="济南启明光电有限公司")
    assert org.verification == "pending"
    assert org.tiers.get().tier == "innovative_sme"
    assert Membership.objects.get(organisation=org).user.email == "new@example.com"


def test_unverified_email_cannot_log_in(client):
    UserFactory(email="unverified@example.com", verified=False)
    response = login(client, "unverified@example.com")
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_sixth_failed_login_is_refused_even_with_the_right_password(client):
    user = UserFactory(email="target@example.com")
    for _ in range(5):
        response = login(client, user.email, "wrong-password")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = login(client, user.email)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()


def test_password_reset_by_email(client):
    user = UserFactory(email="forgot@example.com")
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    key_url = link_in(mail.outbox[0])
    form_url = client.get(key_url)["Location"]  # allauth moves the key into the session
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == "/accounts/password/reset/key/done/"
    assert login(client, user.email, PASSWORD).status_code == 200  # old password is gone
    assert login(client, user.email, NEW_PASSWORD).status_code == 302


def test_curator_must_enrol_totp_then_logs_in_with_it(client, curator, settings):
    settings.JIEBANG_REQUIRE_CURATOR_MFA = True
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed at a period boundary still counts
    assert login(client, curator.email)["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    response = client.get(response["Location"])  # allauth asks for the password again first
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=curator, type="totp").exists()
    assert client.get("/admin/").status_code == 200

    client.post("/accounts/logout/")
    response = login(client, curator.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # not logged in until the second factor
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_curator_without_the_requirement_reaches_admin(client, curator):
    login(client, curator.email)
    assert client.get("/admin/").status_code == 200


def test_mfa_requirement_also_guards_django_admin(client, curator, settings):
    settings.JIEBANG_REQUIRE_CURATOR_MFA = True
    client.force_login(curator)
    assert client.get("/django-admin/")["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/demands/").status_code == 200  # the public site stays reachable
