"""C33-C41, C63-C67: each auth scheme's whole flow, the owner rule and the challenges."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import statistics
import time
from typing import Any

import httpx
import pytest

from apigen import smoke
from tests.contract.client import (
    REMOTE_USER_HEADER,
    Client,
    anonymous,
    basic_header,
    expect,
    expect_problem,
    media_type,
    show,
    token,
)
from tests.contract.conftest import needs_auth, needs_scheme
from tests.contract.services import PASSWORD, Pool, Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

CHALLENGE = {
    "basic": 'Basic realm="api"',
    "token": "Token",
    "jwt": "Bearer",
    "apikey": "Api-Key",
    "oauth2": "Bearer",
}
INVALID_TOKEN = 'Bearer error="invalid_token"'
INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope", scope="api:write"'


def expect_challenge(answer: httpx.Response, auth: str, line: str) -> dict[str, Any]:
    """A 401 problem with the scheme's challenge (C36)."""
    body = expect_problem(answer, 401, line)
    challenge = answer.headers.get("www-authenticate", "")
    wanted = CHALLENGE[auth]
    if auth == "basic":
        assert challenge == wanted, f"[C36/C37 via {line}] WWW-Authenticate {challenge!r}"
    else:
        assert challenge.split(" ", 1)[0].split(",", 1)[0] == wanted, (
            f"[C36 via {line}] WWW-Authenticate should name {wanted}: {challenge!r}"
        )
    return body


def expect_refused_write(answer: httpx.Response, auth: str, line: str) -> None:
    """An anonymous or badly signed write: 401 with a challenge, or 403 under session."""
    if auth in {"session", "remote-user"}:  # no challenge to send
        expect_problem(answer, 403, line)
    else:
        expect_challenge(answer, auth, line)


def test_c33_without_auth_every_endpoint_is_open(service: Service, anon: Client) -> None:
    needs_scheme(service, "none")
    item = anon.create(name=f"Open {token()}")
    assert "owner" not in item, f"[C33/C5] no owner without auth: {item!r}"
    path = f"/api/v1/items/{item['id']}/"
    expect(anon.patch(path, {"price": "2.00"}), 200, "C33")
    expect(anon.put(path, {"name": "Open", "price": "3.00"}), 200, "C33")
    expect(anon.delete(path), 204, "C33")


def test_c34_anyone_reads_only_signed_in_users_write(
    service: Service, anon: Client, alice: Client
) -> None:
    needs_auth(service)
    item = alice.create(name=f"Mine {token()}")
    path = f"/api/v1/items/{item['id']}/"
    expect(anon.get("/api/v1/items/"), 200, "C34")
    expect(anon.get(path), 200, "C34")
    expect_refused_write(
        anon.post("/api/v1/items/", {"name": "x", "price": "1.00"}), service.auth, "C34 POST"
    )
    expect_refused_write(anon.put(path, {"name": "x", "price": "1.00"}), service.auth, "C34 PUT")
    expect_refused_write(anon.patch(path, {"price": "2.00"}), service.auth, "C34 PATCH")
    expect_refused_write(anon.delete(path), service.auth, "C34 DELETE")
    assert anon.get(path).json() == item, "[C34] a refused anonymous write changed the item"


def test_c35_only_the_owner_changes_or_deletes(
    service: Service, alice: Client, bob: Client
) -> None:
    item = alice.create(name=f"Alice's {token()}", price="10.00")
    path = f"/api/v1/items/{item['id']}/"
    for answer in (
        bob.patch(path, {"price": "0.01"}),
        bob.put(path, {"name": "Bob's now", "price": "0.01"}),
        bob.delete(path),
    ):
        expect_problem(answer, (403, 404), f"C35 ({answer.request.method} by another user)")
    assert alice.get(path).json() == item, "[C35] another user changed the item"
    bobs = bob.create(name=f"Bob's {token()}")
    assert bobs["owner"] == "bob", f"[C35/C5] {bobs!r}"
    bobs_path = f"/api/v1/items/{bobs['id']}/"
    expect_problem(alice.delete(bobs_path), (403, 404), "C35 (alice deletes bob's)")
    expect(bob.patch(bobs_path, {"price": "2.00"}), 200, "C35 (the owner changes it)")
    expect(bob.delete(bobs_path), 204, "C35 (the owner deletes it)")


