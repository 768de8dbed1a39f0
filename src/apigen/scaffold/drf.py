"""Resources in a Django REST Framework project: a Django app each, under ``resources/``.

A resource ``books`` is the app ``resources.books`` (label ``books``): its model, serializer,
viewset and migrations, and ``tests/test_books.py``. Two modules that the template renders
empty and never changes list them: ``resources/__init__.py`` (the apps the settings install)
and ``resources/routes.py`` (the viewsets ``api/urls.py`` registers on the API's router).
No line the template owns is edited, so ``apigen update`` finds nothing to conflict with.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import jinja2

from apigen.resources import Field, InvalidResourceError, Resource
from apigen.scaffold import Changes, Project

__all__ = ["DrfScaffold"]

# The app labels the project installs already (a resource's label is its name).
TAKEN_LABELS = frozenset(
    {
        "admin",
        "api",
        "auth",
        "authtoken",
        "contenttypes",
        "corsheaders",
        "django_filters",
        "drf_spectacular",
        "drf_spectacular_sidecar",
        "postgres",
        "resources",
        "rest_framework",
        "rest_framework_api_key",
        "sessions",
        "staticfiles",
        "token_blacklist",
    }
)
# The challenge of a 401, per auth scheme; the others answer 403 (no challenge to send).
AUTH_SCHEMES = {
    "basic": "Basic",
    "token": "Token",
    "jwt": "Bearer",
    "apikey": "Api-Key",
    "oauth2": "Bearer",
}
# What a serializer has as attributes (DRF's fields and serializers): not declared as fields.
SERIALIZER_ATTRIBUTES = frozenset(
    {
        "allow_null",
        "context",
        "create",
        "data",
        "default",
        "error_messages",
        "errors",
        "field_name",
        "fields",
        "help_text",
        "initial",
        "initial_data",
        "instance",
        "label",
        "many",
        "parent",
        "partial",
        "read_only",
        "required",
        "root",
        "save",
        "source",
        "source_attrs",
        "style",
        "update",
        "validate",
        "validated_data",
        "validators",
        "write_only",
    }
)
# The project's test fixtures (conftest.py, pytest's, pytest-django's): a resource's fixture
# takes another name than one of these.
FIXTURES = frozenset(
    {
        "admin_client",
        "admin_user",
        "caplog",
        "capsys",
        "client",
        "db",
        "django_user_model",
        "item",
        "live_server",
        "mailoutbox",
        "microsecond",
        "monkeypatch",
        "other_client",
        "other_user",
        "owned",
        "password_hashes",
        "request",
        "rf",
        "settings",
        "tmp_path",
        "user",
        "user_client",
        "writer",
    }
)
ITEMS = Resource(name="items", singular="item")  # the template's own example, a valid target
MAX_INDEX_NAME = 30  # Django's limit, for every database


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("apigen.scaffold", "templates/drf"),
        extensions=["jinja2.ext.do"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Python source, not HTML
    )


def _literal(value: str) -> str:
    """A Python string literal in Ruff's style (double quotes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _index_name(resource: Resource, field: str, suffix: str = "id") -> str:
    name = f"{resource.name}_{field}_{suffix}"
    if len(name) <= MAX_INDEX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_INDEX_NAME - 9]}_{digest}"


@dataclass(frozen=True)
class Sample:
    """Values of one field for the generated tests, as Python source."""

    valid: str  # a valid value as sent in JSON, equal to the output
    stored: str  # the same value given to the ORM (``number`` varies it for unique fields)
    ascending: tuple[str, ...]  # distinct values in order, as sent and answered
    invalid: tuple[str, ...]  # values the API refuses


