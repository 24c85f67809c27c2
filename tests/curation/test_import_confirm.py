"""Issue 12.12: an admin import is a dry run of the upload, then 确认导入 of that same file."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cms.models import DemandPage
from marketplace.audit.models import AuditEntry
from marketplace.curation.models import ImportUpload
from marketplace.organisations.models import Organisation
from tests.factories import UserFactory

from .workbooks import build, demand_row, verified_organisations

pytestmark = pytest.mark.django_db

CATALOGUE = "/admin/curation/catalogue/"


def _state():
    return (
        list(DemandPage.objects.values_list("pk", "external_ref", "live", "status").order_by("pk")),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
    )


def _upload(client, buffer, name="目录.xlsx", **options):
    file = SimpleUploadedFile(name, buffer.getvalue())
    return client.post(CATALOGUE, {"kind": "demand", "file": file, **options})


@pytest.fixture
def other_curator(db):
    user = UserFactory(email="curator-two@example.com")
    user.groups.add(Group.objects.get(name=settings.JIEBANG_CURATORS_GROUP))
    return user


def test_upload_is_a_dry_run_that_changes_nothing_and_offers_confirm(client, curator):
    client.force_login(curator)
    page = client.get(CATALOGUE).content.decode()
    assert 'name="dry_run"' not in page and "第 1 步" in page
    buffer = build("demand", [demand_row(n) for n in range(3)])
    before = _state()
    response = _upload(client, buffer)
    html = response.content.decode()
    assert response.status_code == 200 and _state() == before
    assert "第 1 步（共 2 步）：校验结果" in html and "尚未导入任何数据" in html
    staged = response.context["staged"]
    assert f'action="{staged.confirm_url}"' in html and "确认导入" in html
    # What would happen, row by row: three new listings, drafts (their organisations are new).
    planned = html.split("data-import-planned", 1)[1].split("</table>", 1)[0]
    assert planned.count("<tr>") == 1 + 3 and "JN-D-00002" in planned and "新增" in planned
    assert "草稿" in planned and "将新建的单位" in html
    kept = ImportUpload.objects.get()
    assert kept.user == curator and kept.kind == "demand" and kept.imported_at is None
    assert kept.sha256 == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert kept.file.name.startswith("private/imports/") and len(kept.token) >= 40
    assert kept.token not in kept.file.name
    assert kept.expires_at - timezone.now() > dt.timedelta(hours=23)


def test_confirm_imports_exactly_the_dry_run_file(
    client, curator, django_capture_on_commit_callbacks
):
    verified_organisations("demand")
    client.force_login(curator)
    first = build("demand", [demand_row(n) for n in range(2)])
    other = build("demand", [demand_row(n, prefix="XX-D") for n in range(5)])
    staged = _upload(client, first, name="第一批.xlsx").context["staged"]
    _upload(client, other, name="第二批.xlsx")
    # A file sent along with the confirmation is ignored: the kept upload is imported.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            staged.confirm_url, {"file": SimpleUploadedFile("x.xlsx", other.getvalue())}
        )
    html = response.content.decode()
    assert response.status_code == 200 and "第 2 步（共 2 步）：导入结果" in html
    assert "已导入并发布：新增 2 条" in html and "data-import-explore" in html
    refs = sorted(DemandPage.objects.values_list("external_ref", flat=True))
    assert refs == ["JN-D-00000", "JN-D-00001"]
    assert all(page.live for page in DemandPage.objects.all())
    entry = AuditEntry.objects.get(action="catalogue.import")
    assert entry.actor == curator and entry.details["file"] == "第一批.xlsx"
    assert entry.details["sha256"] == hashlib.sha256(first.getvalue()).hexdigest()
    staged.refresh_from_db()
    assert staged.imported_at is not None and not staged.file


def test_new_organisations_are_created_on_confirm_not_on_dry_run(client, curator):
    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(n) for n in range(2)])).context["staged"]
    assert not Organisation.objects.filter(verification="pending").exists()
    html = client.post(staged.confirm_url).content.decode()
    assert Organisation.objects.filter(verification="pending").count() == 2
    assert "保存为草稿" in html
    assert DemandPage.objects.filter(live=False, status="draft").count() == 2


def test_second_confirm_does_nothing_and_says_so(client, curator):
    verified_organisations("demand")
    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(n) for n in range(2)])).context["staged"]
    client.post(staged.confirm_url)
    after_first = _state()
    response = client.post(staged.confirm_url, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == CATALOGUE
    assert "该文件已于" in html and "不会重复导入" in html
    assert _state() == after_first
    assert AuditEntry.objects.filter(action="catalogue.import").count() == 1


def test_another_curators_token_is_a_404(client, curator, other_curator):
    verified_organisations("demand")
    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(n) for n in range(2)])).context["staged"]
    client.force_login(other_curator)
    before = _state()
    assert client.post(staged.confirm_url).status_code == 404
    assert client.post(CATALOGUE + "confirm/not-a-token/").status_code == 404
    assert _state() == before
    staged.refresh_from_db()
    assert staged.imported_at is None
    # The uploader still can.
    client.force_login(curator)
    assert "已导入并发布" in client.post(staged.confirm_url).content.decode()


def test_non_curator_admin_user_cannot_confirm(client, curator, enterprise_member):
    from django.contrib.auth.models import Permission

    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(1)])).context["staged"]
    enterprise_member.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(enterprise_member)
    before = _state()
    assert client.post(staged.confirm_url).status_code == 403
    assert _state() == before


def test_expired_token_gives_a_clear_message_and_imports_nothing(client, curator):
    verified_organisations("demand")
    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(n) for n in range(2)])).context["staged"]
    ImportUpload.objects.filter(pk=staged.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    before = _state()
    html = client.post(staged.confirm_url, follow=True).content.decode()
    assert "校验结果已过期" in html and "请重新上传并校验" in html
    assert _state() == before
    # The next upload purges the expired file.
    path = staged.file.path
    _upload(client, build("demand", [demand_row(9)]))
    staged.refresh_from_db()
    assert not staged.file and not __import__("os").path.exists(path)


def test_a_changed_file_is_refused(client, curator):
    verified_organisations("demand")
    client.force_login(curator)
    staged = _upload(client, build("demand", [demand_row(n) for n in range(2)])).context["staged"]
    with open(staged.file.path, "wb") as handle:
        handle.write(build("demand", [demand_row(n) for n in range(4)]).getvalue())
    before = _state()
    html = client.post(staged.confirm_url, follow=True).content.decode()
    assert "与校验时的不一致" in html and _state() == before


def test_dry_run_with_errors_offers_no_confirm(client, curator):
    client.force_login(curator)
    rows = [demand_row(n) for n in range(3)]
    rows[1]["产业链"] = "火星采矿"
    before = _state()
    response = _upload(client, build("demand", rows))
    html = response.content.decode()
    assert "发现 1 处错误" in html and "不能导入" in html
    assert response.context["staged"] is None and "data-import-confirm" not in html
    assert "确认导入</button>" not in html
    assert not ImportUpload.objects.exists() and _state() == before


def test_partial_dry_run_says_what_is_skipped_and_confirm_imports_the_rest(client, curator):
    verified_organisations("demand")
    client.force_login(curator)
    rows = [demand_row(n) for n in range(3)]
    rows[1]["产业链"] = "火星采矿"
    response = _upload(client, build("demand", rows), partial="on")
    html = response.content.decode()
    assert "确认后只导入其余 2 条" in html and DemandPage.objects.count() == 0
    client.post(response.context["staged"].confirm_url)
    refs = sorted(DemandPage.objects.values_list("external_ref", flat=True))
    assert refs == ["JN-D-00000", "JN-D-00002"]
