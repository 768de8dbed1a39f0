"""C20, C22, C23: the OpenAPI document, its Swagger UI, and fuzzing the service against it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis.core.failures import FailureGroup

from apigen import smoke
from tests.contract.client import Client, anonymous, expect, media_type, show, sign_in
from tests.contract.services import Service
from tests.contract.transcript import operations

pytestmark = [pytest.mark.contract, pytest.mark.slow]

# Examples per operation and generation mode (positive, negative): enough to find the usual
# crashes and mismatches, few enough for CI.
MAX_EXAMPLES = 25
# Basic authentication checks the password on every request, at the cost of a deliberately
# slow hash (a quarter of a second here): the full depth takes minutes per combination. The
# same operations are fuzzed at full depth on the same framework and database with the
# other schemes, so basic gets fewer examples.
MAX_EXAMPLES_BASIC = 8
# gunicorn answers request lines longer than this itself (414, an HTML page), before any
# service code runs; the contract is about the service, so fuzzing stays below it.
REQUEST_LINE_LIMIT = 4094
# Should an encoded line still pass it, gunicorn's own 414 page is not the service's answer.
URI_TOO_LONG = 414
ITEM_OPERATIONS = {
    ("/api/v1/items/", "get"),
    ("/api/v1/items/", "post"),
    ("/api/v1/items/{}/", "get"),
    ("/api/v1/items/{}/", "put"),
    ("/api/v1/items/{}/", "patch"),
    ("/api/v1/items/{}/", "delete"),
}


def fetch_schema(service: Service) -> dict[str, Any]:
    with anonymous(service) as client:
        answer = expect(client.get("/api/schema/"), 200, "C20")
    assert media_type(answer) in {"application/json", "application/vnd.oai.openapi+json"}, (
        f"[C20] the document is JSON when the client accepts JSON: {show(answer)}"
    )
    document: dict[str, Any] = answer.json()
    return document


def test_c20_schema_is_valid_openapi_3(service: Service) -> None:
    document = fetch_schema(service)
    assert str(document.get("openapi", "")).startswith("3."), (
        f"[C20] OpenAPI 3: {document.get('openapi')!r}"
    )
    try:
        validate(document)
    except Exception as exc:  # the validator's own error names the place
        pytest.fail(f"[C20] the OpenAPI document is not valid: {exc}")
    missing = ITEM_OPERATIONS - operations(document)
    assert not missing, f"[C20] the document does not describe {sorted(missing)}"
    both = {"application/json", "application/xml"}
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue  # the probes answer JSON only (C52)
        for method, operation in item.items():
            bodies = [operation.get("requestBody", {}).get("content")] + [
                answer.get("content")
                for status, answer in operation.get("responses", {}).items()
                if str(status).startswith("2")
            ]
            for content in filter(None, bodies):
                assert both <= set(content), (
                    f"[C20] {method.upper()} {path} lists {sorted(content)}, not XML beside JSON"
                )


def test_c23_swagger_ui_works_offline(service: Service) -> None:
    with anonymous(service) as client:
        answer = expect(client.get("/api/docs/", headers={"Accept": "text/html"}), 200, "C23")
        assert media_type(answer) == "text/html", f"[C23] Swagger UI is a page: {show(answer)}"
        page = answer.text
        assert "swagger" in page.lower(), "[C23] the page is Swagger UI"
        assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#]+)["']""", page)
        assert any(a.endswith(".js") or "js" in a for a in assets), f"[C23] no scripts: {assets}"
        base = f"https://{service.host}/api/docs/"
        for asset in assets:
            url = urljoin(base, asset)
            parts = urlsplit(url)
            assert parts.netloc == service.host, (
                f"[C23] Swagger UI loads {asset!r} from elsewhere: it must work offline"
            )
            if parts.path.endswith((".js", ".css")):
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                expect(client.get(path, headers={"Accept": "*/*"}), 200, f"C23 ({path})")


def _credentials(service: Service) -> tuple[dict[str, str], dict[str, str], Client]:
    """The headers and the session cookies that make a request come from alice."""
    client = sign_in(service, "alice")
    return {"X-Forwarded-Proto": "https", **client.headers}, dict(client.cookies), client


