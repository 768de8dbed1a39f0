"""How ``apigen add resource`` writes a resource into a Flask-RESTful service.

A resource ``books`` is four modules of its own, none of which the template writes, so that
``apigen update`` never meets them: the model and its queries (``<pkg>/store/resources/books.py``,
SQLAlchemy or Peewee), its parsers, output fields and ``Resource`` classes
(``<pkg>/api/resources/books.py``) and its tests (``tests/test_books.py``). Two registration
modules that the template renders empty and never changes list the added resources:
``<pkg>/store/resources/__init__.py`` (the models, for Alembic or peewee-migrate) and
``<pkg>/api/resources/__init__.py`` (the routes); ``<pkg>/api/values.py`` holds the
converters of the member types the added resources use. apigen writes these three whole,
from every resource added so far.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from apigen.resources import Field, Resource, parse_field, resolve
from apigen.scaffold import Changes, Project

__all__ = ["FlaskRestfulScaffold"]

TEMPLATES = Path(__file__).parent / "templates" / "flask_restful"
# The template's own example, which added resources may refer to (its required members).
ITEMS = Resource("items", "item", (parse_field("name:string"), parse_field("price:decimal")))
TEXT_TYPES = ("string", "text", "email", "url")
PEEWEE_FIELDS = {
    "text": "TextField",
    "integer": "IntegerField",
    "boolean": "BooleanField",
    "date": "DateField",
    "datetime": "DateTimeField",
    "uuid": "UUIDField",
}
# The largest value an INTEGER column holds on every database.
INT_MAX = 2_147_483_647


@dataclass(frozen=True)
class Member:
    """One field of a resource, with what each generated module says about it."""

    field: Field
    resource: Resource
    target: Resource | None
    orm: str

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def type(self) -> str:
        return self.field.type

    @property
    def text_like(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def nullable(self) -> bool:
        """Whether null is stored and accepted (optional, and neither text nor a choice)."""
        return self.field.nullable

    # --- values -------------------------------------------------------------------------

    @property
    def default(self) -> str | None:
        """The Python expression of the member's default, if it has one."""
        f = self.field
        if f.default is not None:
            if self.type == "boolean":
                return "True" if f.default == "true" else "False"
            if self.type == "integer":
                return str(int(f.default))
            if self.type == "decimal":
                return f'Decimal("{f.default}")'
            return repr(f.default)
        if self.type == "boolean":
            return "False"
        if f.optional and (self.text_like or self.type == "choice"):
            return '""'
        return None

    @property
    def python_type(self) -> str:
        kind = {
            "integer": "int",
            "decimal": "Decimal",
            "boolean": "bool",
            "date": "date",
            "datetime": "datetime",
            "uuid": "UUID",
        }.get(self.type, "str")
        return f"{kind} | None" if self.nullable else kind

    @property
    def column(self) -> str:
        """The SQLAlchemy column type."""
        f = self.field
        if self.type == "text":
            return "Text"
        if self.type in TEXT_TYPES:
            return f"String({f.max_length})"
        if self.type == "choice":
            return f"String({max(len(c) for c in f.choices)})"
        return {
            "integer": "Integer",
            "decimal": f"Numeric({f.digits}, {f.places})",
            "boolean": "Boolean",
            "date": "Date",
            "datetime": "Timestamp",
            "uuid": "Uuid",
        }[self.type]

    @property
    def sqlalchemy_options(self) -> str:
        options = []
        if self.nullable:
            options.append("nullable=True")
        if self.field.unique:
            options.append("unique=True")
        elif self.field.indexed and not self.listed:
            options.append("index=True")
        if self.default is not None:
            options.append(f"default={self.default}")
        return "".join(f", {option}" for option in options)

    @property
    def peewee_field(self) -> str:
        f = self.field
        if self.type in ("string", "email", "url"):
            kind, options = "CharField", [f"max_length={f.max_length}"]
        elif self.type == "choice":
            kind, options = "CharField", [f"max_length={max(len(c) for c in f.choices)}"]
        elif self.type == "decimal":
            kind = "DecimalField"
            options = [f"max_digits={f.digits}", f"decimal_places={f.places}"]
        else:
            kind, options = PEEWEE_FIELDS[self.type], []
        if self.nullable:
            options.append("null=True")
        if f.unique:
            options.append("unique=True")
        elif f.indexed and not self.listed:
            options.append("index=True")
        if self.default is not None:
            options.append(f"default={self.default}")
        return f"{kind}({', '.join(options)})"

    @property
    def referred(self) -> Resource:
        """The resource a reference names (the core has checked that it exists)."""
        if self.target is None:
            raise ValueError(f"field '{self.name}' refers to no known resource")
        return self.target

    @property
    def shared_target(self) -> bool:
        """Whether another reference of its resource names the same target."""
        return [f.target for f in self.resource.references].count(self.field.target) > 1

    @property
    def listed(self) -> bool:
        """Whether the listing orders or filters by it (an index with the id serves it)."""
        return self.field.orderable or self.field.filterable

    @property
    def column_name(self) -> str:
        """The column: ``author_id`` for the reference ``author``."""
        return f"{self.name}_id" if self.type == "ref" else self.name

    # --- the API ------------------------------------------------------------------------

    @property
    def converter(self) -> str:
        """The reqparse type of the member in a request body."""
        f = self.field
        if self.text_like:
            required = ", required=True" if (f.min_length or 0) > 0 else ""
            if (f.min_length or 0) > 1:
                return f"values.bounded_text(min_length={f.min_length}, max_length={f.max_length})"
            if self.type in ("email", "url"):
                return f"values.{self.type}(max_length={f.max_length}{required})"
            return f"parsers.text(max_length={f.max_length}{required})"
        if self.type == "integer":
            return f"values.integer({self.bounds})"
        if self.type == "decimal":
            return f"values.decimal(digits={f.digits}, places={f.places}{self.bounds_after})"
        if self.type == "boolean":
            return "parsers.boolean"
        if self.type == "choice":
            blank = ", required=False" if f.optional else ""
            return f"values.choice({tuple_expr(f.choices)}{blank})"
        if self.type == "ref":
            return f'values.hyperlink("api.{self.referred.singular}", get_{self.referred.singular})'
        return (
            f"values.{ {'date': 'iso_date', 'datetime': 'iso_datetime'}.get(self.type, self.type) }"
        )

    @property
    def bounds(self) -> str:
        if self.type == "integer":
            low = -INT_MAX - 1 if self.field.min is None else int(self.field.min)
            high = INT_MAX if self.field.max is None else int(self.field.max)
            return f"minimum={low}, maximum={high}"
        return self.bounds_after.removeprefix(", ")

    @property
    def bounds_after(self) -> str:
        parts = []
        if self.field.min is not None:
            parts.append(f'minimum=Decimal("{self.field.min}")')
        if self.field.max is not None:
            parts.append(f'maximum=Decimal("{self.field.max}")')
        return "".join(f", {part}" for part in parts)

    @property
    def argument_options(self) -> str:
        """``add_argument``'s options after the type."""
        if self.field.required:
            return ", required=True"
        options = []
        if self.nullable:
            options.append("nullable=True")
        options.append(f"default={self.default}")
        return "".join(f", {option}" for option in options)

    @property
    def output_field(self) -> str:
        """The marshal field that documents the member."""
        nullable = self.nullable or (self.type == "ref" and self.field.optional)
        simple = {
            "string": "fields.String",
            "text": "fields.String",
            "integer": "fields.Integer",
            "boolean": "fields.Boolean",
        }
        if self.type in simple and not nullable:
            return simple[self.type]
        if self.type == "datetime" and not nullable:
            return "Timestamp"
        schema = {
            "string": '"type": "string"',
            "text": '"type": "string"',
            "integer": '"type": "integer"',
            "boolean": '"type": "boolean"',
            "decimal": '"type": "string", "format": "decimal"',
            "date": '"type": "string", "format": "date"',
            "datetime": '"type": "string", "format": "date-time"',
            "email": '"type": "string", "format": "email"',
            "url": '"type": "string", "format": "uri"',
            "uuid": '"type": "string", "format": "uuid"',
            "ref": '"type": "string", "format": "uri"',
            "choice": f'"type": "string", "enum": {list_expr(self.field.choices)}',
        }[self.type]
        if nullable:
            schema += ', "nullable": True'
        if self.type in ("email", "url") and self.field.optional:
            return f'values.Value({{"anyOf": [{{{schema}}}, values.BLANK]}})'
        return f"values.Value({{{schema}}})"

    @property
    def output(self) -> str:
        """The expression of the member's value in the written-out representation."""
        singular = self.resource.singular
        value = f"{singular}.{self.name}"
        if self.type == "ref":
            url = f'f"{{prefixes.{self.referred.name}}}{{{singular}.{self.name}_id}}/"'
            if self.field.optional:
                return f"{url} if {singular}.{self.name}_id is not None else None"
            return url
        formatted = {
            "decimal": f'f"{{{value}:.{self.field.places}f}}"',
            "date": f"{value}.isoformat()",
            "datetime": f"rfc3339({value})",
            "uuid": f"str({value})",
        }.get(self.type)
        if formatted is None:
            return value
        if self.nullable:
            return f"{formatted} if {value} is not None else None"
        return formatted

    @property
    def cursor_value(self) -> str:
        """How a cursor's text becomes a value of the member's column."""
        return {
            "integer": "int",
            "decimal": "_decimal",
            "date": "date.fromisoformat",
            "datetime": "datetime.fromisoformat",
        }.get(self.type, "str")

    @property
    def filter_converter(self) -> str:
        if self.type == "boolean":
            return "parsers.lenient(parsers.boolean)"
        # Another value is a 400 naming the parameter, as on DRF.
        if self.type == "choice":
            return f"parsers.unless_empty(values.choice_filter({tuple_expr(self.field.choices)}))"
        one = self.referred.singular
        return f'parsers.unless_empty(values.hyperlink_key("api.{one}", get_{one}))'

    @property
    def filter_help(self) -> str:
        title = self.resource.title
        if self.type == "boolean":
            return f"Only {title} whose {self.name} is true (or false)."
        if self.type == "choice":
            return f"Only {title} of this {self.name}."
        return f"Only {title} of this {self.name} (its URL or id)."

    @property
    def filter_type(self) -> str:
        return {"boolean": "bool", "choice": "str"}.get(self.type, "int")

    # --- tests --------------------------------------------------------------------------

    @property
    def sample_expr(self) -> str:
        """A Python expression of a valid JSON value, distinct for each ``number``."""
        f = self.field
        if self.type == "choice":
            return f"{tuple_expr(f.choices)}[number % {len(f.choices)}]"
        if self.type == "boolean":
            return "number % 2 == 0"
        if self.type in ("integer", "decimal"):
            low = math.ceil(f.min) if f.min is not None else 0
            value = f"number + {low}" if low > 0 else f"number - {-low}" if low else "number"
            if f.max is not None:
                value = f"min({value}, {math.floor(f.max)})"
            if self.type == "integer":
                return value
            return f'f"{{{value}}}.{"0" * f.places}"' if f.places else f"str({value})"
        if self.type == "date":
            return 'f"2024-01-{number % 28 + 1:02}"'
        if self.type == "datetime":
            return 'f"2024-01-{number % 28 + 1:02}T10:20:30Z"'
        if self.type == "uuid":
            return 'f"12345678-1234-5678-1234-{number:012}"'
        if self.type == "email":
            return 'f"person{number}@example.com"'
        if self.type == "url":
            return 'f"https://example.com/{number}"'
        max_length = f.max_length or 100
        word = self.name.replace("_", " ")
        if max_length >= len(word) + 4:
            value = f'f"{word} {{number:03}}"'
            length = len(word) + 4
        else:
            value, length = 'f"{number % 1000:03}"', 3
        least = f.min_length or 0
        if least > length:
            value += f' + "x" * {least - length}'
        return value

    @property
    def default_output(self) -> str:
        """A Python literal of what the API answers for the member when it was omitted."""
        f = self.field
        if self.nullable or (self.type == "ref" and f.optional):
            return "None"
        if self.type == "boolean":
            return "True" if f.default == "true" else "False"
        if f.default is None:
            return '""'
        if self.type == "integer":
            return str(int(f.default))
        if self.type == "decimal":
            return literal(f"{Decimal(f.default):.{f.places}f}")
        return literal(f.default)

    def invalid(self) -> list[tuple[Any, str]]:
        """Invalid JSON values (Python literals) and a part of the message each gets."""
        f = self.field
        cases: list[tuple[Any, str]] = []
        if self.text_like:
            cases.append((12, "Not a valid string."))
            if f.max_length is not None and f.max_length < 100_000:
                cases.append((f"x*{f.max_length + 1}", f"no more than {f.max_length} characters"))
            if (f.min_length or 0) == 1:
                cases.append(("", "This field may not be blank."))
            elif (f.min_length or 0) > 1:
                cases.append(("x", f"at least {f.min_length} characters"))
            if self.type == "email":
                cases.append(("not an address", "Enter a valid email address."))
            if self.type == "url":
                cases.append(("ftp://example.com/", "Enter a valid URL."))
        elif self.type == "integer":
            cases.append(("abc", "A valid integer is required."))
            cases.append((True, "A valid integer is required."))
            cases.append((1.5, "A valid integer is required."))
            low = int(f.min) if f.min is not None else -INT_MAX - 1
            high = int(f.max) if f.max is not None else INT_MAX
            cases.append((low - 1, f"greater than or equal to {low}"))
            cases.append((high + 1, f"less than or equal to {high}"))
        elif self.type == "decimal":
            cases.append(("abc", "A valid number is required."))
            cases.append(("NaN", "A valid number is required."))
            cases.append((True, "A valid number is required."))
            cases.append(("0." + "1" * (f.places + 1), f"no more than {f.places} decimal places"))
            whole = f.digits - f.places
            cases.append(("1" * (whole + 1), f"no more than {whole} digits before"))
            if f.min is not None:
                cases.append((str(f.min - 1), f"greater than or equal to {f.min}"))
            if f.max is not None:
                cases.append((str(f.max + 1), f"less than or equal to {f.max}"))
        elif self.type == "boolean":
            cases.append(("maybe", "Must be a valid boolean."))
        elif self.type == "date":
            cases.append(("2024-13-01", "Date has wrong format."))
            cases.append((20240101, "Date has wrong format."))
        elif self.type == "datetime":
            cases.append(("yesterday", "Datetime has wrong format."))
        elif self.type == "uuid":
            cases.append(("not-a-uuid", "Must be a valid UUID."))
        elif self.type == "choice":
            cases.append(("unknown", '"unknown" is not a valid choice.'))
        elif self.type == "ref":
            path = f"/api/v1/{self.referred.path}/"
            cases.append((f"https://localhost{path}2147483647/", "Object does not exist."))
            cases.append(("https://localhost/api/v1/nowhere/1/", "No URL match."))
            cases.append(("https://localhost/health/", "No URL match."))
            cases.append((12, "Expected URL string, received int."))
        if not f.optional and self.type != "boolean" and self.default is None:
            cases.append((None, "This field may not be null."))
        return cases


