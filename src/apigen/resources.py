"""What ``apigen add resource`` is told: resources, their fields and their references.

A field is written ``name:type[:argument][:modifier...]`` on the command line and in a
domain file alike::

    title:string                     required text, at most 100 characters
    summary:text:optional            long text, may be empty
    pages:integer:min=1:max=5000     bounds
    price:decimal:min=0:places=2     a decimal string, 10 digits of which 2 decimal places
    status:choice:draft/published:default=draft
    author:ref:authors               a hyperlink to an author (many-to-one)
    editor:ref:authors:optional:cascade

Nothing in it needs quoting in a POSIX shell: no braces, commas, spaces or pipes.
A domain file (YAML) maps each resource to its fields, in the same notation::

    authors:
      name: string:max=200
    books:
      title: string
      author: ref:authors

or, to name the singular, ``books: {singular: book, fields: {title: string}}``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from apigen.errors import UsageError

__all__ = [
    "FIELD_TYPES",
    "RESERVED_FIELDS",
    "RESERVED_RESOURCES",
    "RESERVED_SINGULARS",
    "Field",
    "InvalidResourceError",
    "Resource",
    "field_spec",
    "load_file",
    "parse_field",
    "parse_resource",
    "resolve",
]

FIELD_TYPES: dict[str, str] = {
    "string": "text of at most 100 characters (max=N to change)",
    "text": "long text (at most 10000 characters unless max=N)",
    "integer": "a whole number (min=N, max=N)",
    "decimal": "a decimal string (digits=10, places=2, min=N, max=N)",
    "boolean": "true or false",
    "date": "an ISO 8601 date",
    "datetime": "an ISO 8601 date and time with its offset",
    "email": "an email address",
    "url": "an absolute http(s) URL",
    "uuid": "a UUID",
    "choice": "one of its values, choice:a/b/c",
    "ref": "a hyperlink to another resource, ref:<resources>",
}
MODIFIERS = (
    "optional",
    "unique",
    "index",
    "cascade",
    "default=",
    "min=",
    "max=",
    "digits=",
    "places=",
)
# Names every resource has already, or that the service's own output uses.
RESERVED_FIELDS = frozenset(
    {"id", "pk", "url", "owner", "owner_id", "created_at", "updated_at", "objects", "meta"}
)
# Collection names the service's own routes (or its framework) already take.
RESERVED_RESOURCES = frozenset(
    {
        "admin",
        "api",
        "api_keys",
        "apikeys",
        "auth",
        "docs",
        "groups",
        "health",
        "items",
        "login",
        "logout",
        "media",
        "permissions",
        "ready",
        "redoc",
        "schema",
        "sessions",
        "static",
        "tokens",
        "users",
    }
)
# Singular names the service's own endpoints take (Flask-RESTful's endpoint of an object is
# its singular: `api.login` is the sign-in's).
RESERVED_SINGULARS = frozenset({"item", "login", "logout", "token", "token_refresh", "user"})
DEFAULT_LENGTH = {"string": 100, "text": 10000, "email": 254, "url": 2000}
MAX_INDEXED_LENGTH = 255  # MySQL indexes at most 3072 bytes: 768 characters of utf8mb4
MAX_STRING_LENGTH = 4000  # longer is text (MySQL's rows hold 65535 bytes in all)
_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_CHOICE_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
MAX_NAME_LENGTH = 40


class InvalidResourceError(UsageError):
    """A resource, field, type or modifier that cannot be generated (exit code 2)."""


@dataclass(frozen=True)
class Field:
    """One field of a resource, as parsed; ``type`` is a key of :data:`FIELD_TYPES`."""

    name: str
    type: str
    optional: bool = False
    unique: bool = False
    indexed: bool = False
    default: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    digits: int = 10
    places: int = 2
    choices: tuple[str, ...] = ()
    target: str | None = None  # the referenced collection, for ``ref``
    cascade: bool = False  # ``ref``: deleting the target deletes this object too

    @property
    def max_length(self) -> int | None:
        """The length limit of a text-like field (None for the others)."""
        if self.type not in DEFAULT_LENGTH:
            return None
        return int(self.max) if self.max is not None else DEFAULT_LENGTH[self.type]

    @property
    def min_length(self) -> int | None:
        """The least length of a text-like field: 1 when required, unless min=N says."""
        if self.type not in DEFAULT_LENGTH:
            return None
        if self.min is not None:
            return int(self.min)
        return 0 if self.optional else 1

    @property
    def searchable(self) -> bool:
        """Whether ``?search=`` looks in it."""
        return self.type in ("string", "text", "email")

    @property
    def nullable(self) -> bool:
        """Whether it may hold no value (null): an optional field that is not text or choice.

        Optional text-like and choice fields hold ``""`` instead.
        """
        return self.optional and self.type not in (*DEFAULT_LENGTH, "choice")

    @property
    def indexable(self) -> bool:
        """Whether every database can index it (MySQL: at most 768 characters, say 255)."""
        return self.type != "text" and (self.max_length or 0) <= MAX_INDEXED_LENGTH

    @property
    def orderable(self) -> bool:
        """Whether ``?ordering=`` may sort by it, through an index of its own.

        Not text, booleans, UUIDs, URLs or references; not a field that may be null (a null
        has no place in a page's cursor); not a string too long to index.
        """
        kinds = ("text", "boolean", "uuid", "url", "ref")
        return self.type not in kinds and not self.nullable and self.indexable

    @property
    def filterable(self) -> bool:
        """Whether it is a ``?name=value`` filter of the collection."""
        return self.type in ("boolean", "choice", "ref")

    @property
    def required(self) -> bool:
        """Whether a create must send it (no default, not optional)."""
        return not self.optional and self.default is None and self.type != "boolean"


@dataclass(frozen=True)
class Resource:
    """A collection (``books``), its singular (``book``) and its fields, in order."""

    name: str
    singular: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    @property
    def class_name(self) -> str:
        """``Book`` for ``books``, ``OrderLine`` for ``order_lines``."""
        return "".join(part.capitalize() for part in self.singular.split("_"))

    @property
    def title(self) -> str:
        """``order lines`` for ``order_lines``: how prose names the collection."""
        return self.name.replace("_", " ")

    @property
    def path(self) -> str:
        """The URL segment: ``order-lines`` for ``order_lines``."""
        return self.name.replace("_", "-")

    @property
    def references(self) -> tuple[Field, ...]:
        """Its ``ref`` fields."""
        return tuple(f for f in self.fields if f.type == "ref")


def singular_of(name: str) -> str:
    """The singular of an English plural collection name, or an error asking for it."""
    rules = (
        ("ies", "y"),
        ("sses", "ss"),
        ("uses", "us"),
        ("xes", "x"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("s", ""),
    )
    if not name.endswith(("ss", "us", "is")):
        for suffix, replacement in rules:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)] + replacement
    raise InvalidResourceError(
        f"resource '{name}' does not look plural: name the collection (books, categories), "
        "or give its singular (--singular)"
    )


def _check_name(kind: str, name: str) -> None:
    if not _NAME_RE.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise InvalidResourceError(
            f"{kind} name '{name}' is invalid: use lowercase letters, digits and '_', starting "
            f"with a letter, at most {MAX_NAME_LENGTH} characters"
        )
    if keyword.iskeyword(name) or name.endswith("_"):
        raise InvalidResourceError(f"{kind} name '{name}' is invalid: it is a Python keyword")


def _number(spec: str, key: str, value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise InvalidResourceError(f"field '{spec}': {key}={value} is not a number")
    return number


def parse_field(spec: str) -> Field:
    """Parse ``name:type[:argument][:modifier...]`` into a :class:`Field`."""
    parts = spec.split(":")
    if len(parts) < 2 or not parts[1]:
        raise InvalidResourceError(
            f"field '{spec}' has no type: write name:type, type one of {', '.join(FIELD_TYPES)}"
        )
    name, kind, rest = parts[0], parts[1], parts[2:]
    _check_name("field", name)
    if name in RESERVED_FIELDS:
        raise InvalidResourceError(
            f"field name '{name}' is reserved: every resource has "
            + ", ".join(sorted(RESERVED_FIELDS))
        )
    if kind not in FIELD_TYPES:
        raise InvalidResourceError(
            f"field '{spec}': unknown type '{kind}': choose one of {', '.join(FIELD_TYPES)}"
        )
    values: dict[str, object] = {"name": name, "type": kind}
    if kind == "choice":
        if not rest or not rest[0] or "=" in rest[0] or rest[0] in MODIFIERS:
            raise InvalidResourceError(f"field '{spec}': a choice lists its values, choice:a/b/c")
        choices = tuple(rest[0].split("/"))
        bad = [c for c in choices if not _CHOICE_RE.fullmatch(c)]
        if bad or len(set(choices)) != len(choices):
            raise InvalidResourceError(
                f"field '{spec}': choice values must be distinct lowercase words "
                f"(letters, digits, '-', '_'), got '{rest[0]}'"
            )
        values["choices"], rest = choices, rest[1:]
    elif kind == "ref":
        if not rest or not rest[0] or "=" in rest[0]:
            raise InvalidResourceError(f"field '{spec}': a ref names its resource, ref:<resources>")
        _check_name("resource", rest[0])
        values["target"], rest = rest[0], rest[1:]
    for modifier in rest:
        key, has_value, value = modifier.partition("=")
        flag = {"optional": "optional", "unique": "unique", "index": "indexed"}.get(key)
        if flag and not has_value:
            values[flag] = True
        elif key == "cascade" and not has_value and kind == "ref":
            values["cascade"] = True
        elif key == "default" and has_value and kind != "ref":
            values["default"] = value
        elif (
            key in ("min", "max") and has_value and kind in ("integer", "decimal", *DEFAULT_LENGTH)
        ):
            values[key] = _number(spec, key, value)
        elif key in ("digits", "places") and has_value and kind == "decimal":
            number = _number(spec, key, value)
            if number != int(number) or not 0 <= number <= 30:
                raise InvalidResourceError(f"field '{spec}': {key}={value} must be 0 to 30")
            values[key] = int(number)
        else:
            allowed = _modifiers_for(kind)
            raise InvalidResourceError(
                f"field '{spec}': unknown modifier '{modifier}' for {kind}: allowed {allowed}"
            )
    result = Field(**values)  # type: ignore[arg-type]
    _check_field(spec, result)
    return result


def _modifiers_for(kind: str) -> str:
    allowed = ["optional", "unique", "index"]
    if kind == "ref":
        allowed.append("cascade")
    else:
        allowed.append("default=VALUE")
    if kind in ("integer", "decimal", *DEFAULT_LENGTH):
        allowed += ["min=N", "max=N"]
    if kind == "decimal":
        allowed += ["digits=N", "places=N"]
    return ", ".join(allowed)


def _check_field(spec: str, f: Field) -> None:
    if f.unique and f.type in ("boolean", "choice", "ref"):
        raise InvalidResourceError(f"field '{spec}': a {f.type} cannot be unique")
    if (f.unique or f.indexed) and not f.indexable:
        what = "unique" if f.unique else "indexed"
        if f.type == "text":
            raise InvalidResourceError(f"field '{spec}': a text cannot be {what}: use string")
        raise InvalidResourceError(
            f"field '{spec}': a {f.type} longer than {MAX_INDEXED_LENGTH} characters cannot be "
            f"{what} on every database: give it max={MAX_INDEXED_LENGTH} or less"
        )
    if f.type == "string" and f.max_length is not None and f.max_length > MAX_STRING_LENGTH:
        raise InvalidResourceError(
            f"field '{spec}': a string holds at most {MAX_STRING_LENGTH} characters: use text"
        )
    if f.min is not None and f.max is not None and f.min > f.max:
        raise InvalidResourceError(f"field '{spec}': min={f.min} is above max={f.max}")
    if f.type in DEFAULT_LENGTH and f.min is not None and (f.min < 0 or f.min != int(f.min)):
        raise InvalidResourceError(f"field '{spec}': min={f.min} must be a length, 0 or more")
    if f.max_length is not None and not 1 <= f.max_length <= 1_000_000:
        raise InvalidResourceError(f"field '{spec}': max={f.max} must be a length, 1 to 1000000")
    if f.type == "integer" and any(b is not None and b != int(b) for b in (f.min, f.max)):
        raise InvalidResourceError(f"field '{spec}': integer bounds must be whole numbers")
    if f.type == "decimal" and f.places > f.digits:
        raise InvalidResourceError(f"field '{spec}': places={f.places} exceeds digits={f.digits}")
    if f.default is not None:
        _check_default(spec, f)


def _check_default(spec: str, f: Field) -> None:
    value = f.default or ""
    ok = True
    if f.type == "boolean":
        ok = value in ("true", "false")
    elif f.type == "integer":
        ok = re.fullmatch(r"-?\d+", value) is not None
    elif f.type == "decimal":
        ok = re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    elif f.type == "choice":
        ok = value in f.choices
    elif f.type in DEFAULT_LENGTH:
        ok = f.max_length is None or len(value) <= f.max_length
    elif f.type in ("date", "datetime", "uuid"):
        raise InvalidResourceError(
            f"field '{spec}': a {f.type} takes no default (make it optional instead)"
        )
    if not ok:
        raise InvalidResourceError(f"field '{spec}': default '{value}' is not a valid {f.type}")
    if f.type in ("integer", "decimal"):
        number = Decimal(value)
        if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
            raise InvalidResourceError(f"field '{spec}': default {value} is outside its bounds")


def field_spec(f: Field) -> str:
    """The notation of a field without its name (``ref:authors:optional``): parses back to it."""
    parts = [f.type]
    if f.type == "choice":
        parts.append("/".join(f.choices))
    elif f.type == "ref":
        parts.append(str(f.target))
    flags = (("optional", f.optional), ("unique", f.unique), ("index", f.indexed))
    parts += [name for name, on in (*flags, ("cascade", f.cascade)) if on]
    if f.default is not None:
        parts.append(f"default={f.default}")
    parts += [
        f"{key}={value}" for key, value in (("min", f.min), ("max", f.max)) if value is not None
    ]
    if f.type == "decimal":
        parts += [f"digits={f.digits}"] if f.digits != Field.digits else []
        parts += [f"places={f.places}"] if f.places != Field.places else []
    return ":".join(parts)


def parse_resource(name: str, specs: Iterable[str], singular: str | None = None) -> Resource:
    """A resource from its collection name and field specs (references are not resolved)."""
    _check_name("resource", name)
    if name in RESERVED_RESOURCES:
        raise InvalidResourceError(
            f"resource name '{name}' is reserved: the service already uses "
            f"{', '.join(sorted(RESERVED_RESOURCES))}"
        )
    if singular is None:
        singular = singular_of(name)
    else:
        _check_name("singular", singular)
    if singular == name:
        raise InvalidResourceError(f"resource '{name}': its singular must differ from the plural")
    if singular in RESERVED_SINGULARS or singular in RESERVED_RESOURCES:
        raise InvalidResourceError(
            f"resource '{name}': its singular '{singular}' names one of the service's own "
            "endpoints: give another with --singular"
        )
    fields = tuple(parse_field(spec) for spec in specs)
    if not fields:
        raise InvalidResourceError(f"resource '{name}' has no fields: give at least one name:type")
    seen: set[str] = set()
    for f in fields:
        if f.name in seen:
            raise InvalidResourceError(f"resource '{name}': field '{f.name}' is given twice")
        seen.add(f.name)
    return Resource(name=name, singular=singular, fields=fields)


def load_file(path: Path) -> list[Resource]:
    """The resources a domain file describes, in the file's order."""
    import yaml  # noqa: PLC0415

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidResourceError(f"cannot read '{path}': {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidResourceError(f"'{path}' is not valid YAML{where}") from None
    if not isinstance(document, Mapping) or not document:
        raise InvalidResourceError(
            f"'{path}' must map each resource to its fields (authors: {{name: string}})"
        )
    resources = []
    for name, body in document.items():
        singular = None
        fields = body
        if isinstance(body, Mapping) and "fields" in body:
            singular, fields = body.get("singular"), body["fields"]
            extra = set(body) - {"singular", "fields"}
            if extra:
                raise InvalidResourceError(
                    f"'{path}': resource '{name}' has unknown keys {', '.join(map(str, extra))}: "
                    "allowed singular, fields"
                )
        if not isinstance(fields, Mapping) or not all(isinstance(v, str) for v in fields.values()):
            raise InvalidResourceError(
                f"'{path}': resource '{name}' must map each field name to its type (title: string)"
            )
        specs = [f"{field_name}:{spec}" for field_name, spec in fields.items()]
        resources.append(parse_resource(str(name), specs, singular))
    return resources


def resolve(new: Sequence[Resource], existing: Iterable[str]) -> list[Resource]:
    """Check ``new`` against the project's ``existing`` collections; order it by reference.

    Raises:
        InvalidResourceError: a name taken twice or already in the project, or a reference
            to a resource that is neither existing nor new.
    """
    existing = set(existing)
    names = [r.name for r in new]
    for resource in new:
        if resource.name in existing:
            raise InvalidResourceError(f"resource '{resource.name}' exists in this project")
        if names.count(resource.name) > 1:
            raise InvalidResourceError(f"resource '{resource.name}' is given twice")
    known = existing | set(names)
    for resource in new:
        for ref in resource.references:
            if ref.target not in known:
                raise InvalidResourceError(
                    f"resource '{resource.name}': field '{ref.name}' refers to '{ref.target}', "
                    f"which does not exist (known: {', '.join(sorted(known)) or 'none'})"
                )
    for resource in new:
        for ref in resource.references:
            if ref.target == resource.name and not ref.optional:
                raise InvalidResourceError(
                    f"resource '{resource.name}': field '{ref.name}' refers to its own resource, "
                    "so it must be optional (the first one has nothing to refer to)"
                )
    # Referenced resources first, so that each migration finds its targets.
    ordered: list[Resource] = []
    pending = list(new)
    while pending:
        ready = [
            r
            for r in pending
            if all(
                f.target in existing or f.target == r.name or f.target in {o.name for o in ordered}
                for f in r.references
            )
        ]
        if not ready:
            cycle = ", ".join(r.name for r in pending)
            raise InvalidResourceError(
                f"resources {cycle} refer to each other in a cycle: drop one of the references"
            )
        ordered += ready
        pending = [r for r in pending if r not in ready]
    return ordered
