"""The benchmark's synthetic project (bench/synth.py) is valid content and reproducible."""
from __future__ import annotations

from pathlib import Path

from atlas import Project, load_atlas
from fixture_atlas import bench_synth



def _files(root: Path) -> dict[str, bytes]:
    """Every generated file (content/ and atlas.toml), not the linked templates/static."""
    out = {"atlas.toml": (root / "atlas.toml").read_bytes()}
    for path in sorted((root / "content").rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def test_synthetic_tree_is_valid_and_reproducible(tmp_path):
    synth = bench_synth()
    first, second = tmp_path / "a", tmp_path / "b"
    stats = synth.generate(first, 200, seed=7)
    synth.generate(second, 200, seed=7)

    atlas = load_atlas(Project(first))
    assert len(atlas.companies) == stats["companies"] == 200
    assert len(atlas.clusters) == stats["clusters"] == 10
    assert len(atlas.parks) == stats["parks"] == 4
    assert len(atlas.links) == stats["links"] == 600 and not stats["links_capped"]
    assert len(atlas.sources) == stats["sources"] == 20
    assert len(atlas.circles) == 2
    assert sum(1 for _ in atlas.all_facts()) == stats["facts"]
    for kind in (atlas.companies, atlas.clusters, atlas.parks):
        assert all(2 <= len(r.facts) <= 5 for r in kind.values())  # 2-4, one more for a disagreement
    names = [c.name for c in atlas.companies.values()]
    assert len(set(names)) == len(names)
    assert all(c.name_en for c in atlas.companies.values())
    assert any("**" in (c.summary or "") for c in atlas.companies.values())
    own = [c for c in atlas.companies.values() if c.location and c.location.precision == "exact"]
    assert 0 < len(own) < len(atlas.companies) / 2  # most are placed via park or district

    a, b = _files(first), _files(second)
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a), [k for k in a if a[k] != b[k]][:5]

    synth.generate(tmp_path / "c", 200, seed=8)
    assert _files(tmp_path / "c") != a  # the seed matters