# -- basic --------------------------------------------------------------------------------------


def test_c37_basic_flow(service: Service) -> None:
    needs_scheme(service, "basic")
    with anonymous(service) as client:
        for header, what in (
            (basic_header("alice", "wrong-password"), "wrong password"),
            (basic_header("nobody-here", "wrong-password"), "unknown user"),
            ("Basic !!!not-base64", "malformed"),
        ):
            answer = client.post(
                "/api/v1/items/", {"name": "x", "price": "1.00"}, headers={"Authorization": header}
            )
            expect_challenge(answer, "basic", f"C37 ({what})")
        expect_challenge(
            client.post("/api/v1/items/", {"name": "x", "price": "1.00"}),
            "basic",
            "C37 (anonymous)",
        )
        good = {"Authorization": basic_header("alice", PASSWORD)}
        created = client.post("/api/v1/items/", {"name": "Basic", "price": "1.00"}, headers=good)
        expect(created, 201, "C37 (good credentials)")


# -- session ------------------------------------------------------------------------------------


def test_c38_session_flow(service: Service) -> None:
    needs_scheme(service, "session")
    item = {"name": f"Session {token()}", "price": "1.00"}
    with anonymous(service) as client:
        wrong = client.post("/api/v1/auth/login", {"username": "alice", "password": "nope"})
        expect_problem(wrong, 403, "C38 (wrong password)")
        unknown = client.post("/api/v1/auth/login", {"username": "nobody", "password": "nope"})
        expect_problem(unknown, 403, "C38 (unknown user)")
        expect_problem(client.post("/api/v1/items/", item), 403, "C38 (anonymous write)")

        answer = expect(
            client.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD}),
            200,
            "C38 (login)",
        )
        body = answer.json()
        assert body.get("username") == "alice", f"[C38] login answers the username: {body!r}"
        assert isinstance(body.get("csrf_token"), str), (
            f"[C38] login answers a csrf_token: {body!r}"
        )
        assert body["csrf_token"], f"[C38] {body!r}"
        cookies = answer.headers.get_list("set-cookie")
        assert cookies, f"[C38] login sets a session cookie: {show(answer)}"
        http_only = [c for c in cookies if "httponly" in c.lower()]
        assert http_only, f"[C38] the session cookie is HttpOnly: {cookies!r}"
        for cookie in cookies:
            attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
            assert "secure" in attributes, (
                f"[C38] cookies are Secure outside development: {cookie!r}"
            )
        for cookie in http_only:
            attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
            assert "samesite=lax" in attributes, (
                f"[C38] the session cookie is SameSite=Lax: {cookie!r}"
            )

        client.headers["Origin"] = f"https://{service.host}"
        expect_problem(client.post("/api/v1/items/", item), 403, "C38 (write without X-CSRFToken)")
        expect_problem(
            client.post("/api/v1/items/", item, headers={"X-CSRFToken": "wrong" * 8}),
            403,
            "C38 (write with a wrong X-CSRFToken)",
        )
        client.headers["X-CSRFToken"] = body["csrf_token"]
        created = expect(client.post("/api/v1/items/", item), 201, "C38 (write with the token)")
        assert created.json()["owner"] == "alice", f"[C38] {created.json()!r}"
        stale = dict(client.cookies)

        logout = expect(client.post("/api/v1/auth/logout"), 204, "C38 (logout)")
        assert logout.content == b"", f"[C38] logout answers 204 with no body: {show(logout)}"
        expect_problem(client.post("/api/v1/items/", item), 403, "C38 (write after logout)")
        client.cookies = stale
        expect_problem(
            client.post("/api/v1/items/", item), 403, "C38 (the old session cookie after logout)"
        )


# -- token --------------------------------------------------------------------------------------