class _Fields:
    """How each field of one resource is written in each module."""

    def __init__(self, resource: Resource, known: Mapping[str, Resource]) -> None:
        self.resource = resource
        self.known = known

    def target(self, f: Field) -> Resource:
        assert f.target is not None  # noqa: S101 - a ref always names its target
        return ITEMS if f.target == "items" else self.known[f.target]

    def choices_class(self, f: Field) -> str:
        return "".join(part.capitalize() for part in f.name.split("_"))

    def choice_member(self, value: str) -> str:
        name = value.upper().replace("-", "_")
        return f"V_{name}" if name[0].isdigit() else name

    def related_name(self, f: Field) -> str:
        same_target = [r for r in self.resource.references if r.target == f.target]
        if len(same_target) == 1:
            return self.resource.name
        return f"{f.name}_{self.resource.name}"

    def model(self, f: Field) -> str:
        """The model field's declaration."""
        args: list[str] = []
        optional = ["blank=True", 'default=""'] if f.optional else []
        nullable = ["null=True", "blank=True"] if f.optional else []
        validators: list[str] = []
        if f.type in ("string", "email", "url"):
            kind = {"string": "CharField", "email": "EmailField", "url": "URLField"}[f.type]
            args = [f"max_length={f.max_length}", *optional]
        elif f.type == "text":
            kind, args = "TextField", [f"max_length={f.max_length}", *optional]
        elif f.type == "choice":
            kind = "CharField"
            longest = max(len(c) for c in f.choices)
            args = [f"max_length={longest}", f"choices={self.choices_class(f)}.choices", *optional]
        elif f.type == "integer":
            kind, args = "IntegerField", nullable
        elif f.type == "decimal":
            kind = "DecimalField"
            args = [f"max_digits={f.digits}", f"decimal_places={f.places}", *nullable]
        elif f.type == "boolean":
            kind, args = "BooleanField", [f"default={f.default == 'true'}"]
        elif f.type == "date":
            kind, args = "DateField", nullable
        elif f.type == "datetime":
            kind, args = "DateTimeField", nullable
        elif f.type == "uuid":
            kind, args = "UUIDField", nullable
        else:  # ref
            kind = "ForeignKey"
            target = self.target(f)
            model = "self" if target.name == self.resource.name else target.class_name
            on_delete = "CASCADE" if f.cascade else "PROTECT"
            args = [
                _literal(model) if model == "self" else model,
                f"on_delete=models.{on_delete}",
                f"related_name={_literal(self.related_name(f))}",
                *nullable,
            ]
        if f.type in ("integer", "decimal"):
            for bound, validator in ((f.min, "MinValueValidator"), (f.max, "MaxValueValidator")):
                if bound is not None:
                    validators.append(f"{validator}({self.number(f, bound)})")
        if f.type in ("string", "text") and f.min is not None and f.min > 1:
            validators.append(f"MinLengthValidator({int(f.min)})")
        if f.type == "url":  # Django's own also takes ftp and ftps
            validators.append('URLValidator(schemes=["http", "https"])')
        if validators:
            args.append(f"validators=[{', '.join(validators)}]")
        if f.default is not None and f.type != "boolean":
            args = [a for a in args if not a.startswith("default=")]
            args.append(f"default={self.default(f)}")
        if f.unique:
            args.append("unique=True")
        elif f.indexed and f.name not in self.indexed_by_listing:
            args.append("db_index=True")
        return f"models.{kind}({', '.join(args)})"

    def number(self, f: Field, value: Decimal) -> str:
        if f.type == "integer":
            return str(int(value))
        return f'Decimal("{value}")'

    def default(self, f: Field) -> str:
        assert f.default is not None  # noqa: S101
        if f.type == "integer":
            return str(int(f.default))
        if f.type == "decimal":
            return self.number(f, Decimal(f.default))
        if f.type == "choice":
            return f"{self.choices_class(f)}.{self.choice_member(f.default)}"
        return _literal(f.default)

    @property
    def indexed_by_listing(self) -> list[str]:
        """Fields the listing orders or filters by, each with its ``(field, id)`` index."""
        return [f.name for f in self.resource.fields if f.orderable or f.filterable]

    def indexes(self) -> list[tuple[str, str]]:
        names = [*self.indexed_by_listing, "created_at"]
        return [(name, _index_name(self.resource, name)) for name in names]

    def trigram_indexes(self) -> list[tuple[str, str]]:
        """The searched fields and their trigram indexes' names (PostgreSQL's ``?search=``)."""
        return [
            (f.name, _index_name(self.resource, f.name, "trgm"))
            for f in self.resource.fields
            if f.searchable
        ]

    def serializer(self, f: Field) -> str | None:
        """A declared serializer field: one with a default that a PUT without it restores.

        ModelSerializer leaves a field with a model default out of a PUT that omits it; the
        items example resets it instead, and so do these. Names a serializer has as
        attributes are left to ModelSerializer (a declaration would shadow them for mypy).
        """
        if f.name in SERIALIZER_ATTRIBUTES:
            return None
        if f.type == "boolean":
            return f"serializers.BooleanField(default={f.default == 'true'})"
        if f.type in ("string", "text") and (f.optional or f.default is not None):
            args = [f"max_length={f.max_length}"]
            if f.min is not None and f.min > 1:
                args.append(f"min_length={int(f.min)}")
            args += ["allow_blank=True"] if f.optional else []
            args.append(f"default={_literal(f.default or '')}")
            if f.unique:
                args.append(
                    f"validators=[UniqueValidator(queryset={self.resource.class_name}"
                    ".objects.all())]"
                )
            return f"LengthAsSentField({', '.join(args)})"
        return None

    def extra_kwargs(self) -> list[tuple[str, str]]:
        """``Meta.extra_kwargs``: each hyperlink's view, and the defaults a PUT restores.

        A field ModelSerializer makes from a model field with a default (or that may be empty)
        is left out of a PUT that omits it; given the default here, a PUT resets it, as it
        does the declared fields (PATCH applies no defaults).
        """
        options: dict[str, dict[str, str]] = {
            "url": {"view_name": _literal(f"api:{self.resource.singular}-detail")}
        }
        for x in self.resource.fields:
            entry: dict[str, str] = {}
            if x.type == "ref":
                entry["view_name"] = _literal(f"api:{self.target(x).singular}-detail")
            if x.type == "url":
                # ModelSerializer drops the model's URLValidator for its own, which takes ftp.
                checks = ['URLValidator(schemes=["http", "https"])']
                if x.unique:
                    checks.append(
                        f"UniqueValidator(queryset={self.resource.class_name}.objects.all())"
                    )
                entry["validators"] = f"[{', '.join(checks)}]"
            if self.serializer(x) is None and x.type != "boolean":
                if x.default is not None:
                    entry["default"] = self.put_default(x)
                elif x.optional:
                    text = x.type in ("string", "text", "email", "url", "choice")
                    entry["default"] = '""' if text else "None"
            if entry:
                options[x.name] = entry
        return [
            (name, "{" + ", ".join(f'"{k}": {v}' for k, v in entry.items()) + "}")
            for name, entry in options.items()
        ]

    def put_default(self, f: Field) -> str:
        """A field's default as the serializer takes it (a choice's value, not its member)."""
        assert f.default is not None  # noqa: S101
        if f.type in ("integer", "decimal"):
            return self.default(f)
        return _literal(f.default)

    def label_field(self) -> Field | None:
        """The field a model's ``__str__`` answers: its first string-like one, if any."""
        kinds = ("string", "email", "url", "choice")
        return next((x for x in self.resource.fields if x.type in kinds), None)

    def declared(self) -> list[tuple[Field, str]]:
        """The serializer's declared fields and their declarations."""
        return [(x, s) for x in self.resource.fields if (s := self.serializer(x)) is not None]

    def declares(self, name: str) -> bool:
        """Whether a declared field, or ``Meta.extra_kwargs``, uses ``name``."""
        declarations = [d for _, d in self.declared()] + [o for _, o in self.extra_kwargs()]
        return any(name in declaration for declaration in declarations)

    # The generated tests' values.

    def search_values(self, f: Field) -> tuple[str, str] | None:
        """A value that ``?search=blue`` finds and one it does not, or None if none fit."""
        if f.type == "email":
            return '"blue@example.com"', '"chair@example.com"'
        low, high = max(f.min_length or 1, 1), f.max_length or 100
        found, other = "Blue lamp", "Chair"
        found, other = found.ljust(low, "x"), other.ljust(low, "x")
        if len(found) > high or len(other) > high:
            return None
        return _literal(found), _literal(other)

    def patch(self) -> tuple[Field, str] | None:
        """A field and a new value for it that differs from what the tests create."""
        for x in self.resource.fields:
            if x.type in ("ref", "boolean", "uuid"):
                continue
            sample = self.sample(x)
            changed = [v for v in sample.ascending if v != sample.stored]
            if changed:
                return x, changed[-1]
        return None

    def sample(self, f: Field) -> Sample:
        method = getattr(self, f"_sample_{f.type}")
        result: Sample = method(f)
        return result

    def _text(self, f: Field, word: str) -> Sample:
        low = max(f.min_length or 1, 1)
        high = f.max_length or 100
        valid = (word + "x" * low)[: max(low, min(len(word), high))]
        unique = f'f"{valid[: max(high - 3, 0)]}{{number:03d}}"' if f.unique else _literal(valid)
        width = min(max(low, 3), high)
        ascending = tuple(_literal(c * width) for c in "abc")
        invalid = [f'"x" * {high + 1}', "12"]
        if not f.optional:
            invalid.append('""')
        if low > 1:
            invalid.append(_literal("x" * (low - 1)))
        return Sample(_literal(valid), unique, ascending, tuple(invalid))

    def _sample_string(self, f: Field) -> Sample:
        return self._text(f, f.name.replace("_", " ").capitalize())

    def _sample_text(self, f: Field) -> Sample:
        return self._text(f, f"The {f.name.replace('_', ' ')}")

    def _sample_email(self, f: Field) -> Sample:
        stored = 'f"user{number}@example.com"' if f.unique else '"ada@example.com"'
        ascending = tuple(f'"{c}@example.com"' for c in "abc")
        return Sample('"ada@example.com"', stored, ascending, ('"not-an-email"', "12"))

    def _sample_url(self, f: Field) -> Sample:
        stored = 'f"https://example.com/{number}"' if f.unique else '"https://example.com/"'
        ascending = tuple(f'"https://example.com/{c}"' for c in "abc")
        invalid = ('"not a url"', '"ftp://example.com/"')
        return Sample('"https://example.com/"', stored, ascending, invalid)

    def _numbers(self, f: Field, step: Decimal) -> list[Decimal]:
        if f.min is not None:
            start = f.min
        elif f.max is not None:
            start = min(Decimal(1), f.max - 2 * step)
        else:
            start = Decimal(1)
        values = [start + i * step for i in range(3)]
        return [v for v in values if f.max is None or v <= f.max]

    def _sample_integer(self, f: Field) -> Sample:
        values = [int(v) for v in self._numbers(f, Decimal(1))]
        stored = f"{values[0]} + number" if f.unique else str(values[0])
        invalid = ['"abc"']
        if f.min is not None:
            invalid.append(str(int(f.min) - 1))
        if f.max is not None:
            invalid.append(str(int(f.max) + 1))
        return Sample(str(values[0]), stored, tuple(map(str, values)), tuple(invalid))

    def _sample_decimal(self, f: Field) -> Sample:
        step = Decimal(1) if f.digits > f.places else Decimal(1).scaleb(-f.places)
        values = [_quantize(v, f.places) for v in self._numbers(f, step)]
        stored = f'str(Decimal("{values[0]}") + number)' if f.unique else _literal(values[0])
        invalid = ['"abc"', _literal("9" * (f.digits - f.places + 1))]
        if f.min is not None:
            invalid.append(_literal(_quantize(f.min - step, f.places)))
        if f.max is not None:
            invalid.append(_literal(_quantize(f.max + step, f.places)))
        return Sample(_literal(values[0]), stored, tuple(map(_literal, values)), tuple(invalid))

    def _sample_boolean(self, f: Field) -> Sample:
        value = "False" if f.default == "true" else "True"
        return Sample(value, value, (), ('"maybe"',))

    def _sample_date(self, f: Field) -> Sample:
        stored = 'f"{2000 + number}-01-31"' if f.unique else '"2024-01-31"'
        ascending = tuple(f'"2024-01-0{day}"' for day in (1, 2, 3))
        return Sample('"2024-01-31"', stored, ascending, ('"2024-02-30"', '"tomorrow"'))

    def _sample_datetime(self, f: Field) -> Sample:
        valid = '"2024-01-31T12:30:00Z"'
        stored = 'f"{2000 + number}-01-31T12:30:00Z"' if f.unique else valid
        ascending = tuple(f'"2024-01-0{day}T08:00:00Z"' for day in (1, 2, 3))
        return Sample(valid, stored, ascending, ('"yesterday"',))

    def _sample_uuid(self, f: Field) -> Sample:
        valid = '"6f1c1c2e-8d1a-4f5e-9c3b-2a7d4e5f6a7b"'
        stored = 'f"6f1c1c2e-8d1a-4f5e-9c3b-{number:012d}"' if f.unique else valid
        return Sample(valid, stored, (), ('"not-a-uuid"',))

    def _sample_choice(self, f: Field) -> Sample:
        valid = _literal(f.choices[-1])
        ascending = tuple(_literal(c) for c in sorted(f.choices)[:3])
        return Sample(valid, valid, ascending, ('"not-a-choice"', "12"))

    def _sample_ref(self, f: Field) -> Sample:
        target = self.target(f)
        valid = f'f"{{TESTSERVER}}/api/v1/{target.path}/{{{f.name}.pk}}/"'
        return Sample(valid, f.name, (), (f'f"{{TESTSERVER}}/api/v1/{target.path}/999999/"',))


