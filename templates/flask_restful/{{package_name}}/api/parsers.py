"""Request parsing for the whole API: every ``reqparse`` argument lives in this module.

Flask-RESTful documents ``reqparse`` as slated for removal. Keeping it behind the
functions at the bottom of this module means that replacing it (with marshmallow or
pydantic, say) touches this file alone; ``openapi.py`` reads the same parsers to
describe the request bodies and query parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, request
from flask_restful import inputs, reqparse
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from ..problems import ValidationError

ORDERINGS = ("name", "price", "created_at")
MAX_PRICE = Decimal("99999999.99")


class Converter:
    """A reqparse ``type``: converts one value, and states what it accepts as a JSON schema."""

    def __init__(self, convert: Callable[[Any], Any], schema: dict[str, Any]) -> None:
        self.convert = convert
        self.schema = schema

    def __call__(self, value: Any) -> Any:
        return self.convert(value)


def text(*, max_length: int, required: bool = False) -> Converter:
    """A string, trimmed, at most ``max_length`` characters (and not blank if required)."""

    def convert(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError("Not a valid string.")
        string = str(value).strip()
        if required and not string:
            raise ValueError("This field may not be blank.")
        if len(string) > max_length:
            raise ValueError(f"Ensure this field has no more than {max_length} characters.")
        return string

    schema: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if required:
        schema["minLength"] = 1
    return Converter(convert, schema)


def _price(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("A valid number is required.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("A valid number is required.") from None
    if not number.is_finite():
        raise ValueError("A valid number is required.")
    if -number.as_tuple().exponent > 2:  # type: ignore[operator]
        raise ValueError("Ensure that there are no more than 2 decimal places.")
    if number < 0:
        raise ValueError("Ensure this value is greater than or equal to 0.")
    if number > MAX_PRICE:
        raise ValueError(f"Ensure this value is less than or equal to {MAX_PRICE}.")
    return number.quantize(Decimal("0.01"))


def _boolean(value: Any) -> bool:
    try:
        return bool(inputs.boolean(value))
    except (TypeError, ValueError, AttributeError):
        raise ValueError("Must be a valid boolean.") from None


def lenient(converter: Converter) -> Converter:
    """A query parameter whose unusable value counts as absent: the default applies."""

    def convert(value: Any) -> Any:
        try:
            return converter(value)
        except (TypeError, ValueError):
            return None

    return Converter(convert, converter.schema)


price = Converter(
    _price, {"type": "string", "format": "decimal", "pattern": r"^\d{1,8}(\.\d{1,2})?$"}
)
boolean = Converter(_boolean, {"type": "boolean"})
positive = Converter(inputs.positive, {"type": "integer", "minimum": 1})
ordering = Converter(
    inputs.regex(rf"^-?({'|'.join(ORDERINGS)})$"),
    {"type": "string", "enum": [f"{sign}{field}" for field in ORDERINGS for sign in ("", "-")]},
)


class BodyField(reqparse.Argument):
    """A JSON body member, reported in the API's own words when missing or null."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, location="json", nullable=False, **kwargs)

    def handle_validation_error(self, error: Exception, bundle_errors: bool) -> Any:
        message = str(error)
        if message.startswith("Missing required parameter"):
            message = "This field is required."
        elif message == "Must not be null!":
            message = "This field may not be null."
        return super().handle_validation_error(ValueError(message), bundle_errors)


def body_parser() -> reqparse.RequestParser:
    """A parser of JSON body members that reports every bad field at once."""
    return reqparse.RequestParser(argument_class=BodyField, bundle_errors=True)


item_parser = body_parser()
item_parser.add_argument("name", type=text(max_length=100, required=True), required=True)
item_parser.add_argument("description", type=text(max_length=2000), default="")
item_parser.add_argument("price", type=price, required=True)
item_parser.add_argument("in_stock", type=boolean, default=True)

# PATCH: the same members, all optional, and an omitted one is left alone.
item_patch_parser = item_parser.copy()
for _argument in item_patch_parser.args:
    _argument.required = False
    _argument.store_missing = False

item_query_parser = reqparse.RequestParser()
item_query_parser.add_argument("page", type=lenient(positive), location="args", default=1)
item_query_parser.add_argument("page_size", type=lenient(positive), location="args")
item_query_parser.add_argument("search", type=str, location="args", default="")
item_query_parser.add_argument("ordering", type=lenient(ordering), location="args")
item_query_parser.add_argument("in_stock", type=lenient(boolean), location="args")


@dataclass
class _JSONBody:
    """What reqparse reads ``location="json"`` arguments from."""

    json: dict[str, Any]


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``."""
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    if not raw:
        return {}
    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        body = current_app.json.loads(raw)
    except ValueError as error:
        raise BadRequest(f"JSON parse error - {error}") from None
    if not isinstance(body, dict):
        kind = type(body).__name__
        raise ValidationError(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
        )
    return body


def parse_body(parser: reqparse.RequestParser) -> dict[str, Any]:
    """Parse the JSON body with ``parser``; bad members raise one ``ValidationError``."""
    try:
        parsed = parser.parse_args(req=_JSONBody(json_body()))
    except HTTPException as error:
        messages = getattr(error, "data", {}).get("message")
        if not isinstance(messages, dict):
            raise
        raise ValidationError({field: [message] for field, message in messages.items()}) from None
    return dict(parsed)


def parse_query(parser: reqparse.RequestParser) -> dict[str, Any]:
    """Parse the query string with ``parser``."""
    return dict(parser.parse_args())
