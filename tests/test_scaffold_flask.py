"""The Flask-RESTful writer of ``apigen add resource``: which files, saying what."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.resources import Resource, parse_resource, resolve
from apigen.scaffold import Project, scaffold_for
from apigen.scaffold.flask_restful import FlaskRestfulScaffold

EVERY_TYPE = [
    "label:string:unique",
    "notes:text:optional",
    "count:integer:min=0:max=1000",
    "weight:decimal:digits=6:places=3:min=0",
    "active:boolean:default=true",
    "released:date:optional",
    "seen_at:datetime",
    "contact:email:optional",
    "homepage:url",
    "code:uuid:unique",
    "status:choice:draft/published/archived:default=draft",
    "maker:ref:authors:optional:cascade",
    "book:ref:books:cascade",
    "nickname:string:min=3:max=20:index",
    "parent:ref:gadgets:optional",
]


def project(root: Path, orm: str = "sqlalchemy", auth: str = "token") -> Project:
    answers = {
        "framework": "flask-restful",
        "orm": orm,
        "auth": auth,
        "database": "postgresql",
        "package_name": "svc",
        "project_name": "svc",
    }
    return Project(root, answers)


def domain() -> dict[str, Resource]:
    resources = resolve(
        [
            parse_resource("gadgets", EVERY_TYPE),
            parse_resource("books", ["title:string", "author:ref:authors"]),
            parse_resource("authors", ["name:string"]),
        ],
        (),
    )
    return {resource.name: resource for resource in resources}


def test_scaffold_for_a_flask_project_is_this_writer(tmp_path: Path) -> None:
    assert isinstance(scaffold_for(project(tmp_path)), FlaskRestfulScaffold)


@pytest.mark.parametrize("orm", ["sqlalchemy", "peewee"])
@pytest.mark.parametrize("auth", ["none", "token"])
def test_every_module_is_python_and_lists_every_resource(
    tmp_path: Path, orm: str, auth: str
) -> None:
    known = domain()
    changes = FlaskRestfulScaffold().render(
        project(tmp_path, orm, auth), list(known.values()), known
    )
    assert changes.edited == {}
    expected = {"svc/api/values.py", "svc/api/resources/__init__.py"}
    expected.add("svc/store/resources/__init__.py")
    for name in ("authors", "books", "gadgets"):
        expected |= {
            f"svc/store/resources/{name}.py",
            f"svc/api/resources/{name}.py",
            f"tests/test_{name}.py",
        }
    assert set(changes.created) == expected
    for path, text in changes.created.items():
        compile(text, path, "exec")  # raises on a syntax error
        assert "\t" not in text
        assert text.endswith("\n")
        assert not text.endswith("\n\n")
    registry = changes.created["svc/api/resources/__init__.py"]
    assert "from . import authors, books, gadgets" in registry
    store = changes.created["svc/store/resources/__init__.py"]
    assert store.index("import Author") < store.index("import Book") < store.index("import Gadget")
    assert ("(self.owner" in changes.created["svc/api/resources/books.py"]) is False
    assert ("require_owner(book)" in changes.created["svc/api/resources/books.py"]) == (
        auth != "none"
    )


def test_sqlalchemy_models_refer_refuse_or_cascade(tmp_path: Path) -> None:
    known = domain()
    changes = FlaskRestfulScaffold().render(project(tmp_path), [known["gadgets"]], known)
    model = changes.created["svc/store/resources/gadgets.py"]
    assert 'ForeignKey("authors.id", ondelete="CASCADE"), nullable=True' in model
    assert 'ForeignKey("books.id", ondelete="CASCADE")' in model
    # Without cascade, the database refuses to delete a referenced row (a 409).
    assert 'ForeignKey("gadgets.id"), nullable=True' in model
    assert "remote_side=[id]" in model
    # A choice is both ordered and filtered by: one index serves both.
    assert model.count('Index("ix_gadgets_status_id", "status", "id")') == 1
    assert 'postgresql_ops={"label": "gin_trgm_ops"}' in model
    assert "weight: Mapped[Decimal] = mapped_column(Numeric(6, 3))" in model
    assert "released: Mapped[date | None] = mapped_column(Date, nullable=True)" in model
    assert "code: Mapped[UUID] = mapped_column(Uuid, unique=True)" in model
    api = changes.created["svc/api/resources/gadgets.py"]
    assert 'values.hyperlink("api.author", get_author), nullable=True, default=None' in api
    assert "raise Referred(referrers(gadget))" in api
    orderings = api.split("ORDERINGS = ")[1].split("\n")[0]
    assert orderings.startswith('("label", "count", "weight", "seen_at", "contact", "status"')
    assert "released" not in orderings  # it may be null, which no cursor holds
    assert "homepage" not in orderings


def test_peewee_models_refer_refuse_or_cascade(tmp_path: Path) -> None:
    known = domain()
    changes = FlaskRestfulScaffold().render(project(tmp_path, "peewee"), [known["gadgets"]], known)
    model = changes.created["svc/store/resources/gadgets.py"]
    assert 'maker = ForeignKeyField(Author, on_delete="CASCADE", null=True)' in model
    assert "parent = ForeignKeyField('self', null=True)" in model
    assert "weight = DecimalField(max_digits=6, decimal_places=3)" in model
    assert '(("maker", "id"), False),' in model
    # A choice is both ordered and filtered by: one index serves both (MySQL refuses two).
    assert model.count('(("status", "id"), False),') == 1
    # `flask db migrate` makes the trigram indexes of the searched fields, on PostgreSQL only.
    searched = [m for m in known["gadgets"].fields if m.searchable]
    assert [m.name for m in searched] == ["label", "notes", "contact", "nickname"]
    assert 'trigram_indexes = ("label", "notes", "contact", "nickname")' in model
    mysql = Project(tmp_path, {**project(tmp_path, "peewee").answers, "database": "mysql"})
    elsewhere = FlaskRestfulScaffold().render(mysql, [known["gadgets"]], known)
    assert "trigram_indexes" not in elsewhere.created["svc/store/resources/gadgets.py"]
    registry = changes.created["svc/store/resources/__init__.py"]
    assert "ADDED_MODELS: tuple[type[BaseModel], ...] = (Author, Book, Gadget)" in registry


def test_registries_are_edited_once_the_template_wrote_them(tmp_path: Path) -> None:
    for path in ("svc/api/resources", "svc/store/resources"):
        (tmp_path / path).mkdir(parents=True)
        (tmp_path / path / "__init__.py").write_text('"""Empty."""\n')
    known = domain()
    changes = FlaskRestfulScaffold().render(project(tmp_path), [known["authors"]], known)
    assert set(changes.edited) == {
        "svc/api/resources/__init__.py",
        "svc/store/resources/__init__.py",
    }
    assert "svc/api/values.py" in changes.created
    assert "tests/test_authors.py" in changes.created
    assert "tests/test_books.py" not in changes.created


def test_finish_formats_then_migrates_with_the_projects_own_tool(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_initial.py").touch()
    (versions / "0002_list_indexes.py").touch()
    new = [domain()["authors"]]
    commands = FlaskRestfulScaffold().finish(project(tmp_path), new)
    assert commands[0][:4] == ["uv", "run", "ruff", "check"]
    assert commands[1][:4] == ["uv", "run", "ruff", "format"]
    flask = ["uv", "run", "flask", "--app", "svc", "db"]
    assert commands[2:] == [
        [*flask, "upgrade"],
        [*flask, "migrate", "-m", "add authors", "--rev-id", "0003"],
    ]
    peewee = FlaskRestfulScaffold().finish(project(tmp_path, "peewee"), new)
    assert peewee[2:] == [[*flask, "migrate", "-m", "add authors"]]


def test_new_resources_join_the_earlier_ones_and_may_refer_to_items(tmp_path: Path) -> None:
    earlier = {"authors": parse_resource("authors", ["name:string"])}
    new = resolve(
        [parse_resource("reviews", ["text:text", "item:ref:items", "author:ref:authors"])],
        ["authors", "items"],
    )
    changes = FlaskRestfulScaffold().render(project(tmp_path), new, earlier)
    assert "from . import authors, reviews" in changes.created["svc/api/resources/__init__.py"]
    assert "tests/test_authors.py" not in changes.created
    model = changes.created["svc/store/resources/reviews.py"]
    assert "from ..models import Item, Timestamp, User, utcnow" not in model
    assert "from ..models import Item" in model
    assert 'ForeignKey("items.id")' in model
    api = changes.created["svc/api/resources/reviews.py"]
    assert "from ...store.items import get_item" in api
    assert 'values.hyperlink("api.item", get_item)' in api
    tests = changes.created["tests/test_reviews.py"]
    assert 'ITEMS = "/api/v1/items/"' in tests
    assert "def new_item(" in tests
