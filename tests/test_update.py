"""``apigen update``: two template versions, a hand-edited project, offline three-way updates."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest
import yaml
from click.testing import CliRunner

from apigen import update as update_module
from apigen.cli import main
from apigen.generate import generate
from tests.conftest import add_dependency, commit_all, git, release_v2


@pytest.fixture
def project(tmp_path: Path, template: Path) -> Path:
    """A project generated from v1.0.0 and edited by its owners, all committed."""
    made = generate(
        "shop", {"framework": "drf"}, tmp_path / "shop", template=template, vcs_ref="v1.0.0"
    )
    path = made.path
    # A new module, a new dependency, an edited README line.
    (path / "shop" / "extra.py").parent.mkdir(exist_ok=True)
    (path / "shop" / "extra.py").write_text('"""Our own endpoint."""\n', encoding="utf-8")
    add_dependency(path, "humanize>=4")
    readme = path / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(1, "Owned by the shop team.\n")
    readme.write_text("".join(lines), encoding="utf-8")
    commit_all(path, "Our edits")
    return path


def answers(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def test_new_records_the_template_version(project: Path) -> None:
    assert answers(project)["_commit"] == "v1.0.0"
    assert ".copier-answers.yml" in git(project, "ls-files")


def test_update_applies_template_changes_and_keeps_every_edit(
    project: Path, template: Path
) -> None:
    release_v2(template)
    plan = update_module.update(project, source=template)
    assert (plan.old_version, plan.new_version) == ("v1.0.0", "v1.1.0")
    assert plan.conflicts == []
    assert (project / "CODEOWNERS").read_text(encoding="utf-8") == "* @platform-team\n"
    assert ".apigen-v2-cache/" in (project / ".gitignore").read_text(encoding="utf-8")
    assert (project / "shop" / "extra.py").is_file()
    assert '"humanize>=4",' in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert "Owned by the shop team." in (project / "README.md").read_text(encoding="utf-8")
    assert answers(project)["_commit"] == "v1.1.0"
    assert git(project, "ls-files", "-u") == ""
    # Nothing is committed for the owner: the update waits for review.
    assert git(project, "log", "--format=%s", "-1").strip() == "Our edits"


def test_a_true_conflict_is_reported_with_markers_and_exit_code(
    project: Path, template: Path, runner: CliRunner
) -> None:
    release_v2(template, readme_line="Maintained with apigen.")
    result = runner.invoke(
        main,
        ["update", str(project)],
        obj=None,
        catch_exceptions=False,
        env={"APIGEN_TEMPLATE_SOURCE": str(template)},
    )
    assert result.exit_code == 1, result.output
    assert "conflict" in result.output
    assert "README.md" in result.output
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "<<<<<<<" in readme
    assert "Owned by the shop team." in readme
    assert "Maintained with apigen." in readme
    assert "README.md" in git(project, "ls-files", "-u")
    # The rest of the update is applied and nothing of the owner's is lost.
    assert (project / "CODEOWNERS").is_file()
    assert (project / "shop" / "extra.py").is_file()


def test_dry_run_touches_nothing(project: Path, template: Path, runner: CliRunner) -> None:
    release_v2(template, readme_line="Maintained with apigen.")
    result = runner.invoke(
        main,
        ["update", str(project), "--dry-run"],
        env={"APIGEN_TEMPLATE_SOURCE": str(template)},
    )
    assert result.exit_code == 0, result.output
    assert "would update v1.0.0 -> v1.1.0" in result.output
    assert "C README.md" in result.output
    assert "CODEOWNERS" in result.output
    assert git(project, "status", "--porcelain") == ""
    assert not (project / "CODEOWNERS").exists()
    assert "worktree" not in git(project, "worktree", "list").split("\n", 1)[-1]


def test_set_changes_an_answer_on_the_way(project: Path, template: Path) -> None:
    release_v2(template)
    plan = update_module.update(project, source=template, sets=["auth=jwt", "redis=true"])
    assert plan.new_answers["auth"] == "jwt"
    assert answers(project)["auth"] == "jwt"
    assert answers(project)["redis"] is True
    assert (project / "shop" / "extra.py").is_file()


# What a move from auth=none to each scheme brings (the scheme's own modules).
SCHEME_FILES = {
    ("drf", "apikey"): ["api/apikeys.py", "api/migrations/0003_apikey.py"],
    ("drf", "remote-user"): ["api/remote_user.py"],
    ("drf", "oauth2"): ["api/oauth2.py", "api/management/commands/issue-dev-token.py"],
    ("flask-restful", "apikey"): ["shop/auth/apikey.py", "shop/cli.py"],
    ("flask-restful", "remote-user"): ["shop/auth/remote_user.py", "shop/store/users.py"],
    ("flask-restful", "oauth2"): ["shop/auth/oauth2.py", "shop/auth/access_tokens.py"],
}


@pytest.mark.parametrize(("framework", "auth"), list(SCHEME_FILES), ids="-".join)
def test_set_moves_a_project_from_no_auth_to_a_scheme(
    tmp_path: Path, template: Path, framework: str, auth: str
) -> None:
    made = generate(
        "shop", {"framework": framework}, tmp_path / "shop", template=template, vcs_ref="v1.0.0"
    )
    release_v2(template)
    plan = update_module.update(made.path, source=template, sets=[f"auth={auth}"])
    assert plan.conflicts == []
    assert answers(made.path)["auth"] == auth
    for name in SCHEME_FILES[framework, auth]:
        assert (made.path / name).is_file(), name
    readme = (made.path / "README.md").read_text(encoding="utf-8")
    assert "every endpoint is open" not in readme.lower()


def test_migrations_keep_a_renamed_answer(
    project: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release_v2(template)
    seen: list[str] = []

    def rename(old: dict[str, object]) -> dict[str, object]:
        seen.append(str(old["database"]))
        return {**old, "database": "postgresql"}

    monkeypatch.setattr(
        update_module,
        "MIGRATIONS",
        [update_module.Migration("v1.1.0", "sqlite renamed", rename)],
    )
    plan = update_module.update(project, source=template)
    assert seen == ["sqlite"]
    assert plan.new_answers["database"] == "postgresql"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "v9.9.9"], "unknown version 'v9.9.9'"),
        (["--set", "auth=oauth"], "auth 'oauth' is not allowed"),
        (["--set", "colour=blue"], "unknown question 'colour'"),
        (["--set", "auth"], "is not KEY=VALUE"),
        (["--set", "redis=maybe"], "choose true or false"),
        (["--set", "framework=flask-restful"], "framework 'drf' cannot change to 'flask-restful'"),
        (["--set", "orm=peewee"], "orm 'django' cannot change to 'peewee' in an update"),
    ],
)
def test_refusals(
    project: Path, template: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    release_v2(template)
    result = runner.invoke(
        main, ["update", str(project), *args], env={"APIGEN_TEMPLATE_SOURCE": str(template)}
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert git(project, "status", "--porcelain") == ""


def test_downgrade_is_refused(project: Path, template: Path, runner: CliRunner) -> None:
    release_v2(template)
    update_module.update(project, source=template)
    commit_all(project, "Update to 1.1.0")
    result = runner.invoke(
        main,
        ["update", str(project), "--to", "1.0.0"],
        env={"APIGEN_TEMPLATE_SOURCE": str(template)},
    )
    assert result.exit_code == 2
    assert "older than the project's 'v1.1.0'" in result.output


def test_dirty_tree_is_refused(project: Path, template: Path, runner: CliRunner) -> None:
    (project / "README.md").write_text("changed\n", encoding="utf-8")
    result = runner.invoke(
        main, ["update", str(project)], env={"APIGEN_TEMPLATE_SOURCE": str(template)}
    )
    assert result.exit_code == 2
    assert "uncommitted changes" in result.output
    assert (project / "README.md").read_text(encoding="utf-8") == "changed\n"


def test_not_a_project_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["update", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not an apigen project" in result.output


def test_already_up_to_date(project: Path, template: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["update", str(project)], env={"APIGEN_TEMPLATE_SOURCE": str(template)}
    )
    assert result.exit_code == 0, result.output
    assert "Already at v1.0.0" in result.output


def test_plain_copier_update_still_works(project: Path, template: Path) -> None:
    release_v2(template)
    copier.run_update(
        str(project), defaults=True, overwrite=True, unsafe=False, quiet=True, conflict="inline"
    )
    assert (project / "CODEOWNERS").is_file()
    assert answers(project)["_commit"] == "v1.1.0"
