from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters import rest_framework as filters
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.views import APIView

from .models import Item


class ItemFilter(filters.FilterSet):
    """`?in_stock=true|false`; any other value is ignored."""

    class Meta:
        model = Item
        fields = ["in_stock"]


class ItemFilterBackend(filters.DjangoFilterBackend):
    """django-filter builds and validates a form per request: only do so when asked to filter."""

    def filter_queryset(
        self, request: HttpRequest, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        if "in_stock" not in request.GET:
            return queryset
        result: QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return result


class TextSearchFilter(SearchFilter):
    """`?search=`: every word, each in one of the view's `search_fields`.

    No stored text holds a NUL character (writes refuse it), so a term with one matches
    nothing, as on the other framework; DRF's own filter would answer 400.
    """

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        if "\x00" in request.query_params.get(self.search_param, ""):
            return queryset.none()
        result: QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return result


class StableOrderingFilter(OrderingFilter):
    """`?ordering=`, with ties broken by id in the same direction.

    Pages never overlap or skip items, and one index on `(field, id)` serves the ordering
    both ways.
    """

    def get_ordering(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> Sequence[str]:
        ordering = list(super().get_ordering(request, queryset, view) or ["id"])
        if ordering[-1].lstrip("-") == "id":
            return ordering
        return [*ordering, "-id" if ordering[-1].startswith("-") else "id"]