def test_c39_token_flow(service: Service) -> None:
    needs_scheme(service, "token")
    with anonymous(service) as client:
        for username in ("alice", "nobody-here"):
            answer = client.post("/api/v1/auth/token", {"username": username, "password": "nope"})
            expect_challenge(answer, "token", f"C39 (wrong credentials, {username})")
        answer = expect(
            client.post("/api/v1/auth/token", {"username": "alice", "password": PASSWORD}),
            200,
            "C39",
        )
        body = answer.json()
        assert set(body) == {"token"}, f"[C39] the token endpoint answers {{'token'}}: {body!r}"
        good = {"Authorization": f"Token {body['token']}"}
        expect(
            client.post("/api/v1/items/", {"name": "T", "price": "1.00"}, headers=good), 201, "C39"
        )
        for bad in (f"Token {body['token']}x", "Token", "Token a b"):
            answer = client.post(
                "/api/v1/items/", {"name": "T", "price": "1.00"}, headers={"Authorization": bad}
            )
            expect_challenge(answer, "token", f"C39 (bad token {bad[:12]!r})")
        expect_challenge(
            client.post("/api/v1/items/", {"name": "T", "price": "1.00"}),
            "token",
            "C39 (anonymous)",
        )


# -- jwt ----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _sign(claims: dict[str, Any], key: str) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def test_c40_jwt_flow(service: Service) -> None:
    needs_scheme(service, "jwt")
    item = {"name": f"JWT {token()}", "price": "1.00"}
    with anonymous(service) as client:
        for username in ("alice", "nobody-here"):
            answer = client.post("/api/v1/auth/token", {"username": username, "password": "nope"})
            expect_challenge(answer, "jwt", f"C40 (wrong credentials, {username})")
        answer = expect(
            client.post("/api/v1/auth/token", {"username": "alice", "password": PASSWORD}),
            200,
            "C40",
        )
        pair = answer.json()
        assert {"access", "refresh"} <= set(pair), f"[C40] access and refresh: {pair!r}"
        bearer = {"Authorization": f"Bearer {pair['access']}"}
        expect(client.post("/api/v1/items/", item, headers=bearer), 201, "C40 (access token)")

        refreshed = expect(
            client.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}), 200, "C40"
        ).json()
        assert "access" in refreshed, f"[C40] refresh answers a new access token: {refreshed!r}"
        fresh = {"Authorization": f"Bearer {refreshed['access']}"}
        expect(client.post("/api/v1/items/", item, headers=fresh), 201, "C40 (refreshed token)")

        head, body, signature = pair["access"].split(".")
        tampered = (
            f"{head}.{body}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
        )
        claims = _claims(pair["access"])
        now = int(time.time())
        expired = _sign(
            {**claims, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}, service.secret_key
        )
        forged = _sign({**claims, "exp": now + 3600}, "not-the-service-key")
        for label, jwt in (
            ("tampered signature", tampered),
            ("expired", expired),
            ("signed with another key", forged),
            ("not a JWT", "not-a-jwt"),
            ("the refresh token", pair["refresh"]),
        ):
            answer = client.post("/api/v1/items/", item, headers={"Authorization": f"Bearer {jwt}"})
            expect_challenge(answer, "jwt", f"C40 ({label})")
        for label, refresh in (("forged refresh", forged), ("not a JWT", "garbage")):
            answer = client.post("/api/v1/auth/token/refresh", {"refresh": refresh})
            expect_challenge(answer, "jwt", f"C40 (refresh with {label})")
        expect_challenge(client.post("/api/v1/items/", item), "jwt", "C40 (anonymous)")


# -- apikey -------------------------------------------------------------------------------------


