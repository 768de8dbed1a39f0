"""``apigen new``: render a project atomically, then make its first commit."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from apigen import options
from apigen.answers import ANSWERS_FILE, set_line, yaml_line
from apigen.errors import (
    AbortedError,
    ApigenError,
    DestinationExistsError,
    GenerationError,
)
from apigen.render import render
from apigen.template import template_history, template_root, template_version

# A throwaway identity for the first commit when the user has none configured.
_FALLBACK_IDENTITY = ("-c", "user.name=apigen", "-c", "user.email=apigen@localhost")


@dataclass(frozen=True)
class Project:
    """A generated project: where it is and the answers it was made with.

    ``repository`` is the enclosing git work tree when the project was generated inside one
    (a monorepo): apigen then made no repository and committed nothing.
    """

    path: Path
    answers: options.Answers
    repository: Path | None = None

    @property
    def framework(self) -> options.Framework:
        """The framework the project uses."""
        return options.FRAMEWORKS[str(self.answers["framework"])]


def generate(
    name: str,
    answers: Mapping[str, str | bool | None],
    destination: Path | None = None,
    *,
    template: Path | None = None,
    vcs_ref: str | None = None,
) -> Project:
    """Render a new project and commit it, leaving nothing behind on failure.

    The project is rendered into a temporary sibling of ``destination`` and moved into place
    only once it is complete, so an existing directory is never touched and an interrupted
    run leaves no half-written tree.

    Args:
        name: The project name (also the default directory name).
        answers: Answers by question name; ``None`` or missing means the default.
        destination: Where the project goes (default: ``./<name>``). It must not exist or
            must be an empty directory.
        template: A template holding ``copier.yml`` (default: apigen's own): a directory,
            a git repository or a git bundle.
        vcs_ref: The git ref to render when ``template`` is a git source (default: its
            newest tag, as Copier chooses).

    Returns:
        The generated project.

    Raises:
        ApigenError: a subclass naming what was wrong; nothing was written.
    """
    package = options.validate_name(name)
    complete = options.complete(answers)
    destination = (destination or Path(name)).expanduser().absolute()
    _check_destination(destination)
    repository = enclosing_work_tree(destination.parent)

    with _staging_directory(destination) as staging, contextlib.ExitStack() as stack:
        # Inside an existing work tree (a monorepo) the owners commit; otherwise the project
        # gets its own repository, initialised while Copier renders.
        git = None if repository else stack.enter_context(_GitStart(staging))
        data = {"project_name": name, "package_name": package, **complete}
        if template is None:
            # apigen's own template renders as a plain directory (an installed one, or a
            # checkout's working tree); the answers file then records the version and history,
            # as a git render would.
            with _plain_view(template_root()) as source:
                render(source, staging, data, None)
            _stamp_version(staging / ANSWERS_FILE)
        else:
            render(template, staging, data, vcs_ref)
        if git is not None:
            _first_commit(staging, has_identity=git.has_identity())
        # An empty destination directory is replaced; anything else was refused above.
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    return Project(destination, data, repository)


def enclosing_work_tree(path: Path) -> Path | None:
    """The git work tree holding ``path``, found as git finds it: a ``.git`` here or above."""
    for directory in (path, *path.parents):
        if (directory / ".git").exists():
            return directory
    return None


@contextlib.contextmanager
def _plain_view(root: Path) -> Iterator[Path]:
    """The template at ``root`` as a plain directory that Copier renders as it is.

    Copier clones a template that is the root of a git work tree and, when that tree is dirty,
    commits everything untracked in it into the clone, a project being generated inside the
    checkout included. A copy of ``copier.yml`` and ``templates/`` renders the checkout's
    working tree, exactly as an installed apigen renders its template directory (Copier
    refuses links that lead out of the template, so it is a copy).
    """
    if not (root / ".git").exists():
        yield root
        return
    view = Path(tempfile.mkdtemp(prefix="apigen-template-"))
    try:
        shutil.copy2(root / "copier.yml", view)
        shutil.copytree(root / "templates", view / "templates")
        yield view
    finally:
        shutil.rmtree(view, ignore_errors=True)


def _stamp_version(answers_file: Path) -> None:
    """Record the template version and its history, so `apigen update` can find the base."""
    history = template_history()
    version = template_version()
    if history is None or version is None:
        return
    text = answers_file.read_text(encoding="utf-8")
    text = set_line(text, "_commit", yaml_line("_commit", version))
    text = set_line(text, "_src_path", yaml_line("_src_path", str(history)))
    answers_file.write_text(text, encoding="utf-8")


def _check_destination(destination: Path) -> None:
    if destination.is_dir():
        if any(destination.iterdir()):
            raise DestinationExistsError(
                f"destination '{destination}' exists and is not empty: choose another --dir"
            )
    elif destination.exists():
        raise DestinationExistsError(f"destination '{destination}' exists and is not a directory")


@contextlib.contextmanager
def _staging_directory(destination: Path) -> Iterator[Path]:
    """A temporary directory beside ``destination``, removed unless moved into place."""
    parent = destination.parent
    created = [p for p in (parent, *parent.parents) if not p.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=parent))
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project is not
    except OSError as exc:
        raise GenerationError(f"cannot create '{parent}': {exc.strerror}") from exc
    try:
        yield staging
    except KeyboardInterrupt:
        raise AbortedError("interrupted: nothing was written") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for directory in created:  # innermost first
            with contextlib.suppress(OSError):
                directory.rmdir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    process = _spawn_git(cwd, *args)
    stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


class _GitStart:
    """``git init`` and the identity lookup, run while Copier renders beside them.

    Neither depends on the rendered files, and each is a process start that would otherwise
    add to every ``apigen new``.
    """

    def __init__(self, project: Path) -> None:
        self._init = _spawn_git(project, "init", "--quiet", "--initial-branch=main")
        self._identity = _spawn_git(project, "config", "user.email")

    def __enter__(self) -> _GitStart:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in (self._init, self._identity):
            if process.poll() is None:
                process.kill()
            process.communicate()

    def has_identity(self) -> bool:
        """Wait for both; whether git has a committer email configured."""
        _, stderr = self._init.communicate()
        if self._init.returncode:
            raise GenerationError(f"git init failed: {stderr.strip()}")
        self._identity.communicate()
        return self._identity.returncode == 0


def _spawn_git(cwd: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        return subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except FileNotFoundError:
        raise GenerationError("git is not installed: apigen needs it to commit") from None


def _first_commit(project: Path, *, has_identity: bool) -> None:
    result = _git(project, "add", "--all")
    if result.returncode:
        raise GenerationError(f"git add failed: {result.stderr.strip()}")
    identity = () if has_identity else _FALLBACK_IDENTITY
    result = _git(
        project, *identity, "commit", "--quiet", "--no-verify", "-m", "Initial commit from apigen"
    )
    if result.returncode:
        raise GenerationError(f"git commit failed: {result.stderr.strip()}")


def readme_commands(project: Path) -> list[str]:
    """The commands of the first two code blocks of the project's README (its two commands)."""
    readme = project / "README.md"
    if not readme.is_file():
        return []
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", readme.read_text(encoding="utf-8"), re.M | re.S)
    return [block.strip() for block in blocks[:2]]


def next_steps(project: Project) -> str:
    """The short message printed after ``apigen new``: where to go and the two commands."""
    framework = project.framework
    try:
        where = project.path.relative_to(Path.cwd())
    except ValueError:
        where = project.path
    lines = [
        f"Created {framework.title} service '{project.answers['project_name']}' in {where}",
        "",
        "Next steps:",
        f"  cd {where}",
    ]
    commands = readme_commands(project.path)
    labels = ("# set up and run the development server", "# set up and run its tests")
    for label, command in zip(labels, commands, strict=False):
        lines += [f"  {label}", *(f"  {line}" for line in command.splitlines())]
    if not commands:
        lines.append("  see README.md")
    if project.repository is not None:
        lines += ["", *_monorepo_notes(project, project.repository)]
    return "\n".join(lines)


def _monorepo_notes(project: Project, repository: Path) -> list[str]:
    """What the owners of an enclosing repository do next: commit, and place the workflow."""
    inside = project.path.relative_to(repository).as_posix()
    notes = [
        f"Inside the git repository {repository}: apigen made no repository of its own and",
        "committed nothing. Review the files, then commit them:",
        f"  git -C {repository} add {inside} && git -C {repository} commit",
    ]
    workflow = project.path / ".github" / "workflows" / "ci.yml"
    if workflow.is_file():
        notes += [
            f"GitHub runs workflows only from the repository root: to run {inside}'s,",
            f"see 'In a monorepo' in {inside}/README.md.",
        ]
    return notes


__all__ = ["ApigenError", "Project", "generate", "next_steps"]
