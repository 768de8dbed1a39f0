"""The CLI: every option, every refusal, atomic generation, and a fast --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from apigen import generate as generate_module
from apigen import options
from apigen.cli import main


def answers_of(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


def test_help_and_version_do_not_import_copier() -> None:
    for flag in ("--help", "--version", "new --help"):
        code = (
            "import sys\n"
            "from apigen.cli import main\n"
            f"sys.argv = ['apigen', *{flag.split()!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'copier' not in sys.modules, 'copier was imported'\n"
            "assert 'yaml' not in sys.modules, 'yaml was imported'\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("apigen, version ")


def test_new_with_defaults_renders_commits_and_prints_next_steps(
    runner: CliRunner, in_tmp: Path
) -> None:
    result = runner.invoke(main, ["new", "my-service", "--defaults"])
    assert result.exit_code == 0, result.output
    project = in_tmp / "my-service"
    answers = answers_of(project)
    assert answers["framework"] == "drf"
    assert answers["package_name"] == "my_service"
    assert answers["orm"] == "django"
    assert "Next steps:" in result.output
    assert "cd my-service" in result.output
    assert git(project, "branch", "--show-current").strip() == "main"
    assert git(project, "log", "--format=%s").strip() == "Initial commit from apigen"
    assert git(project, "status", "--porcelain") == ""
    assert ".copier-answers.yml" in git(project, "ls-files")
    # Nothing but the project is left in the parent directory.
    assert [p.name for p in in_tmp.iterdir()] == ["my-service"]


@pytest.mark.parametrize(
    ("question", "value"),
    [
        (q.name, value)
        for q in options.QUESTIONS.values()
        if not q.is_bool
        for value in q.choices
        if q.name != "orm"
    ],
)
def test_every_choice_reaches_the_answers_file(
    runner: CliRunner, in_tmp: Path, question: str, value: str
) -> None:
    result = runner.invoke(main, ["new", "svc", "--defaults", f"--{question}", value])
    assert result.exit_code == 0, result.output
    answers = answers_of(in_tmp / "svc")
    assert answers[question] == value
    framework = options.FRAMEWORKS[str(answers["framework"])]
    assert answers["orm"] == framework.default_orm


@pytest.mark.parametrize("framework", list(options.FRAMEWORKS))
def test_orm_defaults_to_the_frameworks_own_and_accepts_it(
    runner: CliRunner, in_tmp: Path, framework: str
) -> None:
    orm = options.FRAMEWORKS[framework].default_orm
    result = runner.invoke(
        main, ["new", "svc", "--defaults", "--framework", framework, "--orm", orm]
    )
    assert result.exit_code == 0, result.output
    assert answers_of(in_tmp / "svc")["orm"] == orm


@pytest.mark.parametrize("question", [q.name for q in options.QUESTIONS.values() if q.is_bool])
def test_boolean_flags_both_ways(runner: CliRunner, in_tmp: Path, question: str) -> None:
    for flag, expected in ((f"--{question}", True), (f"--no-{question}", False)):
        dest = in_tmp / f"svc-{expected}"
        result = runner.invoke(main, ["new", "svc", "--defaults", flag, "--dir", str(dest)])
        assert result.exit_code == 0, result.output
        assert answers_of(dest)[question] is expected


def test_choices_are_case_insensitive(runner: CliRunner, in_tmp: Path) -> None:
    result = runner.invoke(main, ["new", "svc", "--defaults", "--framework", "Flask-RESTful"])
    assert result.exit_code == 0, result.output
    assert answers_of(in_tmp / "svc")["framework"] == "flask-restful"


def test_dir_option_creates_missing_parents(runner: CliRunner, in_tmp: Path) -> None:
    dest = in_tmp / "a" / "b" / "service"
    result = runner.invoke(main, ["new", "svc", "--defaults", "--dir", str(dest)])
    assert result.exit_code == 0, result.output
    assert answers_of(dest)["project_name"] == "svc"


def test_empty_destination_directory_is_used(runner: CliRunner, in_tmp: Path) -> None:
    (in_tmp / "svc").mkdir()
    result = runner.invoke(main, ["new", "svc", "--defaults"])
    assert result.exit_code == 0, result.output
    assert (in_tmp / "svc" / ".copier-answers.yml").is_file()


@pytest.mark.parametrize(
    ("framework", "keys", "orm"),
    [
        # framework, orm, auth, database, redis, docker, ci
        ("flask-restful", "peewee\n", "peewee"),
        ("flask-restful", "\n", "sqlalchemy"),
        # drf has one ORM: it is not asked
        ("drf", "", "django"),
    ],
)
def test_prompts_on_a_terminal(
    runner: CliRunner,
    in_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    framework: str,
    keys: str,
    orm: str,
) -> None:
    monkeypatch.setattr("apigen.cli._is_terminal", lambda: True)
    keys = f"{framework}\n{keys}jwt\npostgresql\ny\nn\nnone\n"
    result = runner.invoke(main, ["new", "svc"], input=keys)
    assert result.exit_code == 0, result.output
    assert ("ORM" in result.output) == (framework == "flask-restful")
    answers = answers_of(in_tmp / "svc")
    assert answers["framework"] == framework
    assert answers["orm"] == orm
    assert answers["auth"] == "jwt"
    assert answers["database"] == "postgresql"
    assert answers["redis"] is True
    assert answers["docker"] is False
    assert answers["ci"] == "none"


BAD_NAMES = [
    ("", "project name is empty"),
    ("   ", "project name is empty"),
    (" svc", "leading or trailing whitespace"),
    ("a/b", "contains a path separator"),
    ("a\\b", "contains a path separator"),
    ("..", "contains '..'"),
    ("a..b", "contains '..'"),
    ("-svc", "starts with '-'"),
    ("x" * 31, "at most 30"),
    ("1svc", "starting with a letter"),
    ("my svc", "use letters, digits"),
    ("my.svc", "use letters, digits"),
    ("sérvice", "use letters, digits"),
    ("class", "reserved"),
    ("test", "reserved"),
    ("json", "reserved"),
    ("site", "reserved"),
    ("Django", "reserved"),
    ("flask", "reserved"),
    ("rest-framework", "reserved"),
]


@pytest.mark.parametrize(("name", "message"), BAD_NAMES, ids=[repr(n) for n, _ in BAD_NAMES])
def test_bad_names_are_refused_with_one_line_and_nothing_written(
    runner: CliRunner, in_tmp: Path, name: str, message: str
) -> None:
    result = runner.invoke(main, ["new", "--defaults", "--", name])
    assert result.exit_code == 2, result.output
    assert message in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert repr(name) in lines[0] or "empty" in lines[0]
    assert "Traceback" not in result.output
    assert list(in_tmp.iterdir()) == []


def test_existing_non_empty_destination_is_never_touched(runner: CliRunner, in_tmp: Path) -> None:
    (in_tmp / "svc").mkdir()
    keep = in_tmp / "svc" / "keep.txt"
    keep.write_text("mine", encoding="utf-8")
    result = runner.invoke(main, ["new", "svc", "--defaults"])
    assert result.exit_code == 2
    assert "exists and is not empty" in result.output
    assert keep.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["svc"]
    assert [p.name for p in (in_tmp / "svc").iterdir()] == ["keep.txt"]


def test_destination_that_is_a_file_is_refused(runner: CliRunner, in_tmp: Path) -> None:
    (in_tmp / "svc").write_text("x", encoding="utf-8")
    result = runner.invoke(main, ["new", "svc", "--defaults"])
    assert result.exit_code == 2
    assert "is not a directory" in result.output


def test_unknown_choice_is_a_usage_error(runner: CliRunner, in_tmp: Path) -> None:
    result = runner.invoke(main, ["new", "svc", "--auth", "oauth"])
    assert result.exit_code == 2
    assert "'oauth' is not one of" in result.output
    assert list(in_tmp.iterdir()) == []


def test_impossible_orm_pair_is_refused(runner: CliRunner, in_tmp: Path) -> None:
    result = runner.invoke(
        main, ["new", "svc", "--defaults", "--framework", "drf", "--orm", "sqlalchemy"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == "error: orm 'sqlalchemy' does not work with drf: choose django"
    assert list(in_tmp.iterdir()) == []


def test_unimplemented_option_is_refused(
    runner: CliRunner, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drf = options.FRAMEWORKS["drf"]
    limited = type(drf)(**{**drf.__dict__, "unsupported": {"database": frozenset({"mysql"})}})
    monkeypatch.setitem(options.FRAMEWORKS, "drf", limited)
    result = runner.invoke(main, ["new", "svc", "--defaults", "--database", "mysql"])
    assert result.exit_code == 2
    assert "database 'mysql' is not implemented by the drf template yet" in result.output
    assert list(in_tmp.iterdir()) == []


def test_failure_after_rendering_leaves_nothing(
    runner: CliRunner, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_commit(project: Path, *, has_identity: bool) -> None:
        raise generate_module.GenerationError("git commit failed: simulated")

    monkeypatch.setattr(generate_module, "_first_commit", broken_commit)
    result = runner.invoke(main, ["new", "svc", "--defaults", "--dir", "deep/er/svc"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: git commit failed: simulated"
    assert list(in_tmp.iterdir()) == []


def test_ctrl_c_while_rendering_leaves_nothing(
    runner: CliRunner, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render = generate_module.render

    def interrupted(*args: object, **kwargs: object) -> None:
        real_render(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(generate_module, "render", interrupted)
    result = runner.invoke(main, ["new", "svc", "--defaults"])
    assert result.exit_code == 130
    assert "interrupted" in result.output
    assert list(in_tmp.iterdir()) == []


def test_throwaway_identity_when_none_is_configured(
    runner: CliRunner, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = in_tmp.parent / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    result = runner.invoke(main, ["new", "svc", "--defaults"])
    assert result.exit_code == 0, result.output
    assert git(in_tmp / "svc", "log", "--format=%ae").strip() == "apigen@localhost"
