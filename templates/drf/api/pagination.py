"""Page-number pagination with the `{count, next, previous, results}` envelope."""

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

if TYPE_CHECKING:
    from rest_framework.views import APIView


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` from 1 and `?page_size=` (default 20, at most 100).

    Out-of-range or malformed pages are 404 (DRF's rule). Page links are absolute and use
    the trailing-slash form of the path, whichever form the client requested.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_url = ""

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: "APIView | None" = None
    ) -> list[Any] | None:
        path = request.path if request.path.endswith("/") else f"{request.path}/"
        query = request.META.get("QUERY_STRING", "")
        self.page_url = request.build_absolute_uri(f"{path}?{query}" if query else path)
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        # Only a number names a page: an empty `page=` and DRF's `page=last` are 404s too.
        return request.query_params.get(self.page_query_param, 1)

    def get_next_link(self) -> str | None:
        if self.page is None or not self.page.has_next():
            return None
        return replace_query_param(
            self.page_url, self.page_query_param, self.page.next_page_number()
        )

    def get_previous_link(self) -> str | None:
        if self.page is None or not self.page.has_previous():
            return None
        page_number = self.page.previous_page_number()
        if page_number == 1:
            return remove_query_param(self.page_url, self.page_query_param)
        return replace_query_param(self.page_url, self.page_query_param, page_number)
