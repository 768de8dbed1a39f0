"""Page-number pagination with DRF's envelope: count, next, previous, results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from flask import request, url_for
from werkzeug.exceptions import NotFound

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Listing(Protocol):
    """What can be paginated: a query of the data layer, counted and fetched in slices."""

    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int) -> list[Any]: ...


@dataclass
class Page:
    """One page of results and the links to its neighbours."""

    count: int
    next: str | None
    previous: str | None
    results: list[Any]


def _link(page: int) -> str:
    """This request's URL (slashed, absolute) with ``page`` replaced; page 1 drops it."""
    params = {key: values for key, values in request.args.lists() if key != "page"}
    if page > 1:
        params["page"] = [str(page)]
    base = url_for(str(request.endpoint), _external=True, **(request.view_args or {}))
    query = urlencode(sorted(params.items()), doseq=True)
    return f"{base}?{query}" if query else base


def paginate(listing: Listing, page: int | None, page_size: int | None) -> Page:
    """Fetch one page of ``listing``; a page that does not exist is a 404."""
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = listing.count()
    last = max(1, math.ceil(count / size))
    if page is None or not 1 <= page <= last:
        raise NotFound("Invalid page.")
    results = listing.fetch((page - 1) * size, size)
    return Page(
        count=count,
        next=_link(page + 1) if page < last else None,
        previous=_link(page - 1) if page > 1 else None,
        results=results,
    )
