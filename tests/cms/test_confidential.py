"""Confidential details and private attachments render only for the owner's members and curators."""

import pytest
from django.core.files.base import ContentFile

from cms.models import DemandAttachment, TechnologyAttachment

from ..factories import DemandPageFactory, TechnologyPageFactory
from ..workspace.helpers import PDF_BYTES

pytestmark = pytest.mark.django_db

SECRET = "机密：产线节拍42秒"


def attach(model, page, title, public):
    item = model(page=page, title=title, is_public=public)
    item.file.save(f"{title}.pdf", ContentFile(PDF_BYTES), save=False)
    item.save()
    return item


@pytest.fixture
def demand(enterprise):
    page = DemandPageFactory(organisation=enterprise, confidential_details=SECRET)
    attach(DemandAttachment, page, "公开说明", True)
    attach(DemandAttachment, page, "内部图纸", False)
    return page


@pytest.mark.parametrize("who", [None, "outsider", "research_member"])
def test_others_never_see_confidential_parts(client, request, demand, who):
    if who:
        client.force_login(request.getfixturevalue(who))
    body = client.get(demand.url).content.decode()
    assert SECRET not in body and "内部图纸" not in body
    assert "公开说明" in body
    private = demand.attachments.get(is_public=False)
    assert client.get(f"/files/attachments/demand/{private.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["enterprise_member", "curator"])
def test_owner_members_and_curators_see_them(client, request, demand, who):
    client.force_login(request.getfixturevalue(who))
    body = client.get(demand.url).content.decode()
    assert SECRET in body and "内部图纸" in body
    private = demand.attachments.get(is_public=False)
    response = client.get(f"/files/attachments/demand/{private.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_private_technology_evidence_hidden_from_others(
    client, university, research_member, outsider
):
    page = TechnologyPageFactory(organisation=university)
    attach(TechnologyAttachment, page, "中试报告原件", False)
    client.force_login(outsider)
    assert "中试报告原件" not in client.get(page.url).content.decode()
    client.force_login(research_member)
    assert "中试报告原件" in client.get(page.url).content.decode()
