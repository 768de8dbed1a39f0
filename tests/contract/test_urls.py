"""C18, C19, C44, C45: both slash forms, the URLs the service writes, HTTPS behind the proxy."""

from __future__ import annotations

import pytest

from tests.contract.client import (
    Client,
    anonymous,
    assert_absolute,
    expect,
    path_of,
    show,
    sign_in,
    token,
)
from tests.contract.services import PASSWORD, Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

READ_PATHS = ["/health", "/ready", "/api/v1/items/", "/api/schema/", "/api/docs/"]


@pytest.mark.parametrize("path", READ_PATHS)
def test_c18_both_slash_forms_answer_without_redirect(anon: Client, path: str) -> None:
    slashed = path if path.endswith("/") else path + "/"
    accept = {"Accept": "text/html"} if path.startswith("/api/docs") else {}
    for form in (slashed, slashed.rstrip("/")):
        answer = anon.get(form, headers=accept)
        assert answer.status_code == 200, f"[C18] {form} should answer 200: {show(answer)}"


def test_c18_item_paths_without_slash(service: Service, alice: Client) -> None:
    created = expect(
        alice.post("/api/v1/items", {"name": f"Slash {token()}", "price": "1.00"}), 201, "C18"
    )
    item = created.json()
    assert_absolute(created.headers.get("location"), service, "C18/C19")
    bare = f"/api/v1/items/{item['id']}"
    expect(alice.get(bare), 200, "C18")
    expect(alice.patch(bare, {"price": "2.00"}), 200, "C18")
    expect(alice.put(bare, {"name": "Slash", "price": "3.00"}), 200, "C18")
    expect(alice.delete(bare), 204, "C18")


def test_c18_auth_paths_in_both_forms(service: Service) -> None:
    credentials = {"username": "alice", "password": PASSWORD}
    if service.auth in {"token", "jwt"}:
        with anonymous(service) as client:
            for form in ("/api/v1/auth/token", "/api/v1/auth/token/"):
                expect(client.post(form, credentials), 200, f"C18 ({form})")
    elif service.auth == "session":
        for form in ("/api/v1/auth/login", "/api/v1/auth/login/"):
            with anonymous(service) as client:
                expect(client.post(form, credentials), 200, f"C18 ({form})")
    else:
        pytest.skip(f"auth={service.auth}: no auth endpoints")


def test_c19_written_urls_follow_the_host_the_client_used(service: Service) -> None:
    port = service.host.rsplit(":", 1)[1]
    with sign_in(service) as client:
        client.headers["Host"] = f"localhost:{port}"
        if "Origin" in client.headers:
            client.headers["Origin"] = f"https://localhost:{port}"
        created = client.post("/api/v1/items/", {"name": f"Host {token()}", "price": "1.00"})
    expect(created, 201, "C19")
    for url in (created.headers.get("location", ""), created.json()["url"]):
        assert url.startswith(f"https://localhost:{port}/api/v1/items/"), (
            f"[C19] written URL should use the client's host and https: {url!r}"
        )
        assert url.endswith("/"), f"[C19] written URL lacks the trailing slash: {url!r}"


@pytest.mark.parametrize(
    "path", ["/api/v1/items/", "/api/v1/items/?page=1&search=x", "/api/schema/"]
)
def test_c45_plain_http_is_redirected_to_https(service: Service, path: str) -> None:
    with anonymous(service, https=False) as client:
        answer = client.get(path)
    assert answer.status_code == 301, f"[C45] plain HTTP in production: {show(answer)}"
    location = answer.headers.get("location", "")
    assert location == f"https://{service.host}{path}", (
        f"[C45] redirect to the same URL over https, got {location!r}"
    )


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_c45_probes_are_not_redirected(service: Service, path: str) -> None:
    with anonymous(service, https=False) as client:
        answer = client.get(path)
    assert answer.status_code == 200, f"[C45] probes answer over plain HTTP: {show(answer)}"


def test_c44_the_proxy_header_is_trusted(service: Service) -> None:
    with anonymous(service) as client:
        answer = client.get("/api/v1/items/")
    expect(answer, 200, "C44 (X-Forwarded-Proto: https is not redirected)")
    with anonymous(service, https=False) as client:
        answer = client.get("/api/v1/items/", headers={"X-Forwarded-Proto": "http"})
    expect(answer, 301, "C44/C45 (X-Forwarded-Proto: http)")


def test_c19_next_previous_and_url_are_https_and_slashed(service: Service, alice: Client) -> None:
    word = token()
    for i in range(3):
        alice.create(name=f"Link{word}{i}")
    page = expect(
        alice.get("/api/v1/items", params={"search": word, "page_size": "1", "page": "2"}),
        200,
        "C19",
    ).json()
    for url in (page["next"], page["previous"], page["results"][0]["url"]):
        assert_absolute(url, service, "C19")
        assert path_of(url).startswith("/api/v1/items/"), f"[C19] {url!r}"
