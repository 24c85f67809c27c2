"""The OpenAPI schema at /api/v1/schema/ and its self-hosted docs UI."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/demands/",
    "/api/v1/demands/{id}/",
    "/api/v1/technologies/",
    "/api/v1/technologies/{id}/",
]


def test_schema_endpoint_serves_valid_openapi_3(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(PATHS) <= set(schema["paths"])
    validate_schema(schema)


def test_schema_documents_filters_and_hides_confidential_fields(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    params = {p["name"] for p in schema["paths"]["/api/v1/demands/"]["get"]["parameters"]}
    assert {"q", "industry_chain", "status", "budget_min", "ordering", "page"} <= params
    statuses = next(
        p for p in schema["paths"]["/api/v1/demands/"]["get"]["parameters"] if p["name"] == "status"
    )["schema"]["enum"]
    assert "draft" not in statuses and "open" in statuses
    detail = schema["components"]["schemas"]["DemandDetail"]["properties"]
    assert "confidential_details" not in detail and "contact" in detail


def test_spectacular_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any schema warning (an unresolvable type hint …) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/demands/{id}/" in (tmp_path / "s.yaml").read_text()


@pytest.mark.skipif(
    not apps.is_installed("drf_spectacular_sidecar"),
    reason="the docs UI needs drf_spectacular_sidecar in INSTALLED_APPS",
)
def test_docs_ui_loads_its_assets_locally(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in body
    assert "cdn" not in body.lower() and "https://" not in body
