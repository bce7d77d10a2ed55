"""The engine limitation markers: a reason is required, and a marked case must fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = """
import pytest

@pytest.fixture(params=["duckdb", "spark", "clickhouse"])
def engine(request):
    return request.param

{marker}
def test_divides(engine):
    if engine == "clickhouse":
        raise ZeroDivisionError("chDB cannot")
"""


def _run(tmp_path: Path, marker: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_cases.py").write_text(CASES.format(marker=marker))
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "tests.support.engine_markers", "test_cases.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["notimpl", "notyet", "never"])
def test_a_marked_engine_must_fail_and_the_others_pass(tmp_path: Path, name: str) -> None:
    done = _run(tmp_path, f'@pytest.mark.{name}(["clickhouse"], reason="no divide")')
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed, 1 xfailed" in done.stdout


def test_a_limitation_that_went_away_fails_the_run(tmp_path: Path) -> None:
    done = _run(tmp_path, '@pytest.mark.notyet(["spark"], reason="thought it could not")')
    assert done.returncode == 1
    assert "[XPASS(strict)] notyet on spark: thought it could not" in done.stdout
    assert "2 failed, 1 passed" in done.stdout  # XPASS(strict), and clickhouse unmarked


def test_the_error_raised_must_be_the_named_one(tmp_path: Path) -> None:
    marker = '@pytest.mark.notimpl(["clickhouse"], reason="x", raises=KeyError)'
    done = _run(tmp_path, marker)
    assert done.returncode == 1
    assert "1 failed" in done.stdout


@pytest.mark.parametrize(
    "marker",
    [
        '@pytest.mark.notimpl(["clickhouse"])',
        '@pytest.mark.never(["clickhouse"], reason="  ")',
        '@pytest.mark.notyet(reason="no engines named")',
        '@pytest.mark.notyet("clickhouse", reason="a string, not a list")',
        '@pytest.mark.notimpl(["oracle"], reason="not an engine Mercato has")',
    ],
)
def test_a_marker_without_reason_or_engines_fails_collection(tmp_path: Path, marker: str) -> None:
    done = _run(tmp_path, marker)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "limitation markers:" in done.stderr
    assert "test_cases.py::test_divides[duckdb]" in done.stderr
