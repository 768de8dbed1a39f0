"""The OpenAPI document and Swagger UI."""

from __future__ import annotations

import yaml
from flask.testing import FlaskClient
from openapi_spec_validator import validate


def test_schema_is_valid_json_when_asked(client: FlaskClient) -> None:
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.content_type == "application/json"
    document = response.json
    assert document is not None
    validate(document)
    assert {"/api/v1/items/", "/api/v1/items/{item_id}/", "/health/", "/ready/"} <= set(
        document["paths"]
    )
    item = document["components"]["schemas"]["Item"]
    assert item["properties"]["id"]["readOnly"] is True
    assert "readOnly" not in item["properties"]["name"]
    request = document["components"]["schemas"]["ItemRequest"]
    assert request["required"] == ["name", "price"]
    assert "required" not in document["components"]["schemas"]["PatchedItemRequest"]


def test_schema_is_yaml_by_default(client: FlaskClient) -> None:
    response = client.get("/api/schema")
    assert response.status_code == 200
    assert response.content_type.startswith("application/vnd.oai.openapi")
    document = yaml.safe_load(response.data)
    validate(document)
    assert client.get("/api/schema/?format=json").json == document


def test_swagger_ui_is_served_with_its_assets(client: FlaskClient) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"/api/docs/swagger-ui-bundle.js" in page.data
    assert b"/api/schema/?format=json" in page.data
    asset = client.get("/api/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert client.get("/api/docs/missing.js").status_code == 404
