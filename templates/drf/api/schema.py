"""drf-spectacular hooks."""

from typing import Any

Endpoint = tuple[str, str, str, Any]


def slashed_endpoints_only(endpoints: list[Endpoint], **kwargs: Any) -> list[Endpoint]:
    """Document each path once, in the trailing-slash form the service writes."""
    return [endpoint for endpoint in endpoints if endpoint[0].endswith("/")]
