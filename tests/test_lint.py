"""The codebase stays ruff-clean: part of the one test command, so CI enforces it."""

import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    command = [shutil.which("ruff") or "ruff"] if shutil.which("ruff") else [
        sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", "."], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