def fuzz(
    document: dict[str, Any],
    base_url: str,
    headers: dict[str, str],
    cookies: dict[str, str] | None = None,
    examples: int = MAX_EXAMPLES,
    excluded: tuple[Any, ...] = (),
) -> list[str]:
    """Run schemathesis' default checks (but ``excluded``) on every operation; the failures.

    Session cookies go into each case rather than a fixed header: a negative case that leaves
    out a required cookie must reach the service without it.
    """
    schema = schemathesis.openapi.from_dict(document)
    problems: list[str] = []
    for result in schema.get_all_operations():
        try:
            operation = result.ok()
        except Exception as exc:  # an operation schemathesis cannot read is a finding
            problems.append(f"an operation cannot be tested: {exc}")
            continue
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            run = _hypothesis_test(
                operation, mode, base_url, headers, cookies or {}, examples, excluded
            )
            try:
                run()
            except Unsatisfiable:
                continue  # nothing to generate (no parameters to make invalid)
            except (Exception, BaseExceptionGroup) as exc:
                problems.append(f"{operation.label} [{mode.value}]: {describe(exc)}")
    return problems


def _hypothesis_test(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    base_url: str,
    headers: dict[str, str],
    cookies: dict[str, str],
    examples: int,
    excluded: tuple[Any, ...],
) -> Any:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        query = urlencode(case.query or {}, doseq=True)
        assume(len(f"{case.method} {case.formatted_path}?{query} HTTP/1.1") < REQUEST_LINE_LIMIT)
        if cookies:
            present = case.cookies or {}
            if mode.is_positive or any(name in present for name in cookies):
                case.cookies = {**present, **cookies}
        response = case.call(base_url=base_url, headers=headers)
        if response.status_code == URI_TOO_LONG:
            return
        skipped = list(excluded)
        if mode.is_positive and refused_by_state(response):
            skipped.append(schemathesis.checks.positive_data_acceptance)
        if _added(case.path):
            skipped += [
                schemathesis.checks.negative_data_rejection,
                schemathesis.checks.positive_data_acceptance,
            ]
        if case.media_type == "application/xml":
            # Generated data does not survive the trip to XML: every value becomes text (a
            # number where a string belongs reads as a valid string, C53) and a member whose
            # name is no XML name (`]5`) is lost. So an XML body is not held to being accepted
            # or refused as its JSON twin would be; it must still never fail the server (C22).
            skipped += [
                schemathesis.checks.negative_data_rejection,
                schemathesis.checks.positive_data_acceptance,
            ]
        case.validate_response(
            response,
            excluded_checks=skipped,
            transport_kwargs={"base_url": base_url, "headers": dict(headers)},
        )

    return run


ADDED_PATHS = tuple(f"/api/v1/{name}/" for name, _ in smoke.ADDED_RESOURCES)


# What a service answers for data its schema allows but its state refuses (R2, R4, R7): a
# value another object holds, a reference to an object that does not exist. A document cannot
# say which values are taken or which objects exist.
STATE_REFUSALS = ("already exists", "Invalid hyperlink", "Select a valid choice")


def _added(path: str) -> bool:
    """Whether ``path`` is an added resource's (test_resources.py: smoke's authors and books).

    Their requests are not held to being accepted or refused as the document says: a
    reference must name an object that exists and unique values must be free, which no
    document can say, and an empty filter is ignored on DRF (django-filter) where its enum
    does not list it. Every other check holds: no server error, every answer as documented.
    """
    return path.startswith(ADDED_PATHS)


def refused_by_state(response: Any) -> bool:
    """Whether ``response`` is a 400 that names only fields refused for the service's state."""
    if response.status_code != 400:
        return False
    try:
        errors = response.json().get("errors")
    except ValueError:
        return False
    if not isinstance(errors, dict) or not errors:
        return False
    messages = [m for ms in errors.values() for m in (ms if isinstance(ms, list) else [ms])]
    return all(any(s in str(m) for s in STATE_REFUSALS) for m in messages)


def describe(exc: BaseException) -> str:
    """A failure and, for a group, each failure in it."""
    if isinstance(exc, FailureGroup):
        return str(exc)  # schemathesis' report: each check, the answer, a curl to reproduce
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}".strip()


def test_c22_fuzzing_finds_nothing(service: Service) -> None:
    document = fetch_schema(service)
    headers, cookies, client = _credentials(service)
    with client:
        examples = MAX_EXAMPLES_BASIC if service.auth == "basic" else MAX_EXAMPLES
        # A trusted proxy may name anyone (users are created on first sight): under
        # remote-user there are no invalid credentials to refuse; C64 tests the spoofing.
        excluded = (schemathesis.checks.ignored_auth,) if service.auth == "remote-user" else ()
        problems = fuzz(document, service.base_url, headers, cookies, examples, excluded)
    assert not problems, f"[C22] schemathesis on {service.id}:\n" + "\n\n".join(problems)
