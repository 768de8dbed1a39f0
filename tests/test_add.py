"""``apigen add resource``: the notation, the refusals, the record, dry runs and atomicity.

The commands that finish an add (``makemigrations``, ``ruff format``) run in the generated
project's own environment; here they are replaced by a recorder, and the slow tier
(tests/slow/test_add.py) runs them for real.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from apigen import add as add_module
from apigen import update as update_module
from apigen.cli import main
from apigen.generate import generate
from apigen.resources import (
    InvalidResourceError,
    field_spec,
    load_file,
    parse_field,
    parse_resource,
    resolve,
)
from tests.conftest import commit_all, git, release_v2

BOOKS = [
    "books",
    "title:string",
    "price:decimal",
    "published:date",
    "in_print:boolean",
    "author:ref:authors",
]


class Recorder:
    """Stands in for the project's tools: records each command, answers as told."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.fail_with: str | None = None

    def __call__(self, command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(command))
        if self.fail_with is not None:
            return subprocess.CompletedProcess(command, 1, "", self.fail_with)
        # As makemigrations would, write a file of its own into the new app.
        if "makemigrations" in command:
            for label in command[command.index("--settings=tests.settings") + 1 :]:
                migration = cwd / "resources" / label / "migrations" / "0001_initial.py"
                migration.write_text("# made by makemigrations\n", encoding="utf-8")
        return subprocess.CompletedProcess(command, 0, "", "")


@pytest.fixture
def tools(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(add_module, "run_tool", recorder)
    return recorder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One DRF project with token auth, rendered once; each test works on a copy."""
    made = generate(
        "shop", {"framework": "drf", "auth": "token"}, tmp_path_factory.mktemp("p") / "shop"
    )
    return made.path


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "shop"
    subprocess.run(["git", "clone", "--quiet", str(rendered), str(copy)], check=True)
    return copy


def invoke(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["add", *args, "--project", str(project)])
    return result.exit_code, result.output


def snapshot(project: Path) -> tuple[str, list[str]]:
    """What a refusal must leave as it was: the status and every file but git's own."""
    files = sorted(
        str(p.relative_to(project))
        for p in project.rglob("*")
        if ".git" not in p.relative_to(project).parts
    )
    return git(project, "status", "--porcelain", "--untracked-files=all", "--ignored"), files


class TestNotation:
    def test_the_issue_s_fields_parse_as_written(self) -> None:
        books = parse_resource(BOOKS[0], BOOKS[1:])

        assert books.singular == "book"
        assert [f.type for f in books.fields] == ["string", "decimal", "date", "boolean", "ref"]
        assert books.fields[-1].target == "authors"

    @pytest.mark.parametrize(
        "spec",
        [
            "title:string",
            "summary:text:optional",
            "pages:integer:min=1:max=5000",
            "price:decimal:min=0:digits=12:places=3",
            "status:choice:draft/in-review/published:default=draft",
            "editor:ref:authors:optional:cascade",
            "code:uuid:unique",
            "rank:integer:index:default=3",
        ],
    )
    def test_a_field_s_spec_reads_back_as_the_same_field(self, spec: str) -> None:
        parsed = parse_field(spec)

        assert parse_field(f"{parsed.name}:{field_spec(parsed)}") == parsed

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            ("title", "has no type"),
            ("title:strin", "unknown type 'strin'"),
            ("title:string:uniq", "unknown modifier 'uniq' for string"),
            ("id:integer", "field name 'id' is reserved"),
            ("notes:text:unique", "a text cannot be unique: use string"),
            ("homepage:url:unique", "give it max=255 or less"),
            ("status:choice", "a choice lists its values"),
            ("author:ref", "a ref names its resource"),
            ("pages:integer:min=5:max=1", "min=5 is above max=1"),
        ],
    )
    def test_invalid_fields_are_refused_with_what_is_wrong(self, spec: str, message: str) -> None:
        with pytest.raises(InvalidResourceError, match=message):
            parse_field(spec)

    def test_a_reference_to_its_own_resource_must_be_optional(self) -> None:
        categories = parse_resource("categories", ["parent:ref:categories"])

        with pytest.raises(InvalidResourceError, match="must be optional"):
            resolve([categories], [])

    def test_a_domain_file_is_ordered_by_reference(self, tmp_path: Path) -> None:
        domain = tmp_path / "domain.yaml"
        domain.write_text(
            "books:\n  title: string\n  author: ref:authors\nauthors:\n  name: string\n",
            encoding="utf-8",
        )

        ordered = resolve(load_file(domain), [])

        assert [r.name for r in ordered] == ["authors", "books"]


