"""The core must be usable without the UI: importing it never loads Textual or rich."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "testtriage.core.records",
    "testtriage.core.triage",
    "testtriage.core.session",
    "testtriage.core.diagnosis",
    "testtriage.core.verdict",
    "testtriage.core.report",
    "testtriage.core.ingest",
    "testtriage.core.rules.engine",
    "testtriage.config",
]


def _loaded_after_import(module: str) -> set[str]:
    code = (
        f"import sys, {module}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_neither_textual_nor_rich(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert "textual" not in loaded
    assert "rich" not in loaded


def test_render_layer_does_not_import_textual() -> None:
    loaded = _loaded_after_import("testtriage.render.text")
    assert "textual" not in loaded


def test_the_headless_summary_path_does_not_import_textual() -> None:
    loaded = _loaded_after_import("testtriage.headless.summary")
    assert "textual" not in loaded
