"""Pagination with DRF's envelope (count, next, previous, results), flat in cost at any size.

``?page=`` reaches a page by its number (the rows before it are skipped: OFFSET, whose cost
grows with the number). The ``next`` and ``previous`` links carry a ``?cursor=`` instead: the
ordering value and id of the row the page starts after (or before), so that following them
costs the same on every page. ``count`` is exact up to ``COUNT_LIMIT`` matches and ``null``
above: counting stops there instead of reading every row on every request. A numbered page
that reaches the last match (a search's single page, say) tells the count without counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from flask import request, url_for
from werkzeug.exceptions import NotFound

from .cursor import Cursor

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
COUNT_LIMIT = 10_000
# The largest OFFSET every database takes (a signed 64-bit integer).
MAX_OFFSET = 2**63 - 1


class Listing(Protocol):
    """What can be paginated: a query of the data layer, in one ordering (``-`` descending)."""

    ordering: str

    def count(self, limit: int) -> int:
        """How many rows match, counting no further than ``limit``."""

    def fetch(self, offset: int, limit: int) -> list[Any]:
        """Up to ``limit`` rows, skipping the first ``offset``."""

    def fetch_beyond(
        self, value: str | None, row_id: int, *, reverse: bool, limit: int
    ) -> list[Any]:
        """Up to ``limit`` rows after this position (before it, nearest first, if reversed).

        ``value`` is the ordering's value as text (``None`` when ordering by id); one that is
        not a value of that field raises ``ValueError``, ``TypeError`` or ``ArithmeticError``.
        """


def cursor_at(listing: Listing, row: Any, *, reverse: bool) -> Cursor:
    """The cursor of the page after ``row`` (before it, reversed)."""
    name = listing.ordering.lstrip("-")
    value = None if name == "id" else str(getattr(row, name))
    return Cursor(listing.ordering, value, row.id, reverse)


@dataclass
class Page:
    """One page of results and the links to its neighbours."""

    count: int | None
    next: str | None
    previous: str | None
    results: list[Any]


def _link(cursor: Cursor | None = None) -> str:
    """This request's URL (slashed, absolute) without its page, at ``cursor`` if given."""
    params = {key: values for key, values in request.args.lists() if key not in ("page", "cursor")}
    if cursor is not None:
        params["cursor"] = [cursor.encode()]
    base = url_for(str(request.endpoint), _external=True, **(request.view_args or {}))
    query = urlencode(sorted(params.items()), doseq=True)
    return f"{base}?{query}" if query else base


def paginate(
    listing: Listing, page: int | None, page_size: int | None, cursor: str | None = None
) -> Page:
    """Fetch one page of ``listing``: at ``cursor`` if given, else by number (default 1).

    A page that does not exist is a 404, and so is a cursor this service did not write.
    """
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    counted: int | None = None
    previous: str | None = None
    if cursor is not None:
        try:
            position = Cursor.decode(cursor)
            if position.ordering != listing.ordering:
                raise ValueError(cursor)
            rows = listing.fetch_beyond(
                position.value, position.id, reverse=position.reverse, limit=size + 1
            )
        except (ValueError, TypeError, ArithmeticError):
            raise NotFound("Invalid cursor.") from None
        more = len(rows) > size
        rows = rows[:size]
        if position.reverse:
            rows.reverse()
        has_previous, has_next = (more, True) if position.reverse else (True, more)
    else:
        offset = (page - 1) * size if page is not None and page > 0 else -1
        # Past any offset a database can skip, there is nothing to fetch.
        rows = listing.fetch(offset, size + 1) if 0 <= offset < MAX_OFFSET else []
        if page != 1 and not rows:
            raise NotFound("Invalid page.")
        has_previous, has_next = page != 1, len(rows) > size
        if not has_next:  # short of its ``size + 1`` rows, the page ends with the last match
            counted = offset + len(rows)
        rows = rows[:size]
        # Page 2's previous page is page 1 itself, whose link carries no cursor.
        if page == 2:
            previous = _link()
    if counted is None:
        counted = listing.count(COUNT_LIMIT + 1)
    if previous is None and has_previous and rows:
        previous = _link(cursor_at(listing, rows[0], reverse=True))
    return Page(
        count=counted if counted <= COUNT_LIMIT else None,
        next=_link(cursor_at(listing, rows[-1], reverse=False)) if has_next and rows else None,
        previous=previous,
        results=rows,
    )