class TestAdd:
    def test_it_writes_the_resource_registers_it_and_runs_the_project_s_tools(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        code, output = invoke(runner, project, "resource", "authors", "name:string")

        assert code == 0, output
        assert (project / "resources" / "authors" / "models.py").is_file()
        assert (project / "tests" / "test_authors.py").is_file()
        assert '"resources.authors",' in (project / "resources" / "__init__.py").read_text()
        assert (
            '("authors", AuthorViewSet, "author")'
            in (project / "resources" / "routes.py").read_text()
        )
        assert tools.commands[0][:5] == ["uv", "run", "python", "manage.py", "makemigrations"]
        assert tools.commands[0][-1] == "authors"
        # Every change is listed, the migration the tool wrote included; nothing is committed.
        assert "resources/authors/migrations/0001_initial.py" in output
        assert git(project, "log", "--format=%s").count("\n") == 1
        assert "git diff" in output

    def test_the_record_keeps_each_resource_in_the_long_form(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        invoke(runner, project, "resource", "authors", "name:string:max=200")
        commit_all(project, "authors")
        invoke(runner, project, "resource", *BOOKS)

        record = yaml.safe_load((project / ".apigen-resources.yml").read_text(encoding="utf-8"))
        assert record == {
            "authors": {"singular": "author", "fields": {"name": "string:max=200"}},
            "books": {
                "singular": "book",
                "fields": {
                    "title": "string",
                    "price": "decimal",
                    "published": "date",
                    "in_print": "boolean",
                    "author": "ref:authors",
                },
            },
        }
        routes = (project / "resources" / "routes.py").read_text(encoding="utf-8")
        assert routes.index("AuthorViewSet,") < routes.index("BookViewSet,")

    def test_a_domain_file_adds_related_resources_at_once(
        self, project: Path, runner: CliRunner, tools: Recorder, tmp_path: Path
    ) -> None:
        domain = tmp_path / "domain.yaml"
        domain.write_text(
            "books:\n  title: string\n  author: ref:authors\nauthors:\n  name: string\n",
            encoding="utf-8",
        )

        code, output = invoke(runner, project, "resources", str(domain))

        assert code == 0, output
        assert "added authors, books" in output
        assert tools.commands[0][-2:] == ["authors", "books"]

    def test_a_reference_to_the_built_in_items_is_allowed(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        code, output = invoke(runner, project, "resource", "reviews", "item:ref:items")

        assert code == 0, output
        models = (project / "resources" / "reviews" / "models.py").read_text(encoding="utf-8")
        assert "from api.models import Item" in models
        assert "on_delete=models.PROTECT" in models

    def test_dry_run_lists_the_files_and_writes_nothing(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        before = snapshot(project)

        code, output = invoke(runner, project, "resource", "authors", "name:string", "--dry-run")

        assert code == 0, output
        assert "A resources/authors/models.py" in output
        assert "M resources/routes.py" in output
        assert "makemigrations" in output
        assert tools.commands == []
        assert snapshot(project) == before


class TestRefusals:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["authors", "name:strin"], "unknown type 'strin'"),
            (["authors", "name:string:often"], "unknown modifier 'often'"),
            (["items", "name:string"], "resource name 'items' is reserved"),
            (["authtoken", "key:string", "--singular=auth_token"], "a Django app or module of"),
            (BOOKS, "refers to 'authors', which does not exist"),
            (["sheep", "name:string"], "does not look plural"),
            (["logins", "at:datetime"], "its singular 'login' names one of the service's own"),
            (["passes", "code:string", "--singular=token"], "singular 'token' names one of"),
        ],
    )
    def test_refused_with_one_line_exit_2_and_an_untouched_tree(
        self, project: Path, runner: CliRunner, tools: Recorder, args: list[str], message: str
    ) -> None:
        before = snapshot(project)

        code, output = invoke(runner, project, "resource", *args)

        assert code == 2
        assert message in output
        assert output.count("\n") == 1
        assert snapshot(project) == before
        assert tools.commands == []

    def test_a_name_added_before_is_refused(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        invoke(runner, project, "resource", "authors", "name:string")
        commit_all(project, "authors")

        code, output = invoke(runner, project, "resource", "authors", "email:email")

        assert code == 2
        assert "resource 'authors' exists in this project" in output

    def test_a_dirty_tree_is_refused(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        (project / "notes.txt").write_text("work in progress\n", encoding="utf-8")

        code, output = invoke(runner, project, "resource", "authors", "name:string")

        assert code == 2
        assert "uncommitted changes" in output
        assert not (project / "resources" / "authors").exists()

    def test_a_directory_that_is_not_a_project_is_refused(
        self, tmp_path: Path, runner: CliRunner
    ) -> None:
        code, output = invoke(runner, tmp_path, "resource", "authors", "name:string")

        assert code == 2
        assert "is not an apigen project" in output

    @pytest.mark.parametrize(
        ("framework", "path", "held"),
        [
            ("drf", "api/viewsets.py", "class OwnedModelViewSet"),
            ("drf", "api/mixins.py", "class LookupObjectMixin"),
            ("flask-restful", "shop/store/database.py", "def referrers"),
        ],
    )
    def test_a_project_older_than_what_resources_build_on_is_refused(
        self,
        tmp_path: Path,
        runner: CliRunner,
        tools: Recorder,
        framework: str,
        path: str,
        held: str,
    ) -> None:
        answers = {"framework": framework, "auth": "token"}
        project = generate("shop", answers, tmp_path / "shop").path
        # What an older apigen made: the helper the resources import is not there yet.
        module = project / path
        module.write_text(module.read_text(encoding="utf-8").replace(held, "class Other"))
        commit_all(project, "as an older apigen made it")
        before = snapshot(project)

        code, output = invoke(runner, project, "resource", "authors", "name:string")

        assert code == 2
        assert f"'{path}' lacks `{held}`" in output
        assert "run `apigen update` first" in output
        assert output.count("\n") == 1
        assert snapshot(project) == before
        assert tools.commands == []

    def test_a_project_without_a_registry_module_is_refused(
        self, tmp_path: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        answers = {"framework": "flask-restful", "auth": "token"}
        project = generate("shop", answers, tmp_path / "shop").path
        (project / "shop" / "store" / "resources" / "__init__.py").unlink()
        commit_all(project, "as an older apigen made it")

        code, output = invoke(runner, project, "resource", "authors", "name:string")

        assert code == 2
        assert "'shop/store/resources/__init__.py' is missing" in output
        assert output.count("\n") == 1
        assert tools.commands == []

    def test_a_file_it_would_create_that_exists_is_refused(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        (project / "tests" / "test_authors.py").write_text("# ours\n", encoding="utf-8")
        commit_all(project, "our own test")
        before = snapshot(project)

        code, output = invoke(runner, project, "resource", "authors", "name:string")

        assert code == 2
        assert "'tests/test_authors.py' exists already" in output
        assert snapshot(project) == before

    def test_a_failing_tool_puts_the_tree_back_and_names_its_error(
        self, project: Path, runner: CliRunner, tools: Recorder
    ) -> None:
        before = snapshot(project)
        tools.fail_with = "Traceback (most recent call last):\nSystemCheckError: boom\n"

        code, output = invoke(runner, project, "resource", "authors", "name:string")

        assert code == 1
        assert "nothing was added: SystemCheckError: boom" in output
        assert snapshot(project) == before

    def test_the_tree_is_put_back_after_a_tool_that_wrote_and_failed(
        self, project: Path, tools: Recorder, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        invoke(CliRunner(), project, "resource", "authors", "name:string")
        commit_all(project, "authors")
        before = snapshot(project)

        def write_then_fail(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
            (cwd / "resources" / "books" / "migrations" / "0001_initial.py").write_text("x")
            (cwd / "resources" / "books" / "__pycache__").mkdir()
            return subprocess.CompletedProcess(command, 2, "", "error: no such table\n")

        monkeypatch.setattr(add_module, "run_tool", write_then_fail)
        with pytest.raises(add_module.AddError, match="no such table"):
            add_module.add(project, [parse_resource(BOOKS[0], BOOKS[1:])])

        assert snapshot(project) == before


def _shop_with_authors_and_books(template: Path, tmp_path: Path, answers: dict[str, str]) -> Path:
    """A token-auth project of template v1.0.0 with authors, then books, added and committed."""
    made = generate(
        "shop", {**answers, "auth": "token"}, tmp_path / "shop", template=template, vcs_ref="v1.0.0"
    )
    add_module.add(made.path, [parse_resource("authors", ["name:string"])])
    commit_all(made.path, "authors")
    add_module.add(made.path, [parse_resource(BOOKS[0], BOOKS[1:])])
    commit_all(made.path, "books")
    return made.path


def test_an_update_after_adding_resources_applies_without_conflicts(
    template: Path, tmp_path: Path, tools: Recorder
) -> None:
    project = _shop_with_authors_and_books(template, tmp_path, {"framework": "drf"})
    # The next template version changes the lines around both registration points.
    drf = template / "templates" / "drf"
    settings = drf / "{{package_name}}" / "settings.py.jinja"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace(
            "    *resources.APPS,\n", '    *resources.APPS,\n    "django.contrib.humanize",\n'
        ),
        encoding="utf-8",
    )
    urls = drf / "api" / "urls.py.jinja"
    text = urls.read_text(encoding="utf-8")
    urls.write_text(
        text.replace('app_name = "api"\n', 'app_name = "api"  # v1.1.0\n'), encoding="utf-8"
    )
    release_v2(template)

    plan = update_module.update(project, source=template)

    assert plan.conflicts == []
    assert '"django.contrib.humanize",' in (project / "shop" / "settings.py").read_text()
    assert '"resources.books",' in (project / "resources" / "__init__.py").read_text()
    assert "BookViewSet" in (project / "resources" / "routes.py").read_text()
    assert (project / "resources" / "books" / "models.py").is_file()
    assert git(project, "ls-files", "-u") == ""


@pytest.mark.parametrize("orm", ["sqlalchemy", "peewee"])
def test_a_flask_restful_update_after_adding_resources_applies_without_conflicts(
    template: Path, tmp_path: Path, tools: Recorder, orm: str
) -> None:
    project = _shop_with_authors_and_books(
        template, tmp_path, {"framework": "flask-restful", "orm": orm}
    )
    # The next template version changes the lines around the registration point.
    api = (
        template / "templates" / "flask_restful" / "{{package_name}}" / "api" / "__init__.py.jinja"
    )
    text = api.read_text(encoding="utf-8")
    assert "register_resources(api)\n" in text
    api.write_text(
        text.replace("register_resources(api)\n", "register_resources(api)  # v1.1.0\n"),
        encoding="utf-8",
    )
    release_v2(template)

    plan = update_module.update(project, source=template)

    assert plan.conflicts == []
    assert "# v1.1.0" in (project / "shop" / "api" / "__init__.py").read_text()
    registry = (project / "shop" / "api" / "resources" / "__init__.py").read_text()
    assert "books" in registry
    assert (project / "shop" / "api" / "resources" / "books.py").is_file()
    assert (project / "shop" / "store" / "resources" / "books.py").is_file()
    assert git(project, "ls-files", "-u") == ""


def test_in_a_monorepo_only_the_project_s_directory_counts_and_is_put_back(
    tmp_path: Path, tools: Recorder
) -> None:
    monorepo = tmp_path / "mono"
    monorepo.mkdir()
    git(monorepo, "init", "--quiet")
    (monorepo / "README.md").write_text("# Our services\n", encoding="utf-8")
    project = generate("shop", {"framework": "drf"}, monorepo / "services" / "shop").path
    commit_all(monorepo, "shop")
    (monorepo / "README.md").write_text("# Our services, edited\n", encoding="utf-8")
    tools.fail_with = "error: boom\n"

    with pytest.raises(add_module.AddError, match="boom"):
        add_module.add(project, [parse_resource("authors", ["name:string"])])

    assert git(monorepo, "status", "--porcelain", "--untracked-files=all") == " M README.md\n"
    tools.fail_with = None
    add_module.add(project, [parse_resource("authors", ["name:string"])])
    assert (project / "resources" / "authors" / "models.py").is_file()


def test_finishing_commands_use_the_example_settings_until_the_first_run(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(
        "# development\nENVIRONMENT=development\nSECRET_KEY=dev-only\n\nDATABASE_URL=sqlite:///x\n",
        encoding="utf-8",
    )
    assert add_module.example_settings(tmp_path) == {
        "ENVIRONMENT": "development",
        "SECRET_KEY": "dev-only",
        "DATABASE_URL": "sqlite:///x",
    }
    (tmp_path / ".env").write_text("SECRET_KEY=mine\n", encoding="utf-8")
    assert add_module.example_settings(tmp_path) == {}
