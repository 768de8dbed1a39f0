from typing import Any

from django.urls import URLPattern, URLResolver, re_path
from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Serve every route with and without its trailing slash, without redirects.

    The named routes are the slashed ones, so `reverse()` (and every URL the API writes)
    uses the trailing slash.
    """

    def get_urls(self) -> list[Any]:
        urls: list[URLPattern | URLResolver] = super().get_urls()
        slashless = [
            re_path(url.pattern.regex.pattern.replace("/$", "$"), url.callback)
            for url in urls
            if isinstance(url, URLPattern)
        ]
        return [*urls, *slashless]
