"""Building blocks tested on their own: the exception handler, the renderer, the model."""

from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.db.models import Model, ProtectedError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.exceptions import problem_exception_handler
from api.models import Item
from api.renderers import ORJSONRenderer
from api.serializers import ItemSerializer


def handled(exc: Exception) -> HttpResponse | None:
    return problem_exception_handler(exc, {"request": APIRequestFactory().get("/")})


def problem_of(exc: Exception) -> dict[str, object]:
    response = handled(exc)
    assert response is not None
    assert response["Content-Type"] == "application/problem+json"
    return dict(orjson.loads(response.content))


class TestExceptionHandler:
    def test_validation_errors_outside_fields_are_non_field_errors(self) -> None:
        problem = problem_of(exceptions.ValidationError(["Bad combination."]))

        assert problem["errors"] == {"non_field_errors": ["Bad combination."]}

    def test_nested_validation_errors_name_the_inner_field(self) -> None:
        problem = problem_of(exceptions.ValidationError({"size": {"width": ["Too wide."]}}))

        assert problem["errors"] == {"size": ["width: Too wide."]}

    def test_the_challenge_of_the_scheme_is_sent(self) -> None:
        exc = exceptions.NotAuthenticated()
        exc.auth_header = 'Basic realm="api"'  # type: ignore[attr-defined]

        response = handled(exc)

        assert response is not None
        assert response["WWW-Authenticate"] == 'Basic realm="api"'

    @pytest.mark.parametrize(
        ("detail", "message"),
        [
            ({"detail": "Token expired.", "code": "token_not_valid"}, "Token expired."),
            (["First.", "Second."], "First. Second."),
        ],
    )
    def test_structured_details_become_one_message(self, detail: Any, message: str) -> None:
        assert problem_of(exceptions.APIException(detail))["detail"] == message

    def test_a_delete_refused_for_references_is_a_conflict(self) -> None:
        referring: set[Model] = {Item(pk=1, name="Widget"), Item(pk=2, name="Gadget")}

        problem = problem_of(ProtectedError("Referenced.", referring))

        assert problem["status"] == 409
        assert problem["detail"] == (
            "Other objects refer to it (items): delete or change them first."
        )

    def test_other_exceptions_are_left_to_django(self) -> None:
        assert handled(RuntimeError("boom")) is None


class TestRenderer:
    def test_lazy_strings_and_decimals_are_rendered(self) -> None:
        data = {"message": gettext_lazy("Not found."), "price": Decimal("1.50")}

        assert orjson.loads(ORJSONRenderer().render(data)) == {
            "message": "Not found.",
            "price": "1.50",
        }

    def test_indent_is_honoured(self) -> None:
        assert b"\n  " in ORJSONRenderer().render({"a": 1}, "application/json; indent=4")

    def test_unknown_types_are_refused(self) -> None:
        with pytest.raises(TypeError):
            ORJSONRenderer().render({"value": object()})


def test_an_item_reads_as_its_name() -> None:
    assert str(Item(name="Widget")) == "Widget"


@pytest.mark.django_db
@pytest.mark.parametrize("microsecond", [0, 123456])
def test_written_out_item_output_equals_the_declared_fields(item: Item, microsecond: int) -> None:
    Item.objects.filter(pk=item.pk).update(
        created_at=item.created_at.replace(microsecond=microsecond),
        price=Decimal("1234.50"),
    )
    item.refresh_from_db()
    request = Request(APIRequestFactory().get("/api/v1/items/", secure=True))
    serializer = ItemSerializer(item, context={"request": request})

    declared = super(ItemSerializer, serializer).to_representation(item)

    assert serializer.data == declared
