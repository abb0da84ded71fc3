"""Fixtures of the TUI tests: the rule engine, and the seed run in a temporary file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from testtriage.core.rules.engine import RuleEngine
from testtriage.core.session import build_engine
from testtriage.demo.replay import seed_log_path


@pytest.fixture(scope="session")
def engine() -> RuleEngine:
    return build_engine()


@pytest.fixture
def seed_log(tmp_path: Path) -> Path:
    """The bundled seed run, copied into the test's directory."""
    path = tmp_path / "test.log"
    shutil.copyfile(seed_log_path(), path)
    return path
