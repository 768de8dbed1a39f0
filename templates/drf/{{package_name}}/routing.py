"""URL helpers: every path is served with and without its trailing slash, without redirects."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, path


def optional_slash(route: str, view: Callable[..., Any], name: str) -> list[URLPattern]:
    """Serve `route/` and `route`; the name reverses to the slashed form the service writes."""
    return [path(f"{route}/", view, name=name), path(route, view)]
