"""Fault suite configuration: `soak` variants run only when asked for with `-m soak`."""

from __future__ import annotations

import pytest


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip long `soak` variants unless the marker expression names them (`-m soak`)."""
    if item.get_closest_marker("soak") is None:
        return
    expression = item.config.getoption("-m") or ""
    if "soak" not in expression:
        pytest.skip("soak variant: run with -m soak")
