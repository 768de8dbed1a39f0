"""The OpenAPI document, Swagger UI (served offline) and the browsable API."""

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


def test_schema_defaults_to_yaml(client: APIClient) -> None:
    response = client.get("/api/schema")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi:")


def test_swagger_ui_uses_local_assets(client: APIClient) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_swagger_ui_assets_are_served(client: APIClient) -> None:
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    response.close()

    assert response.status_code == 200


def test_browsers_get_the_browsable_api(client: APIClient) -> None:
    response = client.get("/api/v1/items/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
