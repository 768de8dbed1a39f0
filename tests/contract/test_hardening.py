"""C42, C43, C46-C49, C51: throttling, security headers, request ids, CORS, settings."""

from __future__ import annotations

import re
import subprocess
import time
import uuid

import httpx
import pytest

from apigen import smoke
from tests.contract.client import (
    Client,
    anonymous,
    expect,
    expect_problem,
    media_type,
    show,
    sign_in,
)
from tests.contract.services import CORS_ORIGIN, THROTTLE_RATE, Pool, Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]


# -- throttling ---------------------------------------------------------------------------------


def _until_throttled(client: Client, budget: int, line: str) -> list[httpx.Response]:
    answers = []
    for _ in range(budget):
        answers.append(client.get("/api/v1/items/"))
        if answers[-1].status_code == 429:
            break
    for answer in answers[:-1]:
        expect(answer, 200, line)
        assert "retry-after" not in answer.headers, (
            f"[C42] Retry-After only on 429 answers: {show(answer)} {dict(answer.headers)}"
        )
    return answers


def _check_429(answers: list[httpx.Response], budget: int, service: Service, line: str) -> None:
    last = answers[-1]
    where = "shared in Redis" if service.redis else "per worker, 2 workers"
    assert last.status_code == 429, (
        f"[{line}] {budget} requests at {THROTTLE_RATE}/minute ({where}) gave no 429: "
        f"{[a.status_code for a in answers]}"
    )
    expect_problem(last, 429, line)
    retry_after = last.headers.get("retry-after", "")
    assert re.fullmatch(r"\d+", retry_after), (
        f"[C42] a 429 carries Retry-After in whole seconds: {retry_after!r}"
    )
    assert 0 < int(retry_after) <= 60, f"[C42] Retry-After {retry_after} for a rate per minute"


def _budget(service: Service) -> int:
    # Redis: one counter for both workers. Memory: one per worker (C43).
    return THROTTLE_RATE + 1 if service.redis else 2 * THROTTLE_RATE + 1


def test_c42_c43_signed_in_users_are_throttled(throttled: Service) -> None:
    if throttled.auth == "none":
        pytest.skip("auth=none: there are no signed-in users")
    with sign_in(throttled, "bob") as client:
        answers = _until_throttled(client, _budget(throttled), "C42/C43 (user rate)")
    _check_429(answers, _budget(throttled), throttled, "C42/C43 (user rate)")


def test_c42_c43_anonymous_clients_are_throttled(throttled: Service) -> None:
    with anonymous(throttled) as client:
        answers = _until_throttled(client, _budget(throttled), "C42/C43 (anonymous rate)")
    if not throttled.redis and throttled.auth in {"none", "basic"}:
        # Nothing else has reached this instance: the first requests pass.
        assert len(answers) > 1, "[C42] the first request is within the rate"
    _check_429(answers, _budget(throttled), throttled, "C42/C43 (anonymous rate)")


def test_c42_no_retry_after_on_other_answers(anon: Client) -> None:
    for answer in (anon.get("/api/v1/items/"), anon.get("/health"), anon.get("/no-such-path")):
        assert "retry-after" not in answer.headers, f"[C42] Retry-After only on 429: {show(answer)}"


# -- security headers -----------------------------------------------------------------------


def _security_headers(answer: httpx.Response, *, https: bool) -> None:
    headers = answer.headers
    assert headers.get("x-content-type-options") == "nosniff", f"[C46] nosniff: {show(answer)}"
    assert headers.get("x-frame-options", "").upper() == "DENY", (
        f"[C46] X-Frame-Options: {show(answer)}"
    )
    assert headers.get("referrer-policy"), f"[C46] Referrer-Policy: {show(answer)}"
    if https:
        hsts = headers.get("strict-transport-security", "")
        match = re.search(r"max-age=(\d+)", hsts)
        assert match, f"[C46] HSTS behind HTTPS: {show(answer)} {hsts!r}"
        assert int(match.group(1)) > 0, f"[C46] HSTS max-age > 0: {hsts!r}"


def test_c46_security_headers_on_every_answer(anon: Client, alice: Client) -> None:
    answers = [
        anon.get("/health"),
        anon.get("/ready"),
        anon.get("/api/v1/items/"),
        anon.get("/api/schema/"),
        anon.get("/no-such-path"),
        anon.get("/api/v1/items/", params={"page": "999"}),
        alice.post("/api/v1/items/", {"name": ""}),
        alice.delete("/api/v1/items/"),
    ]
    for answer in answers:
        _security_headers(answer, https=True)


def test_c46_security_headers_over_plain_http(service: Service) -> None:
    with anonymous(service, https=False) as client:
        for answer in (client.get("/health"), client.get("/ready")):
            _security_headers(answer, https=False)


