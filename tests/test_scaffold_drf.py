"""The DRF scaffold's models: an index per ordering and filter, trigram indexes on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.resources import parse_resource
from apigen.scaffold import Project
from apigen.scaffold.drf import DrfScaffold


@pytest.mark.parametrize("database", ["postgresql", "mysql"])
def test_models_index_each_ordering_filter_and_search(tmp_path: Path, database: str) -> None:
    answers = {
        "framework": "drf",
        "orm": "django",
        "auth": "token",
        "database": database,
        "package_name": "svc",
        "project_name": "svc",
    }
    authors = parse_resource("authors", ["name:string"])
    books = parse_resource(
        "books", ["title:string", "summary:text:optional", "in_print:boolean", "author:ref:authors"]
    )
    changes = DrfScaffold().render(Project(tmp_path, answers), [authors, books], {})
    model = changes.created["resources/books/models.py"]
    for field in ("title", "in_print", "author", "created_at"):
        assert f'models.Index(fields=["{field}", "id"], name="books_{field}_id")' in model
    trigram = 'GinIndex(OpClass(Upper("summary"), name="gin_trgm_ops"), name="books_summary_trgm")'
    first = "resources/books/migrations/0001_trigram.py"
    if database == "postgresql":
        assert trigram in model
        assert 'GinIndex(OpClass(Upper("title")' in model
        # pg_trgm comes from the api's migrations: the app's first migration waits for them.
        assert 'dependencies = [("api", "0002_list_indexes")]' in changes.created[first]
        compile(changes.created[first], first, "exec")
    else:
        assert "GinIndex" not in model
        assert first not in changes.created
    compile(model, "models.py", "exec")
