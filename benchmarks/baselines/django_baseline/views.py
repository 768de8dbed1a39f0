"""Plain Django views answering the same JSON as the generated service."""

import json
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from django_baseline.models import ApiToken, Item

FIELDS = ("id", "name", "description", "price", "in_stock", "created_at", "updated_at")
PAGE_SIZE = 20
ORDERINGS = {"name", "price", "created_at"}


class ItemForm(ModelForm):
    class Meta:
        model = Item
        fields = ("name", "description", "price", "in_stock")


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _with_url(request: HttpRequest, row: dict) -> dict:
    url = request.build_absolute_uri(reverse("item-detail", args=[row["id"]]))
    return {"id": row["id"], "url": url, **row}


def _unauthorized() -> JsonResponse:
    return JsonResponse({"detail": "Invalid credentials."}, status=401)


def _signed_in(request: HttpRequest) -> bool | None:
    """Whose ``Authorization: Token`` or ``Bearer`` this is: True, None (none given), False."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Token":
        token = ApiToken.objects.select_related("user").filter(key=credential).first()
        user = token.user if token is not None else None
    elif scheme == "Bearer":
        try:
            claims = jwt.decode(credential, settings.SECRET_KEY, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        user = get_user_model().objects.filter(pk=claims["sub"]).first()
    else:
        return None
    if user is None or not user.is_active:
        return False
    request.user = user
    return True


@csrf_exempt
def item_list(request: HttpRequest) -> HttpResponse:
    if _signed_in(request) is False:
        return _unauthorized()
    if request.method == "POST":
        return item_create(request)
    items = Item.objects.all()
    if search := request.GET.get("search"):
        items = items.filter(Q(name__icontains=search) | Q(description__icontains=search))
    ordering = request.GET.get("ordering", "id")
    if ordering.lstrip("-") in ORDERINGS:
        items = items.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    else:
        items = items.order_by("id")
    paginator = Paginator(items.values(*FIELDS), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage as exc:
        raise Http404("Invalid page.") from exc
    base = request.build_absolute_uri(reverse("item-list"))
    query = request.GET.copy()
    query.pop("page", None)

    def link(number: int) -> str:
        if number > 1:
            query["page"] = str(number)
        else:
            query.pop("page", None)
        return f"{base}?{query.urlencode()}" if query else base

    return JsonResponse(
        {
            "count": paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [_with_url(request, row) for row in page.object_list],
        }
    )


def item_create(request: HttpRequest) -> JsonResponse:
    if request.content_type != "application/json":
        return JsonResponse({"detail": "Send JSON."}, status=415)
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "Malformed JSON."}, status=400)
    form = ItemForm(data)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    item = form.save()
    row = Item.objects.values(*FIELDS).get(pk=item.pk)
    return JsonResponse(_with_url(request, row), status=201)


def item_detail(request: HttpRequest, pk: int) -> JsonResponse:
    row = Item.objects.values(*FIELDS).filter(pk=pk).first()
    if row is None:
        raise Http404("No Item matches the given query.")
    return JsonResponse(_with_url(request, row))


@csrf_exempt
def sign_in(request: HttpRequest, kind: str) -> JsonResponse:
    """``POST {"username", "password"}``: an opaque token (``token``) or a JWT (``jwt``)."""
    data = json.loads(request.body)
    user = authenticate(request, username=data.get("username"), password=data.get("password"))
    if user is None:
        return _unauthorized()
    if kind == "token":
        token, _ = ApiToken.objects.get_or_create(
            user=user, defaults={"key": secrets.token_hex(20)}
        )
        return JsonResponse({"token": token.key})
    expires = datetime.now(UTC) + timedelta(minutes=5)
    access = jwt.encode({"sub": str(user.pk), "exp": expires}, settings.SECRET_KEY, "HS256")
    return JsonResponse({"access": access})
