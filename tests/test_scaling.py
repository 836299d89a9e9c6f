"""No step of the build grows faster than its input. Counted in function calls of the
generator's own code (atlas/), not in seconds, so a busy machine cannot fail it: a
step that compares every company with every link (as the supply tiers once did,
per company page) multiplies the calls by 16 when the atlas grows 4 times."""
from __future__ import annotations

import cProfile
import importlib.util
import pstats
from pathlib import Path

from atlas import Project, build

ROOT = Path(__file__).resolve().parent.parent
ATLAS_CODE = str(ROOT / "atlas")


def _synth():
    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _calls_by_function(root: Path, out: Path) -> dict[str, int]:
    profile = cProfile.Profile()
    profile.enable()
    build(Project(root), out, force=True)
    profile.disable()
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (calls, primitive, ...)
    return {f"{Path(file).name}:{name}": calls for (file, _, name), (_, calls, *_) in stats.items()
            if file.startswith(ATLAS_CODE)}


def test_the_work_grows_no_faster_than_the_atlas(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_JOBS", "1")  # render here, where the profiler sees it
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    synth = _synth()
    small, large = tmp_path / "small", tmp_path / "large"
    synth.generate(small, 100)
    synth.generate(large, 400)
    before = _calls_by_function(small, tmp_path / "site-small")
    after = _calls_by_function(large, tmp_path / "site-large")
    total = sum(after.values()) / sum(before.values())
    assert total <= 4.6, f"4x the companies made {total:.1f}x the calls"
    # No single function may stand out either (ignoring ones called only a few times).
    worst = sorted(((after[f] / before[f], f) for f in after if before.get(f, 0) >= 200),
                   reverse=True)[:3]
    assert worst[0][0] <= 6, f"calls grew faster than the atlas in: {worst}"
