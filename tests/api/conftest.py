from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cms.models import DemandAttachment, TechnologyAttachment

from ..factories import DemandIndicatorFactory, DemandPageFactory, TechnologyPageFactory

SECRET = "机密配方-SECRET-7731"
PRIVATE_TITLE = "内部工艺图纸-PRIVATE-ATTACHMENT"
PUBLIC_TITLE = "公开需求说明书"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def search_index(settings, tmp_path):
    """A real embedded (Tantivy) index per test on a temporary folder."""
    from search.backends import get_search_backend

    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.embedded", "PATH": str(tmp_path / "index")}
    }
    return get_search_backend()


def attach(model, page, title: str, *, public: bool):
    upload = SimpleUploadedFile(f"{title}.txt", b"attachment body", content_type="text/plain")
    return model.objects.create(page=page, title=title, file=upload, is_public=public)


@pytest.fixture
def demand(enterprise):
    """An open demand with confidential details, one public and one private attachment."""
    page = DemandPageFactory(
        organisation=enterprise,
        title="高温合金薄壁件激光焊接变形控制",
        confidential_details=SECRET,
        contact_name="李工",
        contact_phone="0531-66668888",
        contact_email="li@example.com",
    )
    DemandIndicatorFactory(page=page)
    attach(DemandAttachment, page, PUBLIC_TITLE, public=True)
    attach(DemandAttachment, page, PRIVATE_TITLE, public=False)
    return page


@pytest.fixture
def technology(university):
    page = TechnologyPageFactory(
        organisation=university,
        title="低温SCR脱硝催化剂",
        contact_name="王教授",
        contact_phone="0531-77779999",
    )
    attach(TechnologyAttachment, page, "中试报告", public=True)
    attach(TechnologyAttachment, page, PRIVATE_TITLE, public=False)
    return page
