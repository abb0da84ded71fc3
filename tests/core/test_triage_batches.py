"""The pipeline hands occurrences on in bounded batches without losing or breaking any."""

from __future__ import annotations

from pathlib import Path

from testtriage.core.ingest import SourceSpec, read_sources
from testtriage.core.session import Session, analyze, build_engine
from testtriage.core.triage import MAX_PENDING


def test_a_detail_line_right_after_a_batch_boundary_is_handled(tmp_path: Path) -> None:
    """More errors than one batch holds, each followed by its Postgres DETAIL line: every
    error is counted once, and a detail line that comes after a batch was handed on does not
    reach back into it."""
    log = tmp_path / "server.log"
    pairs = MAX_PENDING * 2 + 7
    with log.open("w") as handle:
        for n in range(pairs):
            handle.write(
                f'ERROR:  insert or update on table "t{n}" violates foreign key constraint '
                f'"t{n}_c_fkey"\nDETAIL:  Key (c)=({n}) is not present in table "p".\n'
            )
    spec = SourceSpec(str(log))
    state = analyze(Session(build_engine(), [spec]), read_sources([spec]))
    assert sum(group.count for group in state.groups.values()) == pairs
    assert state.lines == pairs * 2
    detailed = [g for g in state.groups.values() if g.fields.get("referenced_table") == "p"]
    assert detailed, "detail lines still enrich the errors they follow"