@dataclass(frozen=True)
class Helper:
    """A test module's function that creates one object of a resource, with valid values."""

    resource: Resource
    values: list[tuple[str, str]]  # the non-reference fields and their values, as source
    references: list[tuple[str, str]]  # the reference fields and the call creating a target
    numbered: bool  # takes ``number`` (a unique field, its own or a target's, varies by it)

    @property
    def function(self) -> str:
        """Its name: ``new_book``."""
        return f"new_{self.resource.singular}"

    def call(self, number: str = "number") -> str:
        """A call of it, as source."""
        return f"{self.function}(owned, {number})" if self.numbered else f"{self.function}(owned)"


def _helpers(
    resource: Resource, chain: Sequence[Resource], every: Mapping[str, Resource]
) -> list[Helper]:
    """The creating functions of a test module: the targets', in order, then the resource's."""
    made: dict[str, Helper] = {}
    for current in [*chain, resource]:
        if current is ITEMS:
            made["items"] = Helper(ITEMS, [("name", '"Widget"'), ("price", '"9.99"')], [], False)
            continue
        fields = _Fields(current, every)
        chosen = [
            x
            for x in current.fields
            if (current is resource or not x.optional) and x.target != current.name
        ]
        values = [(x.name, fields.sample(x).stored) for x in chosen if x.type != "ref"]
        references = [(x.name, made[str(x.target)].call()) for x in chosen if x.type == "ref"]
        numbered = any(x.unique for x in chosen) or any(
            made[str(x.target)].numbered for x in chosen if x.type == "ref"
        )
        made[current.name] = Helper(current, values, references, numbered)
    return list(made.values())


