"""The OpenAPI document, Swagger UI (served offline) and the browsable API."""

import re

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_is_json_when_asked_and_valid(client: APIClient) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    validate_schema(schema)
    assert {"/api/v1/items/", "/api/v1/items/{id}/", "/health/", "/ready/"} <= set(schema["paths"])
    errors = schema["paths"]["/api/v1/items/"]["post"]["responses"]["default"]
    assert "application/problem+json" in errors["content"]


def test_schema_documents_the_plain_health_view(client: APIClient) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/health/"]["get"]
    assert operation["operationId"] == "health_retrieve"
    assert operation["tags"] == ["health"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Status"}
    assert set(schema["paths"]["/health/"]) == {"get"}


def test_schema_defaults_to_yaml(client: APIClient) -> None:
    response = client.get("/api/schema")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi:")


def test_swagger_ui_uses_local_assets(client: APIClient) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # Every asset is the service's own (not a substring test: the page holds a random token).
    assets = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets


def test_swagger_ui_assets_are_served(client: APIClient) -> None:
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    response.close()

    assert response.status_code == 200


def test_browsers_get_the_browsable_api(client: APIClient) -> None:
    response = client.get("/api/v1/items/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
