"""The `?cursor=` token of the `next` and `previous` links: a position in one ordering.

The ordering value and id of the row a page starts after (or before, reversed), as URL-safe
base64 of a JSON array; a token this service did not write is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import NamedTuple


class Cursor(NamedTuple):
    """Where a page starts: after the row with this ordering value and id (before, reversed)."""

    ordering: str
    value: str | None
    id: int
    reverse: bool

    def encode(self) -> str:
        """The opaque token of `?cursor=`."""
        raw = json.dumps(list(self), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor of a token; a token this service did not write raises `ValueError`."""
        try:
            ordering, value, row_id, reverse = json.loads(
                base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            )
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
            raise ValueError(token) from None
        if not (
            isinstance(ordering, str)
            and isinstance(value, str | None)
            and "\x00" not in (value or "")  # no database takes it in a string
            and type(row_id) is int
            and isinstance(reverse, bool)
        ):
            raise ValueError(token)
        return cls(ordering, value, row_id, reverse)
