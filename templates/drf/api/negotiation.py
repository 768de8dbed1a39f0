"""Content negotiation that weighs the client's quality values between JSON, XML and HTML.

DRF's own negotiation ranks media ranges by specificity alone: a browser's
`text/html,...,application/xml;q=0.9` would get XML instead of the browsable API, and
`application/json;q=0.1, application/xml` JSON. Requests that name no XML type (most,
JSON clients included) keep DRF's negotiation as it is; an empty `Accept` counts as none, as
on Flask-RESTful: any type, so JSON.
"""

from collections.abc import Iterable

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from .accept import best_match


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with quality values weighed when the client names an XML type."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        accept = request.META.get("HTTP_ACCEPT", "")
        if (accept and "xml" not in accept) or format_suffix:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
            return renderer, media_type
        offered = {renderer.media_type: renderer for renderer in renderers}
        media_type = best_match(accept, list(offered))
        if media_type is None:
            raise NotAcceptable(available_renderers=list(offered.values()))
        return offered[media_type], media_type


class IgnoreClientContentNegotiation(DefaultContentNegotiation):
    """Answer with the view's first renderer, whatever the client accepts (the probes)."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type
