"""XML documents that mirror the JSON ones, and a parser that reads data and nothing else.

The form is djangorestframework-xml's: the document element is `<root>`, an object's members
are child elements named after them, list entries are `<list-item>` elements. `null` is an
empty element and booleans are `true` and `false`. Problem details (RFC 9457, appendix B) are
a `<problem>` in the `urn:ietf:rfc:7807` namespace, whose list entries are `<i>` elements.

Parsing goes through defusedxml with DTDs forbidden: external entities, entity expansion
("billion laughs") and anything else a DTD could ask for are refused before they are read.
"""

import re
from collections.abc import Mapping
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
ROOT = "root"
LIST_ITEM = "list-item"
PROBLEM_NAMESPACE = "urn:ietf:rfc:7807"
# Nesting deeper than any document of the API describes is refused, not recursed into.
MAX_DEPTH = 32

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Characters XML 1.0 cannot carry, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class XMLParseError(ValueError):
    """The body is not well-formed XML, declares a DTD, or nests too deeply."""


def dumps(data: Any, *, root: str = ROOT, item: str = LIST_ITEM, namespace: str = "") -> bytes:
    """`data` (what the JSON answer holds) as an XML document, UTF-8 encoded.

    Characters XML cannot carry are written as U+FFFD, the replacement character.
    """
    parts = [DECLARATION, f'<{root} xmlns="{namespace}">' if namespace else f"<{root}>"]
    _write(parts, data, item)
    parts.append(f"</{root}>")
    return "".join(parts).encode()


def problem_dumps(problem: Mapping[str, Any]) -> bytes:
    """Problem details as RFC 9457's XML form."""
    return dumps(problem, root="problem", item="i", namespace=PROBLEM_NAMESPACE)


def _write(parts: list[str], value: Any, item: str) -> None:
    if isinstance(value, Mapping):
        for key, member in value.items():
            if not _NAME.fullmatch(key):
                raise ValueError(f"{key!r} is not an XML element name")
            parts.append(f"<{key}>")
            _write(parts, member, item)
            parts.append(f"</{key}>")
    elif isinstance(value, list | tuple):
        for entry in value:
            parts.append(f"<{item}>")
            _write(parts, entry, item)
            parts.append(f"</{item}>")
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif value is not None:
        parts.append(_NOT_XML.sub("\ufffd", str(value)).translate(_ESCAPES))


def loads(raw: bytes) -> Any:
    """The data of an XML document of the form `dumps` writes; an empty `<root/>` is `{}`.

    Any document element is read as the root. Text is kept as sent: every value is a string
    (an empty element is `""`), which the API's validation reads as it reads JSON strings.

    Raises:
        XMLParseError: the document is malformed, has a DTD or nests too deeply.
    """
    try:
        root = fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as error:
        raise XMLParseError(str(error)) from None
    if len(root) == 0 and not (root.text or "").strip():
        return {}
    return _value(root, MAX_DEPTH)


def _value(element: Any, depth: int) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    if depth == 0:
        raise XMLParseError(f"elements nest more than {MAX_DEPTH} deep")
    if all(child.tag == LIST_ITEM for child in children):
        return [_value(child, depth - 1) for child in children]
    return {child.tag: _value(child, depth - 1) for child in children}
