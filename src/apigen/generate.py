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
    """A generated project: where it is and the answers it was made with."""

    path: Path
    answers: options.Answers

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
    destination = (destination or Path(name)).absolute()
    _check_destination(destination)

    with _staging_directory(destination) as staging, _GitStart(staging) as git:
        if template is None and template_history() == template_root():
            # A checkout of apigen: Copier renders its working tree and records the commit.
            _render(template_root(), staging, name, package, complete, "HEAD")
        elif template is None:
            # An installed apigen renders its template directory (no clone to pay for); the
            # answers file then records the version and history, as a git render would.
            _render(template_root(), staging, name, package, complete, None)
            _stamp_version(staging / ANSWERS_FILE)
        else:
            _render(template, staging, name, package, complete, vcs_ref)
        _first_commit(staging, has_identity=git.has_identity())
        # An empty destination directory is replaced; anything else was refused above.
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    return Project(destination, {"project_name": name, "package_name": package, **complete})


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


def _render(
    template: Path,
    staging: Path,
    name: str,
    package: str,
    answers: options.Answers,
    vcs_ref: str | None,
) -> None:
    render(template, staging, {"project_name": name, "package_name": package, **answers}, vcs_ref)


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
    return "\n".join(lines)


__all__ = ["ApigenError", "Project", "generate", "next_steps"]