def test_c52_apikey_flow(service: Service, pool: Pool, combination: smoke.Combination) -> None:
    needs_scheme(service, "apikey")
    item = {"name": f"Key {token()}", "price": "1.00"}
    key = service.api_keys["alice"]
    prefix = key.partition(".")[0]
    with anonymous(service) as client:
        for headers, what in (
            ({"Authorization": f"Api-Key {key}"}, "Authorization: Api-Key"),
            ({"X-API-Key": key}, "X-API-Key"),
        ):
            created = expect(
                client.post("/api/v1/items/", item, headers=headers), 201, f"C63 ({what})"
            )
            assert created.json()["owner"] == "alice", f"[C63] {created.json()!r}"
        for value, what in (
            (f"Api-Key {prefix}.{'x' * 32}", "a wrong secret"),
            (f"Api-Key {token()[:8]}.{'x' * 32}", "an unknown prefix"),
            ("Api-Key", "no key"),
            ("Api-Key a b", "two words"),
        ):
            answer = client.post("/api/v1/items/", item, headers={"Authorization": value})
            expect_challenge(answer, "apikey", f"C63 ({what})")
        expect_challenge(
            client.get("/api/v1/items/", headers={"X-API-Key": f"{prefix}.nope"}),
            "apikey",
            "C63 (a wrong key on a read)",
        )
        expect_challenge(client.post("/api/v1/items/", item), "apikey", "C63 (anonymous)")

        # Rotation: a second key works beside the first; once revoked, it no longer does.
        runner = pool.runner(combination)
        output = runner.manage("create-api-key", "alice", "--name", "rotated", env=service.env)
        (second,) = smoke.API_KEY.findall(output)
        assert second not in service.api_keys.values(), "[C63] every key is new"
        rotated = {"X-API-Key": second}
        expect(client.post("/api/v1/items/", item, headers=rotated), 201, "C63 (a second key)")
        listing = runner.manage("list-api-keys", "alice", env=service.env)
        assert second.partition(".")[2] not in listing, "[C63] keys are shown once, never listed"
        assert second.partition(".")[0] in listing, f"[C63] list-api-keys: {listing!r}"
        runner.manage("revoke-api-key", second.partition(".")[0], env=service.env)
        expect_challenge(
            client.post("/api/v1/items/", item, headers=rotated), "apikey", "C63 (a revoked key)"
        )
        expect_challenge(
            client.get("/api/v1/items/", headers=rotated), "apikey", "C63 (a revoked key reads)"
        )
        headers = {"Authorization": f"Api-Key {key}"}
        expect(client.post("/api/v1/items/", item, headers=headers), 201, "C63 (the first key)")


# -- remote-user --------------------------------------------------------------------------------


def test_c53_remote_user_only_from_trusted_proxies(service: Service) -> None:
    needs_scheme(service, "remote-user")
    newcomer = f"carol{token()}"
    item = {"name": f"Proxied {token()}", "price": "1.00"}
    with anonymous(service) as proxy:
        created = expect(
            proxy.post("/api/v1/items/", item, headers={REMOTE_USER_HEADER: "alice"}),
            201,
            "C64 (from the trusted proxy)",
        )
        assert created.json()["owner"] == "alice", f"[C64] {created.json()!r}"
        first = expect(
            proxy.post("/api/v1/items/", item, headers={REMOTE_USER_HEADER: newcomer}),
            201,
            "C64 (a user the service has not seen)",
        )
        assert first.json()["owner"] == newcomer, f"[C64] created on first sight: {first.json()!r}"
        path = f"/api/v1/items/{created.json()['id']}/"
    # Another address of this machine: not in TRUSTED_PROXIES, whatever it claims to forward.
    with anonymous(service, local_address="127.0.0.2") as spoofer:
        spoofed = {REMOTE_USER_HEADER: "alice", "X-Forwarded-For": "127.0.0.1"}
        expect_problem(
            spoofer.post("/api/v1/items/", item, headers=spoofed), 403, "C64 (spoofed header)"
        )
        expect_problem(spoofer.delete(path, headers=spoofed), 403, "C64 (spoofed header deletes)")
        expect(spoofer.get(path, headers=spoofed), 200, "C64 (a spoofed header reads as anyone)")
        mallory = {REMOTE_USER_HEADER: f"mallory{token()}"}
        expect_problem(
            spoofer.post("/api/v1/items/", item, headers=mallory), 403, "C64 (spoofed newcomer)"
        )
    with anonymous(service) as proxy:
        expect(proxy.get(path), 200, "C64 (the item is still there)")
        expect_problem(proxy.post("/api/v1/items/", item), 403, "C64 (anonymous write)")


