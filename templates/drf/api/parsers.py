"""Parsers: JSON backed by orjson, and XML read safely (no DTD, no entities)."""

from collections.abc import Mapping
from typing import IO, Any

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from . import xml


class ORJSONParser(BaseParser):
    """Parse `application/json` bodies with orjson; malformed JSON is a 400."""

    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return orjson.loads(stream.read())
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from error


class XMLParser(BaseParser):
    """Parse `application/xml` bodies of the form `api.xml` describes.

    Malformed XML, a DTD (and so any entity declaration) and deep nesting are a 400.
    """

    media_type = "application/xml"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return xml.loads(stream.read())
        except xml.XMLParseError as error:
            raise ParseError(f"XML parse error - {error}") from error
