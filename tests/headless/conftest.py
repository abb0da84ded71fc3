"""Fixtures of the headless tests."""

from __future__ import annotations

import pytest
from headless_harness import Cli


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return Cli(capsys, monkeypatch)