# -- oauth2 -------------------------------------------------------------------------------------


def _issuer(service: Service) -> smoke.LocalIssuer:
    assert service.issuer is not None, "[C65] an oauth2 service has its local issuer"
    return service.issuer


def expect_invalid_token(answer: httpx.Response, line: str) -> None:
    """A 401 problem with ``WWW-Authenticate: Bearer error="invalid_token"`` (C65)."""
    expect_problem(answer, 401, line)
    challenge = answer.headers.get("www-authenticate", "")
    assert challenge == INVALID_TOKEN, f"[{line}] WWW-Authenticate {challenge!r}: {show(answer)}"


def test_c65_oauth2_tokens_of_the_issuer_for_this_audience(service: Service) -> None:
    needs_scheme(service, "oauth2")
    issuer = _issuer(service)
    item = {"name": f"Bearer {token()}", "price": "1.00"}
    newcomer = f"sub-{token()}"
    now = int(time.time())
    with anonymous(service) as client:
        good = {"Authorization": f"Bearer {issuer.token(newcomer)}"}
        created = expect(client.post("/api/v1/items/", item, headers=good), 201, "C65")
        assert created.json()["owner"] == newcomer, f"[C65] the owner is `sub`: {created.json()!r}"
        anonymous_write = client.post("/api/v1/items/", item)
        expect_problem(anonymous_write, 401, "C65 (no token)")
        challenge = anonymous_write.headers.get("www-authenticate")
        assert challenge == "Bearer", (
            f"[C65] a plain Bearer challenge without a token: {challenge!r}"
        )
        for label, options in (
            ("another audience", {"claims": {"aud": "another-api"}}),
            ("another issuer", {"claims": {"iss": "https://elsewhere.example.com"}}),
            ("expired", {"claims": {"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}}),
            ("not yet valid", {"claims": {"nbf": now + 3600}}),
            ("alg none", {"forge": "none"}),
            ("HS256 with the public key", {"forge": "hs256"}),
        ):
            bad = {"Authorization": f"Bearer {issuer.token('alice', **options)}"}
            expect_invalid_token(client.post("/api/v1/items/", item, headers=bad), f"C65 ({label})")
            expect_invalid_token(client.get("/api/v1/items/", headers=bad), f"C65 ({label}, read)")
        for value in ("Bearer", "Bearer not-a-jwt"):
            answer = client.get("/api/v1/items/", headers={"Authorization": value})
            expect_invalid_token(answer, f"C65 ({value!r})")


def test_c66_oauth2_keys_rotate(service: Service) -> None:
    needs_scheme(service, "oauth2")
    issuer = _issuer(service)
    item = {"name": f"Rotated {token()}", "price": "1.00"}
    with anonymous(service) as client:
        before = {"Authorization": f"Bearer {issuer.token('alice')}"}
        expect(client.post("/api/v1/items/", item, headers=before), 201, "C66 (before)")
        fetches, previous = issuer.jwks_fetches, issuer.kid
        issuer.rotate()
        try:
            after = {"Authorization": f"Bearer {issuer.token('alice')}"}
            # An unknown key is fetched at once, or after a short cooldown if one was just
            # fetched: until then the worker that answers may refuse it.
            deadline = time.monotonic() + 15
            answer = client.post("/api/v1/items/", item, headers=after)
            while answer.status_code == 401 and time.monotonic() < deadline:
                time.sleep(1)
                answer = client.post("/api/v1/items/", item, headers=after)
            expect(answer, 201, "C66 (a token signed with the new key)")
            assert issuer.jwks_fetches > fetches, "[C66] the new key was fetched from the JWKS"
            expect(client.post("/api/v1/items/", item, headers=before), 201, "C66 (the old key)")
            unknown = {"Authorization": f"Bearer {issuer.token('alice', key='unpublished')}"}
            answer = client.post("/api/v1/items/", item, headers=unknown)
            expect_invalid_token(answer, "C66 (unknown)")
        finally:
            # The other worker may not hold the new key yet; the tests after this one sign
            # with the key every worker has.
            issuer.rotate(previous)


def test_c67_oauth2_writing_needs_the_scope(service: Service) -> None:
    needs_scheme(service, "oauth2")
    issuer = _issuer(service)
    item = {"name": f"Scoped {token()}", "price": "1.00"}
    with anonymous(service) as client:
        owned = client.post(
            "/api/v1/items/", item, headers={"Authorization": f"Bearer {issuer.token('alice')}"}
        )
        path = f"/api/v1/items/{expect(owned, 201, 'C67').json()['id']}/"
        for scope in ("", "api:read profile"):
            headers = {"Authorization": f"Bearer {issuer.token('alice', scope)}"}
            expect(client.get(path, headers=headers), 200, f"C67 (read, scope {scope!r})")
            for answer in (
                client.post("/api/v1/items/", item, headers=headers),
                client.patch(path, {"price": "2.00"}, headers=headers),
                client.delete(path, headers=headers),
            ):
                what = f"C67 ({answer.request.method}, scope {scope!r})"
                expect_problem(answer, 403, what)
                challenge = answer.headers.get("www-authenticate", "")
                assert challenge == INSUFFICIENT_SCOPE, f"[{what}] WWW-Authenticate {challenge!r}"
        listed = {
            "Authorization": f"Bearer {issuer.token('alice', '', claims={'scp': ['api:write']})}"
        }
        expect(client.patch(path, {"price": "3.00"}, headers=listed), 200, "C67 (scp as a list)")


# -- timing -------------------------------------------------------------------------------------


def _wrong_login(service: Service, client: Client, username: str) -> float:
    credentials = {"username": username, "password": "definitely-wrong"}
    started = time.perf_counter()
    if service.auth == "basic":
        client.get("/api/v1/items/?page=1", headers={"Authorization": basic_header(username, "x")})
    elif service.auth == "apikey":
        # A known key's prefix with a wrong secret, or a prefix no key has.
        prefix = service.api_keys.get(username, token()).partition(".")[0][:8]
        client.get("/api/v1/items/?page=1", headers={"X-API-Key": f"{prefix}.{'x' * 32}"})
    elif service.auth == "session":
        client.post("/api/v1/auth/login", credentials)
    else:
        client.post("/api/v1/auth/token", credentials)
    return time.perf_counter() - started


def test_c41_wrong_credentials_take_as_long_for_unknown_users(service: Service) -> None:
    needs_auth(service)
    if service.auth in {"remote-user", "oauth2"}:
        pytest.skip(f"auth={service.auth}: users sign in elsewhere, there are no credentials")
    with anonymous(service) as client:
        known, unknown = [], []
        for _ in range(5):
            known.append(_wrong_login(service, client, "alice"))
            unknown.append(_wrong_login(service, client, f"nobody{token()}"))
    k, u = statistics.median(known), statistics.median(unknown)
    assert u >= 0.5 * k, (
        f"[C41] a wrong password for a known user takes {k * 1000:.0f} ms, for an unknown "
        f"user {u * 1000:.0f} ms: the difference tells which users exist"
    )


def test_c36_every_401_is_problem_json_with_a_challenge(service: Service) -> None:
    needs_scheme(service, "basic", "token", "jwt", "apikey", "oauth2")
    prefix = CHALLENGE[service.auth].split(" ")[0]
    with anonymous(service) as client:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            answer = client.request(
                method,
                "/api/v1/items/1/" if method != "POST" else "/api/v1/items/",
                {"name": "x", "price": "1.00"},
                headers={"Authorization": f"{prefix} bm90LXZhbGlk"},
            )
            expect_challenge(answer, service.auth, f"C36 ({method} with a bad credential)")
            assert media_type(answer) == "application/problem+json"
