"""The codebase stays ruff-clean: part of the one test command, so CI enforces it."""

import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


RUFF = [shutil.which("ruff")] if shutil.which("ruff") else [sys.executable, "-m", "ruff"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RUFF, *args], cwd=PROJECT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_changes_nothing():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
