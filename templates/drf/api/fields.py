"""Fields whose OpenAPI description states exactly what they accept.

DRF refuses null characters in text and text that is only whitespace where text is required;
the patterns say so, so that clients (and API fuzzers) can trust the document.
"""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


class StringField(serializers.CharField):
    """Text that must be sent as a string: DRF's CharField would turn 12 into "12"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "minLength": 1, "pattern": NOT_BLANK})
class TextField(StringField):
    """Required text: not empty, not only whitespace."""


@extend_schema_field({"type": "string", "format": "password", "pattern": r"^[^\x00]+$"})
class PasswordField(StringField):
    """A password, taken as it is (whitespace included)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, style={"input_type": "password"}, **kwargs)


class LengthAsSentField(StringField):
    """Text whose length is counted as sent: DRF trims whitespace before its own check."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 100, "pattern": NOT_BLANK})
class NameField(LengthAsSentField):
    """1 to 100 characters, not all of them whitespace."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=100, **kwargs)


# "not" rather than "pattern": drf-spectacular turns a pattern on a field that may be blank
# into a "oneOf" that the empty default matches twice.
@extend_schema_field({"type": "string", "maxLength": 2000, "not": {"pattern": r"\x00"}})
class DescriptionField(LengthAsSentField):
    """Up to 2000 characters, empty by default."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=2000, allow_blank=True, default="", **kwargs)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d{1,8}(\.\d{1,2})?$", "example": "9.99"}
)
class PriceField(serializers.DecimalField):
    """A decimal string with 2 places, from "0.00" to "99999999.99"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=10, decimal_places=2, min_value=Decimal("0.00"), **kwargs)
