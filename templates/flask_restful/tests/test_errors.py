"""Every error answer is problem+json (unless the client prefers XML), none shows internals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ITEMS = "/api/v1/items/"


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body is not None
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert {"title", "detail"} <= set(body)
    return dict(body)


def test_unknown_path(client: FlaskClient) -> None:
    problem = assert_problem(client.get("/nowhere"), 404)
    assert problem["detail"] == "The requested resource was not found."


def test_unknown_method(client: FlaskClient) -> None:
    response = client.patch(ITEMS)
    problem = assert_problem(response, 405)
    assert problem["detail"] == 'Method "PATCH" not allowed.'
    assert "GET" in response.headers["Allow"]


def test_non_json_body_is_415(author: FlaskClient) -> None:
    response = author.post(ITEMS, data="name=x", content_type="application/x-www-form-urlencoded")
    problem = assert_problem(response, 415)
    assert problem["detail"] == (
        'Unsupported media type "application/x-www-form-urlencoded" in request.'
    )


def test_malformed_json_is_400(author: FlaskClient) -> None:
    response = author.post(ITEMS, data="{nope", content_type="application/json")
    problem = assert_problem(response, 400)
    assert str(problem["detail"]).startswith("JSON parse error")


def test_body_over_one_mebibyte_is_413(author: FlaskClient) -> None:
    body = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    response = author.post(ITEMS, data=body, content_type="application/json")
    problem = assert_problem(response, 413)
    assert problem["detail"] == "The request body exceeds 1048576 bytes."


def test_host_outside_allowed_hosts_is_400(client: FlaskClient) -> None:
    response = client.get(ITEMS, headers={"Host": "evil.example"})
    assert_problem(response, 400)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_wildcard_allows_any_host(make_app: Callable[..., Flask]) -> None:
    app = make_app(TRUSTED_HOSTS=None)
    assert app.test_client().get("/health", headers={"Host": "any.example"}).status_code == 200


def test_unhandled_errors_hide_their_details(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    problem = assert_problem(response, 500)
    assert problem["detail"] == "The server encountered an unexpected error."
    assert b"secret" not in response.data
    assert b"Traceback" not in response.data


def test_an_accept_the_api_cannot_answer_is_406(client: FlaskClient) -> None:
    problem = assert_problem(client.get(ITEMS, headers={"Accept": "text/csv"}), 406)
    assert problem["detail"] == "Could not satisfy the request Accept header."
