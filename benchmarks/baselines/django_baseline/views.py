"""Plain Django views answering the same JSON as the generated service."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse

from django_baseline.models import Item

FIELDS = ("id", "name", "description", "price", "in_stock", "created_at", "updated_at")
PAGE_SIZE = 20


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _with_url(request: HttpRequest, row: dict) -> dict:
    url = request.build_absolute_uri(reverse("item-detail", args=[row["id"]]))
    return {"id": row["id"], "url": url, **row}


def item_list(request: HttpRequest) -> JsonResponse:
    paginator = Paginator(Item.objects.order_by("id").values(*FIELDS), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage as exc:
        raise Http404("Invalid page.") from exc
    base = request.build_absolute_uri(reverse("item-list"))
    previous = None
    if page.has_previous():
        number = page.previous_page_number()
        previous = base if number == 1 else f"{base}?page={number}"
    return JsonResponse(
        {
            "count": paginator.count,
            "next": f"{base}?page={page.next_page_number()}" if page.has_next() else None,
            "previous": previous,
            "results": [_with_url(request, row) for row in page.object_list],
        }
    )


def item_detail(request: HttpRequest, pk: int) -> JsonResponse:
    row = Item.objects.values(*FIELDS).filter(pk=pk).first()
    if row is None:
        raise Http404("No Item matches the given query.")
    return JsonResponse(_with_url(request, row))
