"""The CLI answers at once: its entry point imports no heavy library until a command needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer

from mercato.cli.commands import AREAS, Deferred
from mercato.cli.main import app, command_tree

HEAVY = ("ibis", "duckdb", "sqlalchemy", "fastapi", "uvicorn", "numpy", "pandas", "pyarrow")
HEAVY += ("torch", "pydantic_settings", "mercato.web", "mercato.warehouse", "mercato.catalog")


def _imported_after(code: str, tmp_path: Path) -> set[str]:
    """The heavy modules in `sys.modules` after `code` ran in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {key: value for key, value in os.environ.items() if not key.startswith("MERCATO_")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**env, "MERCATO_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "120"},
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    modules = json.loads(done.stdout.splitlines()[-1])
    return {name for name in modules if any(name == h or name.startswith(h + ".") for h in HEAVY)}


def test_importing_the_entry_point_imports_no_heavy_library(tmp_path: Path) -> None:
    assert _imported_after("import mercato.cli.main", tmp_path) == set()


def test_help_and_version_import_no_heavy_library(tmp_path: Path) -> None:
    for argv in (["--help"], ["version"], ["--version"]):
        code = (
            f"import sys; sys.argv = ['mercato', *{argv!r}]\n"
            "from mercato.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass"
        )
        assert _imported_after(code, tmp_path) == set(), argv


def test_a_command_loads_its_area_when_it_runs(tmp_path: Path) -> None:
    code = (
        "import sys; sys.argv = ['mercato', 'db', '--help']\n"
        "from mercato.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass"
    )
    assert "mercato.catalog" in _imported_after(code, tmp_path)


def test_each_listed_help_line_is_the_loaded_commands_own() -> None:
    root = typer.main.get_command(app)
    listed = {name: command.help for name, command in root.commands.items()}
    assert all(isinstance(root.commands[name], Deferred) for name in AREAS)
    loaded = command_tree()
    for name in AREAS:
        own = loaded.commands[name].get_short_help_str(limit=500)
        assert listed[name] == own, name
    assert set(loaded.commands) == {*AREAS, "version"}
