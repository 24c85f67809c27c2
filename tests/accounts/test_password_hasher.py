"""Issue 12.8: the login's cost was one PBKDF2 hash; the site hashes with Argon2id at OWASP's
parameters and upgrades older PBKDF2 hashes at the next login (bench/bench_login.py measures)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, make_password

from marketplace.settings import base

pytestmark = pytest.mark.django_db
PASSWORD = "jiebang-test-pw"


def test_base_settings_hash_with_argon2id_first_and_keep_pbkdf2_for_old_hashes(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    assert base.PASSWORD_HASHERS[0] == "marketplace.accounts.hashers.Argon2idHasher"
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, encoded) and not check_password("wrong", encoded)


def test_an_old_pbkdf2_hash_logs_in_and_is_upgraded(client, enterprise_member, settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    enterprise_member.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    enterprise_member.save(update_fields=["password"])
    response = client.post(
        "/accounts/login/", {"login": enterprise_member.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    enterprise_member.refresh_from_db()
    assert enterprise_member.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
