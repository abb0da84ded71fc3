"""Sharing a DataTable's width among its flexible columns, so nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.widgets import DataTable

MIN_WIDTH = 8
SCROLLBAR = 2


def fit_columns(table: DataTable[Any], width: int, shares: Mapping[str, float]) -> None:
    """Give the columns named in `shares` what the other columns leave of `width`: each gets
    `MIN_WIDTH`, and the rest is shared in proportion to their shares."""
    flexible = [column for column in table.columns.values() if column.key.value in shares]
    fixed = sum(
        column.get_render_width(table)
        for column in table.columns.values()
        if column.key.value not in shares
    )
    padding = 2 * table.cell_padding * len(flexible)
    spare = max(0, width - fixed - SCROLLBAR - padding - MIN_WIDTH * len(flexible))
    total = sum(shares.values()) or 1.0
    changed = False
    for column in flexible:
        fitted = MIN_WIDTH + int(spare * shares[column.key.value or ""] / total)
        if column.width != fitted or column.auto_width:
            column.width, column.auto_width, changed = fitted, False, True
    if changed:
        # DataTable has no public call to resize a column; these are what its own updates set.
        table._require_update_dimensions = True
        table._clear_caches()
        table.refresh()
