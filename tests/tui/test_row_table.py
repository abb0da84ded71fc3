"""The row table behind the Findings and Tests lists: drawing, keys, clicks and its row cache."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from testtriage.tui.widgets.row_table import MIN_WIDTH, PADDING, Column, RowTable, fit_widths

COLUMNS = (
    Column("id", "", 3),
    Column("name", "name", 10, share=1.0),
    Column("count", "count", 5),
)


class Host(App[None]):
    """Mounts one table and records what it says."""

    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield RowTable(COLUMNS, id="table")

    def on_row_table_row_highlighted(self, message: RowTable.RowHighlighted) -> None:
        self.highlighted.append(message.row_key)

    def on_row_table_row_selected(self, message: RowTable.RowSelected) -> None:
        self.selected.append(message.row_key)


def row(number: int, name: str | None = None) -> list[Text]:
    return [
        Text(f"#{number}"),
        Text(name or f"row number {number}"),
        Text(f"{number}×", justify="right"),
    ]


def lines(app: Host) -> list[str]:
    table = app.query_one(RowTable)
    return [table.render_line(y).text for y in range(table.size.height)]


async def filled(pilot: Pilot[None], count: int) -> RowTable:
    table = pilot.app.query_one(RowTable)
    for number in range(count):
        table.add_row(f"r{number}", row(number))
    await pilot.pause()
    return table


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (80, (3, 80 - 3 - 5 - 6, 5)),  # the name takes what the others and the padding leave
        (20, (3, MIN_WIDTH, 5)),  # never narrower than MIN_WIDTH
        (0, (3, MIN_WIDTH, 5)),
    ],
)
def test_flexible_columns_share_what_fixed_ones_leave(
    width: int, expected: tuple[int, ...]
) -> None:
    assert fit_widths(COLUMNS, width) == expected


def test_two_flexible_columns_split_the_spare_width_by_share() -> None:
    columns = (Column("a", "a", 4, share=0.75), Column("b", "b", 4, share=0.25))
    spare = 48 - 4 * PADDING - 2 * MIN_WIDTH
    assert fit_widths(columns, 48) == (MIN_WIDTH + spare * 3 // 4, MIN_WIDTH + spare // 4)


async def test_rows_are_drawn_under_a_header_cut_to_their_columns() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 2)
        table.add_row("long", row(7, "a name far too long for its column"))
        await pilot.pause()
        shown = lines(app)
        assert shown[0].split() == ["name", "count"]
        assert shown[1].startswith(" #0   row number 0  ")
        assert shown[1].rstrip().endswith("0×")
        assert " a name far too …  " in shown[3]  # 30 columns leave the name 16 cells
        assert all(len(line) == 30 for line in shown)


async def test_keys_move_the_cursor_and_enter_selects() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 20)
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        assert app.highlighted[-1] == "r2"
        await pilot.press("pagedown")  # a page turns: the view moves with the cursor
        assert table.cursor_row == 6
        assert lines(app)[1].startswith(" #4 ")
        await pilot.press("pageup")
        assert table.cursor_row == 2
        assert lines(app)[1].startswith(" #0 ")
        await pilot.press("end")
        assert table.cursor_key == "r19"
        # The cursor's row is scrolled into view: it is the last line drawn.
        assert lines(app)[-1].startswith(" #19")
        await pilot.press("pageup")
        assert table.cursor_row == 19 - (6 - 2)
        await pilot.press("home", "up")
        assert table.cursor_row == 0
        await pilot.press("enter")
        assert app.selected == ["r0"]


async def test_a_click_moves_the_cursor_and_a_second_click_selects() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 5)
        await pilot.click(RowTable, offset=(2, 3))  # line 3: the header, then rows 0, 1, 2
        assert table.cursor_key == "r2"
        assert app.selected == []
        await pilot.click(RowTable, offset=(2, 3))
        assert app.selected == ["r2"]
        await pilot.click(RowTable, offset=(2, 0))  # the header selects nothing
        assert table.cursor_key == "r2"


async def test_updates_reorders_and_removals_keep_keys_and_cursor_sound() -> None:
    app = Host()
    async with app.run_test(size=(30, 8)) as pilot:
        table = await filled(pilot, 3)
        table.update_row("r1", [Text("#1"), Text("renamed"), Text("1×", justify="right")])
        table.reorder(["r2", "r1", "r0"])
        await pilot.pause()
        assert table.row_keys == ("r2", "r1", "r0")
        assert table.get_row_index("r0") == 2
        assert table.get_cell("r1", "name").plain == "renamed"
        assert "renamed" in lines(app)[2]
        table.move_cursor(row=2)
        table.remove_row("r0")
        assert table.cursor_row == 1  # the cursor stays within the rows left
        assert table.row_keys == ("r2", "r1")
        with pytest.raises(ValueError, match="every row"):
            table.reorder(["r2"])
        with pytest.raises(ValueError, match="cells"):
            table.add_row("short", [Text("x")])
        table.clear()
        await pilot.pause()
        assert table.row_count == 0
        assert table.cursor_key is None
        assert lines(app)[1].strip() == ""


async def test_a_changed_row_is_drawn_again_and_the_others_are_reused() -> None:
    app = Host()
    async with app.run_test(size=(30, 8)) as pilot:
        table = await filled(pilot, 4)
        drawn = {key: table._strips.get(key) for key in table.row_keys}
        assert all(strip is not None for strip in drawn.values())
        table.update_row("r2", row(2, "changed"))
        await pilot.pause()
        assert table._strips.get("r2") is not drawn["r2"]
        assert "changed" in lines(app)[3]
        for key in ("r0", "r1", "r3"):
            assert table._strips.get(key) is drawn[key]


async def test_the_table_grows_without_laying_out_rows_it_does_not_show() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 5000)
        assert table.virtual_size.height == 5001  # the header, then every row
        # Only what was on screen was drawn (and cached): nothing per row is kept but data.
        assert len(table._strips) <= table.size.height


async def test_new_column_widths_redraw_every_row() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 2)
        table.add_row("wide", [Text("#12345"), Text("x"), Text("1×")])
        await pilot.pause()
        assert "#1… " in lines(app)[3]
        table.set_columns([Column("id", "", 6), *COLUMNS[1:]])
        await pilot.pause()
        assert lines(app)[3].startswith(" #12345 ")
        assert lines(app)[1].startswith(" #0      row")
        with pytest.raises(ValueError, match="not which columns"):
            table.set_columns(COLUMNS[:2])


async def test_the_scrollbar_takes_its_width_from_the_flexible_column() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 3)  # no scrollbar yet
        for number in range(3, 20):
            table.add_row(f"r{number}", row(number))
        await pilot.pause()
        await pilot.pause()
        assert table.show_vertical_scrollbar
        shown = lines(app)
        assert shown[0].split() == ["name", "count"]  # not cut to `coun`
        assert all(line.rstrip().endswith("×") for line in shown[1:])


async def test_rows_removed_at_the_end_leave_the_rest_drawn() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 20)
        table.focus()
        await pilot.press("end")
        for number in range(5, 20):
            table.remove_row(f"r{number}")
        await pilot.pause()
        assert table.scroll_y == 0
        assert [line.split()[0] for line in lines(app)[1:]] == ["#0", "#1", "#2", "#3", "#4"]


async def test_a_removal_or_a_reorder_that_moves_the_cursor_says_so() -> None:
    app = Host()
    async with app.run_test(size=(30, 8)) as pilot:
        table = await filled(pilot, 3)
        table.move_cursor(row=2)
        await pilot.pause()
        app.highlighted.clear()
        table.remove_row("r2")
        await pilot.pause()
        assert app.highlighted == ["r1"]
        table.reorder(["r1", "r0"])
        await pilot.pause()
        assert app.highlighted == ["r1", "r0"]  # the cursor's position now holds r0


async def test_a_failed_update_changes_nothing() -> None:
    app = Host()
    async with app.run_test(size=(30, 8)) as pilot:
        table = await filled(pilot, 1)
        with pytest.raises(KeyError):
            table.update_row("ghost", row(9))
        table.add_row("ghost", row(9))
        await pilot.pause()
        assert table.row_keys == ("r0", "ghost")


async def test_tabs_in_a_cell_take_their_width() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        table = await filled(pilot, 0)
        table.add_row("tab", [Text("#1"), Text("a\tb"), Text("1×")])
        await pilot.pause()
        assert all(len(line) == 30 for line in lines(app))
        assert "\t" not in lines(app)[1]