def _quantize(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


class DrfScaffold:
    """Writes resources into a Django REST Framework project."""

    def requirements(self, project: Project) -> list[tuple[str, str]]:
        """What the written modules build on in the project (see :class:`Scaffold`)."""
        needed = [
            ("resources/__init__.py", "APPS"),
            ("resources/routes.py", "ROUTES"),
            ("api/urls.py", "resources.routes"),
            ("api/fields.py", "class LengthAsSentField"),
            ("api/filters.py", "class StableOrderingFilter"),
            ("api/filters.py", "class TextSearchFilter"),
            ("api/mixins.py", "class LookupObjectMixin"),
        ]
        if project.answer("auth") != "none":
            needed.append(("api/viewsets.py", "class OwnedModelViewSet"))
        return needed

    def render(
        self, project: Project, new: Sequence[Resource], known: Mapping[str, Resource]
    ) -> Changes:
        """The modules of each resource in ``new``, its tests and the two registries."""
        for resource in new:
            if resource.name in TAKEN_LABELS or resource.name == project.package_name:
                raise InvalidResourceError(
                    f"resource name '{resource.name}' is reserved: a Django app or module of "
                    "this project has that name"
                )
        every = {**known, **{r.name: r for r in new}}
        auth = project.answer("auth") != "none"
        postgresql = project.answer("database") == "postgresql"
        environment = _environment()
        changes = Changes()
        for resource in new:
            fields = _Fields(resource, every)
            context = {
                "r": resource,
                "f": fields,
                "auth": auth,
                # `?search=` reads trigram indexes on PostgreSQL.
                "trigram": postgresql and bool(fields.trigram_indexes()),
                "helpers": _helpers(resource, self._chain(resource, every), every),
                "auth_scheme": AUTH_SCHEMES.get(project.answer("auth")),
                "one": f"the_{resource.singular}"
                if resource.singular in FIXTURES
                else resource.singular,
            }
            base = f"resources/{resource.name}"
            for template, path in (
                ("app_init.py.jinja", f"{base}/__init__.py"),
                ("models.py.jinja", f"{base}/models.py"),
                ("serializers.py.jinja", f"{base}/serializers.py"),
                ("views.py.jinja", f"{base}/views.py"),
                ("migrations_init.py.jinja", f"{base}/migrations/__init__.py"),
                ("test_resource.py.jinja", f"tests/test_{resource.name}.py"),
            ):
                changes.created[path] = environment.get_template(template).render(context)
            if context["trigram"]:
                # pg_trgm, which the api's migrations create, before this app's first one.
                changes.created[f"{base}/migrations/0001_trigram.py"] = environment.get_template(
                    "migration_trigram.py.jinja"
                ).render(context)
        ordered = sorted(every.values(), key=lambda r: r.name)
        registry = {"resources": ordered}
        changes.edited["resources/__init__.py"] = environment.get_template(
            "registry_init.py.jinja"
        ).render(registry)
        changes.edited["resources/routes.py"] = environment.get_template(
            "registry_routes.py.jinja"
        ).render(registry)
        return changes

    def _chain(self, resource: Resource, every: Mapping[str, Resource]) -> list[Resource]:
        """The resources a test must create before ``resource``: its targets, theirs, ..."""
        chain: list[Resource] = []

        def visit(current: Resource) -> None:
            for f in current.references:
                if f.optional or f.target == current.name:
                    continue
                target = ITEMS if f.target == "items" else every[str(f.target)]
                if target not in chain:
                    if target is not ITEMS:
                        visit(target)
                    chain.append(target)

        visit(resource)
        for f in resource.references:  # optional references are still tested
            target = ITEMS if f.target == "items" else every[str(f.target)]
            if target not in chain and target.name != resource.name:
                if target is not ITEMS:
                    visit(target)
                chain.append(target)
        return chain

    def finish(self, project: Project, new: Sequence[Resource]) -> list[list[str]]:
        """``makemigrations`` for the new apps (the template's, which formats with Ruff)."""
        labels = [r.name for r in new]
        files = [
            f"resources/{r.name}/{module}.py"
            for r in new
            for module in ("models", "serializers", "views")
        ] + [f"tests/test_{r.name}.py" for r in new]
        return [
            [
                "uv",
                "run",
                "python",
                "manage.py",
                "makemigrations",
                "--settings=tests.settings",
                *labels,
            ],
            ["uv", "run", "ruff", "format", "--quiet", *files],
        ]
