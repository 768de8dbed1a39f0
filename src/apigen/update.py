"""``apigen update``: bring a generated project up to a newer template, keeping every edit.

How: the template's history (a git bundle inside the wheel, or a checkout) holds every
released version. apigen renders the project's *recorded* version with its recorded answers
(the base) and the *target* version with the new answers, stores both renders as commits in
the project's own object database, and applies the difference between them to the project
with ``git apply --3way``. Template changes that touch nothing the owners edited apply
cleanly; edits on both sides of the same lines become inline conflict markers with unmerged
index entries, which apigen lists before exiting non-zero. Nothing is committed: the owner
reviews the change (``git diff HEAD``) and commits it.

Why not ``copier update``: it needs the template's old version reachable at the recorded
``_src_path`` (a wheel's site-packages path does not survive a move to another machine) and it
exits 0 on conflicts. Rendering both versions ourselves from a history shipped in the wheel
works offline, on any machine, and gives conflicts an exit code. Plain ``copier update`` keeps
working for projects generated from a git clone of the template: the answers file is Copier's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from apigen import options
from apigen.answers import ANSWERS_FILE, get_line, set_line, yaml_line
from apigen.errors import ApigenError, GenerationError, InvalidAnswerError, UsageError
from apigen.render import render
from apigen.template import template_history

_PRIVATE = ("_commit", "_src_path")


class NotAProjectError(UsageError):
    """The path is not a project apigen generated."""


class DirtyTreeError(UsageError):
    """The project has uncommitted changes: an update would mix with them."""


class VersionError(UsageError):
    """The version asked for is unknown, or older than the project's."""


class ConflictError(ApigenError):
    """The update left conflicts to resolve by hand."""


@dataclass(frozen=True)
class Migration:
    """An answer change between template versions, applied when crossing ``version``."""

    version: str
    description: str
    apply: Callable[[dict[str, object]], dict[str, object]]


# Answer migrations, oldest first. A renamed choice value or a removed question gets an entry
# here so an existing project keeps its choice instead of silently taking a default.
MIGRATIONS: list[Migration] = []


@dataclass(frozen=True)
class Plan:
    """What an update does: versions, answers before and after, and the changed files."""

    old_version: str
    new_version: str
    old_answers: Mapping[str, object]
    new_answers: Mapping[str, object]
    changed: Sequence[str]
    conflicts: Sequence[str]


