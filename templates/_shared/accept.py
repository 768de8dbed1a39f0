"""Content negotiation by the `Accept` header, quality values included (RFC 9110, 12.5.1).

Each offered media type takes the quality of the most specific range that matches it; the
highest quality above 0 wins, then the more specific range, then the order of the offer.
"""

import re
from collections.abc import Sequence

JSON = ("application/json", "application/problem+json")
XML = ("application/xml", "application/problem+xml")
_QUALITY = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")

# (type, subtype, quality), lower case
Range = tuple[str, str, float]


def media_ranges(accept: str) -> list[Range]:
    """The ranges of an `Accept` header; malformed ones are left out."""
    ranges = []
    for part in accept.split(","):
        media_range, *parameters = part.split(";")
        media_range = media_range.strip().lower()
        kind, _, subtype = ("*/*" if media_range == "*" else media_range).partition("/")
        if not kind or not subtype:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                quality = float(value) if _QUALITY.fullmatch(value) else -1.0
        if quality >= 0:
            ranges.append((kind, subtype, quality))
    return ranges


def best_match(accept: str, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers; None if it accepts none of them.

    No `Accept` header, `*/*` and exactly the first offer take the first offer at once.
    """
    if not accept or accept == "*/*" or accept == offered[0]:
        return offered[0]
    ranges = media_ranges(accept)
    best, best_rank = None, (0.0, -1)
    for media_type in offered:
        kind, _, subtype = media_type.partition("/")
        matching = [
            ((k != "*") + (s != "*"), q)
            for k, s, q in ranges
            if k in ("*", kind) and s in ("*", subtype)
        ]
        if not matching:
            continue
        specificity, quality = max(matching)
        if quality > 0 and (quality, specificity) > best_rank:
            best, best_rank = media_type, (quality, specificity)
    return best


def prefers_xml(accept: str) -> bool:
    """Whether a problem is to be XML: the client prefers XML to JSON; JSON by default."""
    return "xml" in accept and best_match(accept, (*JSON, *XML)) in XML
