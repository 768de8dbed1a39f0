"""Ship the template's tagged git history inside the wheel, for offline ``apigen update``."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class TemplateHistoryHook(BuildHookInterface):  # type: ignore[type-arg]
    """Bundle HEAD and every tag into ``apigen/template/history.bundle``."""

    PLUGIN_NAME = "template-history"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Create the bundle when building a wheel from a git checkout."""
        root = Path(self.root)
        if self.target_name != "wheel" or not (root / ".git").exists() or not shutil.which("git"):
            return
        out = Path(tempfile.mkdtemp(prefix="apigen-bundle-")) / "history.bundle"
        result = subprocess.run(
            ["git", "bundle", "create", "--quiet", str(out), "HEAD", "--tags"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            return
        build_data["force_include"][str(out)] = "apigen/template/history.bundle"
        described = subprocess.run(
            ["git", "describe", "--tags", "--always", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        version = out.parent / "VERSION"
        version.write_text(described.stdout, encoding="utf-8")
        build_data["force_include"][str(version)] = "apigen/template/VERSION"
