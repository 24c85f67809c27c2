from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from cms.models import DemandPage
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import audit_record
from tests.factories import DemandPageFactory

from .workbooks import build, demand_row, verified_organisations

pytestmark = pytest.mark.django_db

CATALOGUE = "/admin/curation/catalogue/"
AUDIT = "/admin/audit_log/"


def _upload(client, rows, **options):
    data = {"kind": "demand", "file": _file(build("demand", rows)), **options}
    return client.post(CATALOGUE, data)


def _file(buffer, name="目录.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, buffer.getvalue())


def test_curator_sees_menu_templates_and_exports(client, curator):
    client.force_login(curator)
    home = client.get("/admin/")
    # The sidebar menu is rendered from JSON: look for the menu items' URLs.
    assert CATALOGUE in home.content.decode() and AUDIT in home.content.decode()
    assert client.get(CATALOGUE).status_code == 200
    for kind in ("demand", "technology"):
        response = client.get(f"/admin/curation/template/{kind}.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert len(load_workbook(io.BytesIO(response.content)).worksheets) == 2
    DemandPageFactory()
    for kind in ("demand", "technology", "bids", "deals"):
        response = client.get(f"/admin/curation/export/{kind}.xlsx")
        assert response.status_code == 200, kind
    assert client.get("/admin/curation/template/bids.xlsx").status_code == 404
    assert AuditEntry.objects.filter(action="catalogue.export").count() == 4


def test_upload_dry_run_then_import(client, curator):
    verified_organisations("demand")
    client.force_login(curator)
    response = _upload(client, [demand_row(n) for n in range(2)])
    assert response.status_code == 200 and "校验通过" in response.content.decode()
    assert DemandPage.objects.count() == 0
    response = client.post(response.context["staged"].confirm_url)
    assert "已导入并发布" in response.content.decode()
    assert DemandPage.objects.live().count() == 2
    entry = AuditEntry.objects.get(action="catalogue.import")
    assert (
        entry.actor == curator
        and entry.details["created"] == 2
        and entry.details["file"] == "目录.xlsx"
    )


def test_upload_lists_every_error_and_changes_nothing(client, curator):
    client.force_login(curator)
    rows = [demand_row(n) for n in range(3)]
    rows[0]["产业链"] = "火星采矿"
    rows[2]["预算上限/榜额（万元）"] = "很多"
    response = _upload(client, rows)
    html = response.content.decode()
    assert "发现 2 处错误" in html and "火星采矿" in html and "预算上限/榜额（万元）" in html
    assert DemandPage.objects.count() == 0


def test_upload_rejects_non_xlsx(client, curator):
    client.force_login(curator)
    response = client.post(
        CATALOGUE, {"kind": "demand", "file": _file(io.BytesIO(b"a,b,c"), "x.csv")}
    )
    assert response.status_code == 200 and "请上传 .xlsx" in response.content.decode()
    response = client.post(
        CATALOGUE, {"kind": "demand", "file": _file(io.BytesIO(b"PK\x03\x04junk"))}
    )
    assert "文件不是有效的 .xlsx 工作簿" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        CATALOGUE,
        "/admin/curation/template/demand.xlsx",
        "/admin/curation/export/demand.xlsx",
        AUDIT,
    ],
)
def test_members_never_reach_the_desk_or_the_log(client, enterprise_member, path):
    client.force_login(enterprise_member)
    response = client.get(path)
    # Members have no admin access: Wagtail sends them to the login page before any view runs.
    assert response.status_code in (302, 403, 404)
    assert response.status_code != 200


def test_member_upload_changes_nothing(client, enterprise_member):
    client.force_login(enterprise_member)
    response = _upload(client, [demand_row(1)])
    assert response.status_code != 200 and DemandPage.objects.count() == 0


def test_admin_user_who_is_not_a_curator_gets_403(client, enterprise_member):
    from django.contrib.auth.models import Permission

    enterprise_member.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(enterprise_member)
    assert client.get(CATALOGUE).status_code == 403
    assert client.get("/admin/curation/export/demand.xlsx").status_code == 403
    response = client.get(AUDIT)
    assert response.status_code in (302, 403)
    assert "catalogue.import" not in response.content.decode()


def test_audit_log_is_listed_and_inspectable_but_not_editable(client, curator):
    entry = audit_record(
        actor=curator,
        action="match.recommend",
        obj=curator,
        note="供需高度匹配",
        details={"score": 0.91},
    )
    client.force_login(curator)
    listing = client.get(AUDIT)
    assert listing.status_code == 200 and "match.recommend" in listing.content.decode()
    assert client.get(f"{AUDIT}inspect/{entry.pk}/").status_code == 200
    for name in ("add", "edit", "delete", "copy", "history"):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit_log:{name}", args=[] if name == "add" else [entry.pk])
    for path in (f"{AUDIT}new/", f"{AUDIT}edit/{entry.pk}/", f"{AUDIT}delete/{entry.pk}/"):
        assert client.get(path).status_code == 404
        assert client.post(path, {"note": "改掉"}).status_code == 404
    assert "/edit/" not in listing.content.decode() and "/delete/" not in listing.content.decode()
    entry.refresh_from_db()
    assert entry.note == "供需高度匹配"


def test_audit_entries_cannot_be_changed_or_deleted_in_code(curator):
    entry = audit_record(actor=curator, action="organisation.verify", obj=None, note="资料齐全")
    assert entry.actor_label == str(curator) and entry.object_type == ""
    entry.note = "改"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).note == "资料齐全"


def test_audit_record_names_the_object(curator, enterprise):
    entry = audit_record(
        actor=curator,
        action="organisation.verify",
        obj=enterprise,
        details={"credit_code": enterprise.credit_code},
    )
    assert (entry.object_type, entry.object_id, entry.object_label) == (
        "organisations.organisation",
        str(enterprise.pk),
        enterprise.name,
    )
    assert entry.details == {"credit_code": enterprise.credit_code}


def test_admin_pages_show_no_settings_names_and_load_nothing_from_outside(client, curator):
    """No Gravatar (the bureau's network may not reach it) and no raw setting names."""
    client.force_login(curator)
    for path in ("/admin/", reverse("matches_admin:queue")):
        body = client.get(path).content.decode()
        assert "gravatar.com" not in body, path
        assert "JIEBANG_" not in body, path