def _git(cwd: Path, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=full_env, check=False
    )
    if check and result.returncode:
        raise GenerationError(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def read_answers(project: Path, *, versioned: bool = True) -> dict[str, object]:
    """The answers a project was generated with.

    ``versioned``: the template version must be recorded too (an update needs it; adding
    resources does not, so a project rendered from a plain template directory, such as a
    fork's checkout that is not a git repository, can still grow).

    Raises:
        NotAProjectError: no answers file, or not one apigen wrote.
    """
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise NotAProjectError(f"'{project}' is not an apigen project: it has no {ANSWERS_FILE}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise NotAProjectError(f"'{path}' is not valid YAML: {exc}") from None
    if (
        not isinstance(data, dict)
        or "framework" not in data
        or (versioned and "_commit" not in data)
    ):
        raise NotAProjectError(
            f"'{project}' is not an apigen project: {ANSWERS_FILE} records no framework "
            "or template version"
        )
    return data


# Answers that choose the whole template or the data layer: changing one is a rewrite of the
# service (its models and migrations), not an update of it.
FIXED_ANSWERS = ("framework", "orm")


def parse_sets(pairs: Sequence[str]) -> dict[str, str | bool]:
    """``--set KEY=VALUE`` arguments as answers.

    Raises:
        InvalidAnswerError: a malformed pair, an unknown question or a value not allowed.
    """
    result: dict[str, str | bool] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidAnswerError(f"--set '{pair}' is not KEY=VALUE")
        if key not in options.QUESTIONS:
            allowed = ", ".join(options.QUESTIONS)
            raise InvalidAnswerError(f"--set: unknown question '{key}': choose one of {allowed}")
        question = options.QUESTIONS[key]
        if question.is_bool:
            lowered = value.lower()
            if lowered not in {"true", "false", "yes", "no", "on", "off", "1", "0"}:
                raise InvalidAnswerError(f"{key} '{value}' is not allowed: choose true or false")
            result[key] = lowered in {"true", "yes", "on", "1"}
        else:
            result[key] = value.lower()
    return result


def migrate_answers(
    answers: Mapping[str, object], old: str, new: str, versions: Sequence[str]
) -> dict[str, object]:
    """Apply every migration whose version lies after ``old`` and up to ``new``."""
    migrated = dict(answers)
    order = {v: i for i, v in enumerate(versions)}
    start, end = order.get(old, -1), order.get(new, len(versions))
    for migration in MIGRATIONS:
        position = order.get(migration.version)
        if position is not None and start < position <= end:
            migrated = migration.apply(migrated)
    return migrated


class History:
    """The template's versions, read from a git source."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._clone: Path | None = None

    @contextlib.contextmanager
    def opened(self) -> Iterator[History]:
        """A local clone to query (a bundle cannot be queried in place)."""
        directory = Path(tempfile.mkdtemp(prefix="apigen-history-"))
        try:
            _git(directory, "clone", "--quiet", "--no-checkout", str(self.source), "repo")
            self._clone = directory / "repo"
            yield self
        finally:
            shutil.rmtree(directory, ignore_errors=True)
            self._clone = None

    @property
    def clone(self) -> Path:
        """The clone (inside :meth:`opened`)."""
        assert self._clone is not None, "use History.opened()"  # noqa: S101
        return self._clone

    def versions(self) -> list[str]:
        """Release tags, oldest first."""
        from packaging.version import InvalidVersion, Version  # noqa: PLC0415

        tags = []
        for tag in _git(self.clone, "tag", "--list").split():
            with contextlib.suppress(InvalidVersion):
                tags.append((Version(tag), tag))
        return [tag for _, tag in sorted(tags)]

    def resolve(self, ref: str) -> str | None:
        """The commit a version or ref names, if the history has it."""
        for candidate in (ref, f"v{ref}"):
            sha = _git(
                self.clone,
                "rev-parse",
                "--verify",
                "--quiet",
                f"{candidate}^{{commit}}",
                check=False,
            ).strip()
            if sha:
                return sha
        return None

    def describe(self, ref: str) -> str:
        """The version name of a ref, as Copier records it."""
        return _git(self.clone, "describe", "--tags", "--always", ref).strip()

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether commit ``older`` comes before (or is) ``newer``."""
        result = subprocess.run(
            ["git", "merge-base", "--is-ancestor", older, newer],
            cwd=self.clone,
            capture_output=True,
            check=False,
        )
        return result.returncode == 0


@dataclass(frozen=True)
class _Repository:
    """The git repository a project lives in: its own, or an enclosing one (a monorepo)."""

    git_dir: Path
    top: Path
    prefix: str  # the project's directory inside ``top`` ("" at the root), with a final "/"

    @classmethod
    def of(cls, project: Path) -> _Repository:
        """The repository holding ``project``.

        Raises:
            NotAProjectError: ``project`` is in no git work tree.
        """
        found = _git(
            project,
            *("rev-parse", "--absolute-git-dir", "--show-toplevel", "--show-prefix"),
            check=False,
        ).split("\n")
        if len(found) < 3 or not found[1]:  # one line each, the prefix empty at the top
            raise NotAProjectError(f"'{project}' is not in a git work tree")
        return cls(Path(found[0]), Path(found[1]), found[2])

    def tree_of(self, directory: Path) -> str:
        """Store ``directory``'s files in the object database; return the tree id."""
        env = {
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(directory),
            "GIT_INDEX_FILE": str(directory.parent / f"{directory.name}.index"),
        }
        # The same rule as the first commit: what the rendered .gitignore ignores stays out.
        _git(directory, "add", "--all", ".", env=env)
        return _git(directory, "write-tree", env=env).strip()


def _commit_tree(project: Path, tree: str, message: str, parent: str | None = None) -> str:
    identity = {
        "GIT_AUTHOR_NAME": "apigen",
        "GIT_AUTHOR_EMAIL": "apigen@localhost",
        "GIT_COMMITTER_NAME": "apigen",
        "GIT_COMMITTER_EMAIL": "apigen@localhost",
    }
    args = ["commit-tree", tree, "-m", message]
    if parent:
        args += ["-p", parent]
    return _git(project, *args, env=identity).strip()


def conflicted_files(project: Path) -> list[str]:
    """Paths left unmerged in the index, or holding conflict markers."""
    unmerged = {
        line.split("\t", 1)[1] for line in _git(project, "ls-files", "-u").splitlines() if line
    }
    return sorted(unmerged)


def update(
    project: Path,
    *,
    to: str | None = None,
    sets: Sequence[str] = (),
    dry_run: bool = False,
    source: Path | None = None,
) -> Plan:
    """Update ``project`` to template version ``to`` (default: the newest), keeping its edits.

    Args:
        project: The generated project (a git repository with a clean tree).
        to: The target version (a tag such as ``v0.2.0`` or ``0.2.0``); default: the
            source's HEAD, which is the installed apigen's template.
        sets: ``KEY=VALUE`` answer changes.
        dry_run: Work in a throwaway worktree and report, touching nothing.
        source: The template history (default: the one apigen was installed with).

    Returns:
        The plan carried out (or, with ``dry_run``, that would be).

    Raises:
        ApigenError: a subclass naming the refusal; :class:`ConflictError` after an update
            that left conflicts (the non-conflicting changes are applied).
    """
    project = project.resolve()
    if not project.is_dir():
        raise NotAProjectError(f"'{project}' is not a directory")
    answers = read_answers(project)
    repository = _Repository.of(project)
    # In a monorepo only the project's own directory needs to be clean.
    if _git(project, "status", "--porcelain", "--untracked-files=normal", "--", ".").strip():
        raise DirtyTreeError(
            f"'{project}' has uncommitted changes: commit or stash them, then update"
        )
    changes = parse_sets(sets)
    for key in FIXED_ANSWERS:
        if key in changes and changes[key] != answers.get(key):
            raise InvalidAnswerError(
                f"{key} '{answers.get(key)}' cannot change to '{changes[key]}' in an update: "
                "it would replace the models and migrations; generate a new service instead"
            )
    source = source or _source_from_environment() or template_history()
    if source is None:
        raise GenerationError(
            "this installation of apigen carries no template history: reinstall it from a "
            "wheel built from a git checkout"
        )
    with History(source).opened() as history:
        old_ref = str(answers["_commit"])
        old_sha = history.resolve(old_ref)
        versions = history.versions()
        if old_sha is None:
            raise VersionError(
                f"the project's template version '{old_ref}' is not in this apigen's history "
                f"(known versions: {', '.join(versions) or 'none'})"
            )
        new_sha = history.resolve(to or "HEAD")
        if new_sha is None:
            raise VersionError(
                f"unknown version '{to}': choose one of {', '.join(versions) or 'none'}"
            )
        if old_sha != new_sha and history.is_ancestor(new_sha, old_sha):
            raise VersionError(
                f"version '{history.describe(new_sha)}' is older than the project's "
                f"'{old_ref}': apigen does not downgrade"
            )
        new_version = history.describe(new_sha)
        new_answers = migrate_answers(answers, old_ref, new_version, versions)
        new_answers.update(changes)
        new_answers["_commit"] = new_version
        new_answers.update(
            options.complete({k: v for k, v in new_answers.items() if isinstance(v, str | bool)})
        )
        with tempfile.TemporaryDirectory(prefix="apigen-update-") as tmp:
            base_dir, new_dir = Path(tmp) / "base", Path(tmp) / "new"
            render(history.clone, base_dir, answers, old_sha)
            render(history.clone, new_dir, new_answers, new_sha)
            _carry_answers_file(project, base_dir, new_dir, new_version)
            base = _commit_tree(project, repository.tree_of(base_dir), f"apigen {old_ref}")
            new = _commit_tree(project, repository.tree_of(new_dir), f"apigen {new_version}", base)
        changed = [
            line for line in _git(project, "diff", "--name-only", base, new).splitlines() if line
        ]
        conflicts: list[str] = []
        if changed:
            patch = _git(project, "diff", "--binary", "--full-index", base, new)
            conflicts = (
                _apply_in_worktree(repository, patch) if dry_run else _apply(repository, patch)
            )
    plan = Plan(old_ref, new_version, answers, new_answers, changed, conflicts)
    if conflicts and not dry_run:
        raise ConflictError(
            f"updated to {new_version} with {len(conflicts)} conflict(s) to resolve by hand: "
            + ", ".join(conflicts)
        )
    return plan


def _source_from_environment() -> Path | None:
    """``APIGEN_TEMPLATE_SOURCE``: another template history (a fork's clone or bundle)."""
    value = os.environ.get("APIGEN_TEMPLATE_SOURCE")
    return Path(value) if value else None


def _carry_answers_file(project: Path, base_dir: Path, new_dir: Path, version: str) -> None:
    """Make the answers file change only where the update changes it.

    The base's answers file is, by definition, the project's own; the new one is the new
    render's, with the project's template source kept and the new version recorded.
    """
    current = (project / ANSWERS_FILE).read_text(encoding="utf-8")
    (base_dir / ANSWERS_FILE).write_text(current, encoding="utf-8")
    rendered = (new_dir / ANSWERS_FILE).read_text(encoding="utf-8").rstrip("\n")
    rendered += "\n" if current.endswith("\n") else ""
    source = get_line(current, "_src_path")
    if source is not None:
        rendered = set_line(rendered, "_src_path", source)
    rendered = set_line(rendered, "_commit", yaml_line("_commit", version))
    (new_dir / ANSWERS_FILE).write_text(rendered, encoding="utf-8")


def _apply(repository: _Repository, patch: str, top: Path | None = None) -> list[str]:
    """Apply ``patch`` (paths relative to the project) at the project's place in ``top``."""
    top = top or repository.top
    with tempfile.NamedTemporaryFile("w", suffix=".patch", delete=False) as handle:
        handle.write(patch)
    directory = [f"--directory={repository.prefix}"] if repository.prefix else []
    try:
        result = subprocess.run(
            ["git", "apply", "--3way", "--whitespace=nowarn", *directory, handle.name],
            cwd=top,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(handle.name).unlink()
    conflicts = conflicted_files(top / repository.prefix)
    if result.returncode and not conflicts:
        raise GenerationError(f"cannot apply the update: {result.stderr.strip()}")
    return conflicts


def _apply_in_worktree(repository: _Repository, patch: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="apigen-dry-run-") as tmp:
        worktree = Path(tmp) / "worktree"
        _git(repository.top, "worktree", "add", "--quiet", "--detach", str(worktree), "HEAD")
        try:
            return _apply(repository, patch, worktree)
        finally:
            _git(repository.top, "worktree", "remove", "--force", str(worktree), check=False)
            _git(repository.top, "worktree", "prune", check=False)
