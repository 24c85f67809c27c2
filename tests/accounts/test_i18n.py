import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/confirm-email/",
    ],
)
def test_allauth_pages_use_the_site_layout_in_chinese(client, url):
    body = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in body
    assert 'class="site-header"' in body and "jiebang.css" in body
    assert 'class="btn' in body or url == "/accounts/confirm-email/"


def test_login_page_chinese_by_default_and_english_by_cookie(client, settings):
    zh = client.get("/accounts/login/").content.decode()
    assert "登录" in zh and "忘记密码" in zh
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in en
    assert "Sign In" in en and "Forgot your password?" in en


def test_english_by_accept_language(client, applicant):
    client.force_login(applicant)
    response = client.get("/organisations/onboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()
    errors = client.post("/organisations/register/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required." in errors.content.decode()
    errors = client.post("/organisations/register/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "必需字段" in errors.content.decode()


def test_mfa_authenticate_page_renders_in_our_layout(client, curator):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(curator, generate_totp_secret())
    response = client.post(
        "/accounts/login/", {"login": curator.email, "password": "jiebang-test-pw"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "双因素身份认证" in page  # allauth's own zh-hans translation
    assert 'class="site-header"' in page
