"""Page-number pagination with DRF's envelope: count, next, previous, results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from sqlalchemy import Select, func, select
from werkzeug.exceptions import NotFound

from ..extensions import db

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


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


def paginate(statement: Select[Any], page: int | None, page_size: int | None) -> Page:
    """Run ``statement`` for one page; a page that does not exist is a 404."""
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    last = max(1, math.ceil(count / size))
    if page is None or not 1 <= page <= last:
        raise NotFound("Invalid page.")
    results = list(db.session.scalars(statement.limit(size).offset((page - 1) * size)))
    return Page(
        count=count,
        next=_link(page + 1) if page < last else None,
        previous=_link(page - 1) if page > 1 else None,
        results=results,
    )
