"""Where ``apigen new`` runs: inside a monorepo, inside a template checkout, any ``--dir``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from apigen import generate as generate_module
from apigen.cli import main
from apigen.generate import generate
from tests.conftest import REPO, add_dependency, commit_all, git, release_v2


def answers_of(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A git repository with one commit and a ``services/`` directory, like a team's monorepo."""
    repo = tmp_path / "monorepo"
    (repo / "services").mkdir(parents=True)
    (repo / "README.md").write_text("# Our services\n", encoding="utf-8")
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "Start")
    return repo


def test_inside_a_work_tree_apigen_makes_no_repository_and_commits_nothing(
    runner: CliRunner, monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(monorepo / "services")
    result = runner.invoke(main, ["new", "billing", "--defaults"])
    assert result.exit_code == 0, result.output
    project = monorepo / "services" / "billing"
    assert (project / ".copier-answers.yml").is_file()
    assert not (project / ".git").exists()
    assert git(monorepo, "log", "--format=%s").splitlines() == ["Start"]
    assert (
        git(monorepo, "status", "--porcelain", "--untracked-files=all", "--", ".").count("\n") > 10
    )
    assert all(
        line.startswith("?? services/billing/")
        for line in git(monorepo, "status", "--porcelain", "--untracked-files=all").splitlines()
    )
    assert "made no repository of its own" in result.output
    assert f"git -C {monorepo} add services/billing" in result.output
    # The workflow sits where GitHub does not look: the output says where to read about it.
    assert "'In a monorepo' in services/billing/README.md" in result.output
    assert "## In a monorepo" in (project / "README.md").read_text(encoding="utf-8")


def test_an_update_works_on_a_monorepo_subdirectory(
    tmp_path: Path, monorepo: Path, template: Path, runner: CliRunner
) -> None:
    project = generate(
        "billing",
        {"framework": "flask-restful"},
        monorepo / "services" / "billing",
        template=template,
        vcs_ref="v1.0.0",
    ).path
    commit_all(monorepo, "Add the billing service")
    add_dependency(project, "humanize>=4")
    commit_all(monorepo, "Our edit")
    env = {"APIGEN_TEMPLATE_SOURCE": str(template)}

    # Refused while the project's directory is dirty; a dirty file elsewhere does not matter.
    (project / "scratch.txt").write_text("wip\n", encoding="utf-8")
    result = runner.invoke(main, ["update", str(project)], env=env)
    assert result.exit_code == 2, result.output
    assert "uncommitted changes" in result.output
    (project / "scratch.txt").unlink()
    (monorepo / "notes.txt").write_text("elsewhere\n", encoding="utf-8")

    release_v2(template)
    result = runner.invoke(main, ["update", str(project), "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert not (project / "CODEOWNERS").exists()

    result = runner.invoke(main, ["update", str(project)], env=env)
    assert result.exit_code == 0, result.output
    assert (project / "CODEOWNERS").read_text(encoding="utf-8") == "* @platform-team\n"
    assert not (monorepo / "CODEOWNERS").exists()
    assert '"humanize>=4",' in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert answers_of(project)["_commit"] == "v1.1.0"
    assert git(monorepo, "log", "--format=%s", "-1").strip() == "Our edit"


def test_a_conflict_in_a_monorepo_subdirectory_is_listed_with_markers(
    monorepo: Path, template: Path, runner: CliRunner
) -> None:
    project = generate(
        "billing", {}, monorepo / "services" / "billing", template=template, vcs_ref="v1.0.0"
    ).path
    readme = project / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    readme.write_text("".join([lines[0], "Owned by billing.\n", *lines[1:]]), encoding="utf-8")
    commit_all(monorepo, "Add the billing service")
    release_v2(template, readme_line="Maintained with apigen.")
    result = runner.invoke(
        main, ["update", str(project)], env={"APIGEN_TEMPLATE_SOURCE": str(template)}
    )
    assert result.exit_code == 1, result.output
    assert "README.md" in result.output
    text = readme.read_text(encoding="utf-8")
    assert "<<<<<<<" in text
    assert "Owned by billing." in text
    assert "services/billing/README.md" in git(monorepo, "ls-files", "-u")


def test_update_refuses_a_project_outside_any_repository(
    tmp_path: Path, template: Path, runner: CliRunner
) -> None:
    project = generate("shop", {}, tmp_path / "shop", template=template, vcs_ref="v1.0.0").path
    shutil.rmtree(project / ".git")
    result = runner.invoke(
        main, ["update", str(project)], env={"APIGEN_TEMPLATE_SOURCE": str(template)}
    )
    assert result.exit_code == 2, result.output
    assert "is not in a git work tree" in result.output


@pytest.mark.parametrize("form", ["absolute", "relative", "tilde", "tilde-equals"])
def test_dir_takes_every_form_a_person_types(
    runner: CliRunner, in_tmp: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.setenv("HOME", str(in_tmp / "home"))
    expected = {
        "absolute": in_tmp / "abs" / "svc",
        "relative": in_tmp / "rel" / "svc",
        "tilde": in_tmp / "home" / "code" / "svc",
        "tilde-equals": in_tmp / "home" / "eq" / "svc",
    }[form]
    argument = {
        "absolute": ["--dir", str(expected)],
        "relative": ["--dir", "rel/svc"],
        "tilde": ["--dir", "~/code/svc"],  # as a shell leaves it when quoted
        "tilde-equals": ["--dir=~/eq/svc"],  # a shell does not expand this one
    }[form]
    result = runner.invoke(main, ["new", "svc", "--defaults", *argument])
    assert result.exit_code == 0, result.output
    assert answers_of(expected)["project_name"] == "svc"
    assert git(expected, "log", "--format=%s").strip() == "Initial commit from apigen"
    assert not (in_tmp / "~").exists()


def test_inside_another_projects_tree_the_new_service_is_left_to_that_repository(
    runner: CliRunner, in_tmp: Path
) -> None:
    assert runner.invoke(main, ["new", "shop", "--defaults"]).exit_code == 0
    result = runner.invoke(
        main, ["new", "worker", "--defaults", "--framework", "flask-restful", "--dir", "shop/w"]
    )
    assert result.exit_code == 0, result.output
    assert not (in_tmp / "shop" / "w" / ".git").exists()
    assert git(in_tmp / "shop", "status", "--porcelain").splitlines() == ["?? w/"]
    assert git(in_tmp / "shop", "rev-list", "--count", "HEAD").strip() == "1"


def test_a_dirty_template_checkout_renders_its_working_tree_with_a_project_inside_it(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout of apigen, edited and holding earlier projects, renders as it stands."""
    checkout = tmp_path / "apigen"
    checkout.mkdir()
    shutil.copy(REPO / "copier.yml", checkout)
    shutil.copytree(REPO / "templates", checkout / "templates")
    git(checkout, "init", "--quiet", "--initial-branch=main")
    commit_all(checkout, "apigen")
    readme = checkout / "templates" / "drf" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nAn edit.\n", encoding="utf-8")
    monkeypatch.setattr(generate_module, "template_root", lambda: checkout)
    monkeypatch.setattr(generate_module, "template_history", lambda: checkout)
    monkeypatch.chdir(checkout)
    for name in ("first", "second"):
        result = runner.invoke(main, ["new", name, "--defaults"])
        assert result.exit_code == 0, result.output
        assert (checkout / name / "README.md").read_text(encoding="utf-8").endswith("An edit.\n")
        assert answers_of(checkout / name)["_src_path"] == str(checkout)
    # Copier never copied the first project into its render of the second.
    assert not (checkout / "second" / "first").exists()
    assert sorted(p.name for p in checkout.iterdir()) == [
        ".git",
        "copier.yml",
        "first",
        "second",
        "templates",
    ]