def _isort(name: str) -> tuple[int, str]:
    """Ruff's order of imported names: constants, classes, then the rest."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def tuple_expr(values: Iterable[str]) -> str:
    items = [repr(v).replace("'", '"') for v in values]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def list_expr(values: Iterable[str]) -> str:
    return "[" + ", ".join(repr(v).replace("'", '"') for v in values) + "]"


def literal(value: Any) -> str:
    """A Python literal of a JSON value, in Ruff's style (double quotes)."""
    if isinstance(value, str):
        if value.startswith("x*"):
            return f'"x" * {value[2:]}'
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


@dataclass(frozen=True)
class View:
    """A resource as the templates see it."""

    resource: Resource
    known: Mapping[str, Resource]
    project: Project

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def singular(self) -> str:
        return self.resource.singular

    @property
    def class_name(self) -> str:
        return self.resource.class_name

    @property
    def title(self) -> str:
        return self.resource.title

    @property
    def path(self) -> str:
        return self.resource.path

    @cached_property
    def members(self) -> list[Member]:
        return [
            Member(f, self.resource, self.known.get(f.target or ""), self.project.orm)
            for f in self.resource.fields
        ]

    def of_type(self, *types: str) -> list[Member]:
        return [m for m in self.members if m.type in types]

    @property
    def types(self) -> set[str]:
        return {m.type for m in self.members}

    @property
    def searchable(self) -> list[Member]:
        return [m for m in self.members if m.field.searchable]

    @property
    def orderable(self) -> list[Member]:
        return [m for m in self.members if m.field.orderable]

    @property
    def orderings(self) -> list[str]:
        return [m.name for m in self.orderable] + ["created_at"]

    @property
    def filters(self) -> list[Member]:
        return [m for m in self.members if m.field.filterable]

    @property
    def unique(self) -> list[Member]:
        return [m for m in self.members if m.field.unique]

    @property
    def references(self) -> list[Member]:
        return self.of_type("ref")

    @property
    def targets(self) -> list[Resource]:
        """The resources it refers to, each once, in order (itself excluded)."""
        seen: dict[str, Resource] = {}
        for m in self.references:
            if m.target is not None and m.target.name != self.name:
                seen.setdefault(m.target.name, m.target)
        return list(seen.values())

    @property
    def target_models(self) -> list[tuple[str, str]]:
        """Where the store module imports each target's model from."""
        return [("..models" if r is ITEMS else f".{r.name}", r.class_name) for r in self.targets]

    @property
    def target_finders(self) -> list[tuple[str, str]]:
        """Where the API module imports each target's ``get_<singular>`` from."""
        return [
            (
                "...store.items" if r is ITEMS else f"...store.resources.{r.name}",
                f"get_{r.singular}",
            )
            for r in self.targets
        ]

    @property
    def prefixes(self) -> list[Resource]:
        """The collections whose URLs its representation writes: itself, then its targets."""
        return [self.resource, *self.targets]

    @property
    def required(self) -> list[Member]:
        return [m for m in self.members if m.field.required]

    @property
    def list_doc(self) -> str:
        """The listing's description: its filters and ordering."""
        names = [f"``{m.name}``" for m in self.filters]
        if self.searchable:
            names.insert(0, "``search``")
        if not names:
            return "Sort with ``ordering`` (by id otherwise)."
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        text = f"Filter with {joined}, sort with ``ordering`` (by id otherwise)."
        return textwrap.fill(text, width=92, subsequent_indent=" " * 8)

    @property
    def _indexed_members(self) -> list[Member]:
        """Members the listing orders or filters by, once each (a choice does both)."""
        return list({m.name: m for m in self.orderable + self.filters}.values())

    @property
    def indexed(self) -> list[str]:
        """The columns of the listing's indexes, each followed by the id."""
        return [m.column_name for m in self._indexed_members] + ["created_at"]

    @property
    def indexed_fields(self) -> list[str]:
        """The same, by field name (Peewee's)."""
        return [m.name for m in self._indexed_members] + ["created_at"]

    @property
    def sqlalchemy_imports(self) -> list[str]:
        names = {"Index", "Integer", "Select", "and_", "func", "or_", "select"}
        names |= {m.column.partition("(")[0] for m in self.members if m.type != "ref"}
        names.discard("Timestamp")
        if self.references or self.project.answer("auth") != "none":
            names.add("ForeignKey")
        if self.searchable:
            names.add("false")
        return sorted(names, key=_isort)

    @property
    def peewee_imports(self) -> list[str]:
        names = {"AutoField", "DateTimeField", "Expression", "IntegrityError", "ModelSelect"}
        names |= {m.peewee_field.partition("(")[0] for m in self.members if m.type != "ref"}
        if self.references or self.project.answer("auth") != "none":
            names.add("ForeignKeyField")
        return sorted(names, key=_isort)

    @property
    def needs_decimal_expr(self) -> bool:
        """Whether its parsers write ``Decimal(...)`` (bounds or a default of a decimal)."""
        return any(
            m.type == "decimal" and (m.field.min, m.field.max, m.field.default) != (None,) * 3
            for m in self.members
        )

    @property
    def needs_decimal(self) -> bool:
        return "decimal" in self.types

    @property
    def closure(self) -> list[View]:
        """The resources a test must create first (referenced, transitively), then itself."""
        order: list[View] = []

        def visit(resource: Resource) -> None:
            if any(v.name == resource.name for v in order):
                return
            for f in resource.references:
                if f.target and f.target != resource.name:
                    visit(self.known[f.target])
            order.append(View(resource, self.known, self.project))

        visit(self.resource)
        return order

    @property
    def required_refs(self) -> list[Member]:
        return [m for m in self.references if m.field.required]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Python source, not HTML
    )
    environment.filters["literal"] = literal
    environment.filters["tuple_expr"] = tuple_expr
    return environment


