"""No step of the build grows faster than its input. Counted in lines of the
generator's own code (atlas/) executed, not in seconds, so a busy machine cannot fail
it: a step that compares every company with every link (as the supply tiers once did,
per company page) runs 16 times the lines when the atlas grows 4 times. Lines, not
calls: a scan inside a comprehension is one call however long it runs. Sources grow
with the atlas too, so a scan of every link per source shows as well."""
from __future__ import annotations

import sys
from pathlib import Path

from atlas import Project, browse, build
from fixture_atlas import bench_synth

ROOT = Path(__file__).resolve().parent.parent
ATLAS_CODE = str(ROOT / "atlas")


def _lines_by_function(root: Path, out: Path) -> dict[str, int]:
    """Lines executed in each function of atlas/ (comprehensions apart, by first line)
    during one build."""
    lines: dict[tuple, int] = {}

    def in_atlas(frame, event, arg):
        if event == "line":
            code = frame.f_code
            key = (Path(code.co_filename).name, code.co_firstlineno, code.co_name)
            lines[key] = lines.get(key, 0) + 1
        return in_atlas

    def on_call(frame, event, arg):
        return in_atlas if frame.f_code.co_filename.startswith(ATLAS_CODE) else None

    sys.settrace(on_call)
    try:
        build(Project(root), out, force=True)
    finally:
        sys.settrace(None)
    return {f"{name}:{first}:{function}": n for (name, first, function), n in lines.items()}


def test_the_work_grows_no_faster_than_the_atlas(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_JOBS", "1")  # everything in this process, where the tracer sees it
    # Long lists are paged above a limit: both sizes must be paged, or the larger one
    # does work the smaller skips (and the comparison says nothing of paging itself).
    monkeypatch.setattr(browse, "LIST_PAGE_ROWS", 40)
    monkeypatch.setattr(browse, "SUPPLY_PAGE_LINKS", 40)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    synth = bench_synth()
    small, large = tmp_path / "small", tmp_path / "large"
    synth.generate(small, 100, sources=10)
    synth.generate(large, 400, sources=40)
    before = _lines_by_function(small, tmp_path / "site-small")
    after = _lines_by_function(large, tmp_path / "site-large")
    total = sum(after.values()) / sum(before.values())
    assert total <= 4.6, f"4x the companies made {total:.1f}x the lines run"
    # No single function may stand out either (ignoring ones that run only a few lines).
    worst = sorted(((after[f] / before[f], f) for f in after if before.get(f, 0) >= 200),
                   reverse=True)[:3]
    assert worst[0][0] <= 6, f"lines run grew faster than the atlas in: {worst}"
