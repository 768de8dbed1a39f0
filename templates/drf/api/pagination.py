"""Page-number pagination with the `{count, next, previous, results}` envelope."""

from rest_framework import pagination
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` from 1 and `?page_size=` (default 20, at most 100).

    Out-of-range or malformed pages are 404 (DRF's rule). Page links are absolute and use
    the trailing-slash form of the path, whichever form the client requested.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_next_link(self) -> str | None:
        if not self.page.has_next():
            return None
        return replace_query_param(
            self._page_url(), self.page_query_param, self.page.next_page_number()
        )

    def get_previous_link(self) -> str | None:
        if not self.page.has_previous():
            return None
        page_number = self.page.previous_page_number()
        if page_number == 1:
            return remove_query_param(self._page_url(), self.page_query_param)
        return replace_query_param(self._page_url(), self.page_query_param, page_number)

    def _page_url(self) -> str:
        assert self.request is not None  # set by paginate_queryset()
        path = self.request.path
        if not path.endswith("/"):
            path += "/"
        query = self.request.META.get("QUERY_STRING", "")
        return self.request.build_absolute_uri(f"{path}?{query}" if query else path)
