"""Edit Copier's answers file line by line, in the form Copier itself writes it."""

from __future__ import annotations

ANSWERS_FILE = ".copier-answers.yml"


def yaml_line(key: str, value: str) -> str:
    """``key: value`` as YAML writes it (quoted only where YAML needs it)."""
    import yaml  # noqa: PLC0415 - only generating and updating pay for YAML

    return yaml.safe_dump({key: value}, default_flow_style=False, width=10_000).rstrip("\n")


def get_line(text: str, key: str) -> str | None:
    """The line that sets ``key`` at the top level, if there is one."""
    return next((line for line in text.splitlines() if line.startswith(f"{key}:")), None)


def set_line(text: str, key: str, line: str) -> str:
    """Replace the line that sets ``key`` (or add it first), keeping the file's last newline."""
    lines = text.splitlines()
    index = next((i for i, old in enumerate(lines) if old.startswith(f"{key}:")), None)
    if index is None:
        lines.insert(0, line)
    else:
        lines[index] = line
    return "\n".join(sorted_private(lines)) + ("\n" if text.endswith("\n") else "")


def sorted_private(lines: list[str]) -> list[str]:
    """Private keys (``_commit``, ``_src_path``) first and sorted, as Copier orders them."""
    private = sorted(line for line in lines if line.startswith("_"))
    return private + [line for line in lines if not line.startswith("_")]
