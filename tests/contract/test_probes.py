"""C1-C3, C32: liveness and readiness probes, and 5xx answers that keep internals to themselves."""

from __future__ import annotations

import pytest

from tests.contract.client import anonymous, expect, expect_problem, media_type, show
from tests.contract.services import Service

pytestmark = [pytest.mark.contract, pytest.mark.slow]

LEAKS = ("Traceback", 'File "', "SELECT ", "INSERT INTO", "SECRET_KEY", "DATABASE_URL")


def test_c1_health_answers_ok(service: Service) -> None:
    with anonymous(service) as client:
        answer = expect(client.get("/health"), 200, "C1")
    assert media_type(answer) == "application/json", f"[C1] {show(answer)}"
    assert answer.json() == {"status": "ok"}, f"[C1] {show(answer)}"


def test_c1_health_touches_no_database(unready: Service) -> None:
    with anonymous(unready) as client:
        answer = expect(client.get("/health"), 200, "C1")
    assert answer.json() == {"status": "ok"}, f"[C1] with the database down: {show(answer)}"


def test_c2_ready_reports_each_check(service: Service) -> None:
    with anonymous(service) as client:
        answer = expect(client.get("/ready"), 200, "C2")
    body = answer.json()
    expected = {"database": "ok", **({"cache": "ok"} if service.redis else {})}
    assert body.get("status") == "ok", f"[C2] {show(answer)}"
    assert body.get("checks") == expected, f"[C2] checks should be {expected}: {show(answer)}"


def test_c3_ready_is_503_when_the_database_is_unreachable(unready: Service) -> None:
    with anonymous(unready) as client:
        answer = client.get("/ready")
    body = expect_problem(answer, 503, "C3")
    checks = body.get("checks")
    assert isinstance(checks, dict), f"[C3] a 503 from /ready lacks `checks`: {body!r}"
    assert checks.get("database") == "error", f"[C3] database check should be 'error': {body!r}"
    assert set(checks.values()) <= {"ok", "error"}, f"[C3] checks are 'ok' or 'error': {body!r}"
    if unready.redis:
        assert checks.get("cache") == "ok", f"[C3] Redis is up, its check should be ok: {body!r}"
    assert_no_leak(answer.text, unready, "C3")


def test_c32_a_5xx_shows_no_traceback_sql_or_setting(unready: Service) -> None:
    with anonymous(unready) as client:
        answers = [
            client.get("/api/v1/items/"),
            client.get("/api/v1/items/1/"),
            client.get("/ready"),
        ]
    failing = [a for a in answers if a.status_code >= 500]
    assert failing, "[C32] with the database down, reading items should fail with a 5xx: " + (
        "; ".join(show(a) for a in answers)
    )
    for answer in failing:
        expect_problem(answer, answer.status_code, "C32")
        assert_no_leak(answer.text, unready, "C32")


def assert_no_leak(text: str, service: Service, line: str) -> None:
    """No traceback, SQL, or setting value in an answer."""
    for leak in (*LEAKS, service.secret_key, *service.env.values()):
        if leak in {"production"} or len(leak) < 4:
            continue
        assert leak not in text, f"[{line}] the answer shows {leak!r}: {text[:800]!r}"