# -- request ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_id", ["abc", "A1.b2_c3:d4-e5", "x" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"]
)
def test_c47_a_valid_request_id_is_echoed(anon: Client, request_id: str) -> None:
    for path in ("/health", "/api/v1/items/", "/no-such-path"):
        answer = anon.get(path, headers={"X-Request-ID": request_id})
        assert answer.headers.get("x-request-id") == request_id, (
            f"[C47] {path}: X-Request-ID {request_id!r} echoed, got "
            f"{answer.headers.get('x-request-id')!r}"
        )


@pytest.mark.parametrize(
    "request_id",
    [None, "has space", "x" * 129, "semi;colon", "slash/id", "é"],
    ids=["absent", "space", "too-long", "semicolon", "slash", "non-ascii"],
)
def test_c47_otherwise_a_new_uuid(anon: Client, request_id: str | None) -> None:
    # Sent as bytes: a header value outside ASCII is what a misbehaving client sends.
    headers = {} if request_id is None else {"X-Request-ID": request_id.encode()}
    seen = set()
    for path in ("/health", "/api/v1/items/", "/no-such-path"):
        answer = anon.get(path, headers=headers)
        given = answer.headers.get("x-request-id", "")
        try:
            uuid.UUID(given)
        except ValueError:
            pytest.fail(f"[C47] {path}: X-Request-ID {request_id!r} gives a UUID, got {given!r}")
        assert given != request_id, f"[C47] {request_id!r} should not be echoed"
        seen.add(given)
    assert len(seen) == 3, f"[C47] a new UUID per request: {seen}"


# -- CORS ------------------------------------------------------------------------------------


def _preflight(client: Client, origin: str) -> httpx.Response:
    return client.request(
        "OPTIONS",
        "/api/v1/items/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_c48_the_configured_origin_is_allowed(anon: Client) -> None:
    preflight = _preflight(anon, CORS_ORIGIN)
    assert preflight.status_code in {200, 204}, f"[C48] preflight: {show(preflight)}"
    assert preflight.headers.get("access-control-allow-origin") == CORS_ORIGIN, (
        f"[C48] preflight from {CORS_ORIGIN}: {dict(preflight.headers)}"
    )
    assert "POST" in preflight.headers.get("access-control-allow-methods", "").upper(), (
        f"[C48] preflight allows POST: {dict(preflight.headers)}"
    )
    simple = anon.get("/api/v1/items/", headers={"Origin": CORS_ORIGIN})
    assert simple.headers.get("access-control-allow-origin") == CORS_ORIGIN, (
        f"[C48] GET from {CORS_ORIGIN}: {dict(simple.headers)}"
    )


def test_c48_other_origins_are_not(anon: Client) -> None:
    for origin in ("https://evil.example.com", "https://app.example.com.evil.com", "null"):
        for answer in (
            _preflight(anon, origin),
            anon.get("/api/v1/items/", headers={"Origin": origin}),
        ):
            allowed = answer.headers.get("access-control-allow-origin")
            assert allowed is None, f"[C48] {origin} must not be allowed: {allowed!r}"


def test_c48_no_origin_is_allowed_by_default(unready: Service) -> None:
    with anonymous(unready) as client:
        for origin in (CORS_ORIGIN, f"https://{unready.host}", "https://localhost"):
            for answer in (
                _preflight(client, origin),
                client.get("/health", headers={"Origin": origin}),
            ):
                allowed = answer.headers.get("access-control-allow-origin")
                assert allowed is None, f"[C48] no CORS origin by default, {origin} got {allowed!r}"


# -- settings ---------------------------------------------------------------------------------


def test_c49_production_refuses_to_start_without_secret_key(
    pool: Pool, combination: smoke.Combination, service: Service
) -> None:
    runner = pool.runner(combination)
    port = smoke.free_port()
    log_path = runner.workdir / f"{combination.id}.nosecret.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            runner.command(port),
            cwd=runner.project,
            env=runner.process_env({}, drop=("SECRET_KEY", "ENVIRONMENT")),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    served = None
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                served = httpx.get(
                    f"http://127.0.0.1:{port}/health",
                    headers={"X-Forwarded-Proto": "https"},
                    timeout=2,
                )
                break
            except httpx.HTTPError:
                time.sleep(0.3)
    finally:
        smoke.stop(process)
    assert served is None, (
        f"[C49] with ENVIRONMENT unset (production) and no SECRET_KEY the service answered "
        f"{served.status_code if served else None} instead of refusing to start"
    )


def test_c51_drf_keeps_its_browsable_api(service: Service, anon: Client) -> None:
    if service.framework != "drf":
        pytest.skip("the browsable API is DRF's")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    answer = expect(anon.get("/api/v1/items/", headers={"Accept": browser}), 200, "C51")
    assert media_type(answer) == "text/html", f"[C51] {show(answer)}"