class FlaskRestfulScaffold:
    """Flask-RESTful resources over SQLAlchemy or Peewee."""

    def requirements(self, project: Project) -> list[tuple[str, str]]:
        """What the written modules build on in the project (see :class:`Scaffold`)."""
        package = project.package_name
        return [
            (f"{package}/api/__init__.py", "register_resources(api)"),
            (f"{package}/api/resources/__init__.py", "def register_resources"),
            # The registry of added models (Peewee's also lists them for its tables).
            (
                f"{package}/store/resources/__init__.py",
                "ADDED_MODELS" if project.orm == "peewee" else "",
            ),
            (f"{package}/problems.py", "class Referred"),
            (f"{package}/store/database.py", "def referrers"),
            (f"{package}/api/parsers.py", "def query_parser"),
        ]

    def render(
        self, project: Project, new: Sequence[Resource], known: Mapping[str, Resource]
    ) -> Changes:
        """The modules of ``new``, and the registration modules listing all of ``known``."""
        environment = _environment()
        package = project.package_name
        context = {
            "package_name": package,
            "orm": project.orm,
            "auth": project.answer("auth"),
            "database": project.answer("database"),
        }
        changes = Changes()
        known = {ITEMS.name: ITEMS, **known, **{resource.name: resource for resource in new}}
        added = [resource for name, resource in known.items() if name != ITEMS.name]
        views = [View(resource, known, project) for resource in resolve(added, [ITEMS.name])]
        for resource in new:
            view = View(resource, known, project)
            for template, path in (
                (f"store_{project.orm}.py.jinja", f"{package}/store/resources/{view.name}.py"),
                ("api.py.jinja", f"{package}/api/resources/{view.name}.py"),
                ("test.py.jinja", f"tests/test_{view.name}.py"),
            ):
                changes.created[path] = environment.get_template(template).render(
                    context, view=view
                )
        shared = {
            f"{package}/store/resources/__init__.py": f"store_registry_{project.orm}.py.jinja",
            f"{package}/api/resources/__init__.py": "api_registry.py.jinja",
            f"{package}/api/values.py": "values.py.jinja",
        }
        types = {m.type for view in views for m in view.members}
        for path, template in shared.items():
            text = environment.get_template(template).render(
                context,
                views=views,
                types=types,
                min_lengths=any((m.field.min_length or 0) > 1 for v in views for m in v.members),
            )
            if (project.root / path).exists():
                changes.edited[path] = text
            else:
                changes.created[path] = text
        return changes

    def finish(self, project: Project, new: Sequence[Resource]) -> list[list[str]]:
        """Fix and format the written modules with Ruff, then write the migration."""
        package = project.package_name
        paths = [
            f"{package}/store/resources",
            f"{package}/api/resources",
            f"{package}/api/values.py",
            *(f"tests/test_{resource.name}.py" for resource in new),
        ]
        message = "add " + ", ".join(resource.name for resource in new)
        flask = ["uv", "run", "flask", "--app", package, "db"]
        commands = [
            ["uv", "run", "ruff", "check", "--fix-only", "--quiet", *paths],
            ["uv", "run", "ruff", "format", "--quiet", *paths],
        ]
        if project.orm == "sqlalchemy":
            # Alembic compares the models with the database: bring it to the last migration,
            # and number the new one after the others, as the template's are.
            versions = project.root / "migrations" / "versions"
            numbers = [int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")]
            commands.append([*flask, "upgrade"])
            revision = ["--rev-id", f"{max(numbers, default=0) + 1:04}"]
            commands.append([*flask, "migrate", "-m", message, *revision])
        else:
            commands.append([*flask, "migrate", "-m", message])
        return commands
