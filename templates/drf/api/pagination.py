"""Pagination with the `{count, next, previous, results}` envelope, flat in cost at any size.

`?page=` reaches a page by its number (the rows before it are skipped: OFFSET, whose cost
grows with the number). The `next` and `previous` links carry a `?cursor=` instead: the
ordering value and id of the row the page starts after (or before), so that following them
costs the same on every page. `count` is exact up to `COUNT_LIMIT` matches and `null` above:
counting stops there instead of reading every row on every request. A numbered page that
reaches the last match (a search's single page, say) tells the count without counting.
"""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .cursor import Cursor

if TYPE_CHECKING:
    from rest_framework.views import APIView

PAGE_SIZE = 20
COUNT_LIMIT = 10_000


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` from 1, `?page_size=` (default 20, at most 100) and `?cursor=`.

    A page that does not exist is a 404 (DRF's rule), and so is a cursor this service did not
    write. Links are absolute and use the trailing-slash form of the path, whichever form the
    client requested.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"
    count_limit = COUNT_LIMIT

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: "APIView | None" = None
    ) -> list[Any]:
        path = request.path if request.path.endswith("/") else f"{request.path}/"
        query = request.META.get("QUERY_STRING", "")
        self.page_url = remove_query_param(
            request.build_absolute_uri(f"{path}?{query}" if query else path),
            self.page_query_param,
        )
        self.size = self.get_page_size(request) or PAGE_SIZE
        self.ordering = str(queryset.query.order_by[0])
        self.previous_page: str | None = None
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return self.page_by_number(queryset, request.query_params.get(self.page_query_param))
        self.count = self.count_of(queryset)
        try:
            cursor = Cursor.decode(token)
            if cursor.ordering != self.ordering:
                raise ValueError(token)
            queryset = queryset.filter(self.beyond(queryset.model, cursor))
        except (ValueError, ValidationError):
            raise NotFound("Invalid cursor.") from None
        if cursor.reverse:
            rows = self.beyond_rows(queryset.reverse())
            self.has_previous, self.has_next = len(rows) > self.size, True
            self.rows = rows[: self.size][::-1]
        else:
            rows = self.beyond_rows(queryset)
            self.has_previous, self.has_next = True, len(rows) > self.size
            self.rows = rows[: self.size]
        return self.rows

    def beyond_rows(self, queryset: QuerySet[Any]) -> list[Any]:
        """The first `size + 1` rows of a cursor's `queryset`: their ids, then the rows by id.

        The ids alone are a range of one index, whatever the filter. Asked for whole rows of
        `in_stock = 1 AND id > 500000`, MariaDB reads the stock index from the first item in
        stock instead, skipping every entry before the cursor, deeper and deeper.
        """
        ids = list(queryset.values_list("pk", flat=True)[: self.size + 1])
        return list(queryset.filter(pk__in=ids))

    def page_by_number(self, queryset: QuerySet[Any], number: str | None) -> list[Any]:
        """The page of this number (1 when none is asked for)."""
        try:
            page = int("1" if number is None else number)
        except ValueError:
            page = 0
        start = (page - 1) * self.size
        rows = list(queryset[start : start + self.size + 1]) if page >= 1 else []
        if page != 1 and not rows:
            raise NotFound("Invalid page.")
        self.rows = rows[: self.size]
        self.has_previous, self.has_next = page > 1, len(rows) > self.size
        # A page short of its `size + 1` rows ends with the last match: the count is known.
        self.count = self.count_of(queryset, start + len(rows) if not self.has_next else None)
        if page == 2:  # page 1 itself, whose link carries no cursor
            self.previous_page = self.page_url
        return self.rows

    def count_of(self, queryset: QuerySet[Any], known: int | None = None) -> int | None:
        """The number of matches (`known`, or counted up to the limit); None above the limit."""
        if known is None:
            known = queryset.order_by().values("pk")[: self.count_limit + 1].count()
        return known if known <= self.count_limit else None

    def beyond(self, model: type[Model], cursor: Cursor) -> Q:
        """The rows after the cursor in this ordering (before it, reversed)."""
        name = self.ordering.lstrip("-")
        lookup = "lt" if self.ordering.startswith("-") != cursor.reverse else "gt"
        if name == "id":
            return Q(**{f"id__{lookup}": cursor.id})
        value = getattr(model, name).field.to_python(cursor.value)
        # The first condition alone is the index's range; the second skips the ties before.
        return Q(**{f"{name}__{lookup}e": value}) & (
            Q(**{f"{name}__{lookup}": value}) | Q(**{name: value, f"id__{lookup}": cursor.id})
        )

    def link(self, row: Any, *, reverse: bool) -> str:
        """This listing's URL with a cursor at `row`."""
        name = self.ordering.lstrip("-")
        value = None if name == "id" else str(getattr(row, name))
        cursor = Cursor(self.ordering, value, row.pk, reverse)
        return replace_query_param(self.page_url, self.cursor_query_param, cursor.encode())

    def get_next_link(self) -> str | None:
        if not (self.has_next and self.rows):
            return None
        return self.link(self.rows[-1], reverse=False)

    def get_previous_link(self) -> str | None:
        if self.previous_page is not None:
            return remove_query_param(self.previous_page, self.cursor_query_param)
        if not (self.has_previous and self.rows):
            return None
        return self.link(self.rows[0], reverse=True)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": f"Exact up to {COUNT_LIMIT} matches, null above.",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # Documented as free text, as the service reads it: a page size that is not a number
        # from 1 to 100 is ignored (the default, or 100), never refused.
        parameters = [
            {
                **parameter,
                "description": "Objects per page: 1 to 100, default 20.",
                "schema": {"type": "string"},
            }
            if parameter["name"] == self.page_size_query_param
            else parameter
            for parameter in super().get_schema_operation_parameters(view)
        ]
        return [
            *parameters,
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where a page starts: taken from the `next` and `previous` links.",
                "schema": {"type": "string"},
            },
        ]
