"""Rebuilds: nothing is redone when nothing changed, and a change of any kind of
input gives exactly the site a clean build gives (the record of the last build
must never keep a stale page)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

import atlas
import atlas.overview
from atlas import Project, build, cache

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(project_copy, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    shutil.copy(ROOT / "atlas.toml", project_copy / "atlas.toml")
    return project_copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unchanged_project_is_not_built_again(project, tmp_path):
    out = tmp_path / "site"
    first = build(Project(project), out)
    before = _files(out)
    again = build(Project(project), out)
    assert not first.up_to_date and again.up_to_date
    assert again.pages == first.pages
    assert _files(out) == before


def test_a_site_folder_replaced_by_hand_is_built_again(project, tmp_path):
    out = tmp_path / "site"
    build(Project(project), out)
    shutil.rmtree(out)
    out.mkdir()
    report = build(Project(project), out)
    assert not report.up_to_date
    assert (out / "index.html").exists()


def _change_content(root: Path) -> None:
    _edit(root / "content/companies/langfang-leoni-wiring.yaml", "summary: |\n", "summary: |\n  改过的摘要。\n")


def _change_template(root: Path) -> None:
    _edit(root / "templates/base.html", "<main id=\"main\">", "<main id=\"main\" data-edited=\"1\">")


def _change_static(root: Path) -> None:
    with open(root / "static/atlas.css", "a", encoding="utf-8") as handle:
        handle.write("\n/* edited */\n")


def _change_catalogue(root: Path) -> None:
    _edit(root / "i18n/en.yaml", "  skip: Skip to content", "  skip: Skip to the content")


def _change_config(root: Path) -> None:
    _edit(root / "atlas.toml", "title_en = \"", "title_en = \"Edited ")


def _rename_customer(root: Path) -> None:
    # Shown on every supplier's page, which finds it by id: a lookup, not its own context.
    path = root / "content/companies/beijing-benz.yaml"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("name: ")
    _edit(path, first, first + "（改名）")


def _move_lines(root: Path) -> None:
    path = root / "content/companies/langfang-leoni-wiring.yaml"
    path.write_text("# a comment moves every line down\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")


def _change_link(root: Path) -> None:
    # Shown on both companies' pages, the supply pages, their entity files and the tables.
    _edit(root / "content/links.yaml", "product_en: body-in-white structural parts",
          "product_en: body-in-white parts")


def _change_figure(root: Path) -> None:
    # In the company's page and entity file, the source's page and file, the facts table.
    _edit(root / "content/companies/langfang-leoni-wiring.yaml",
          "subject_en: one harness every 4 seconds", "subject_en: a harness every 4 seconds")


def _change_circle(root: Path) -> None:
    # Drawn on the overview maps (the home and map pages), which later builds reuse.
    _edit(root / "content/circles.yaml", "assumed_radius_km: 160", "assumed_radius_km: 150")


CHANGES = {"content": _change_content, "a circle": _change_circle, "a name other pages show": _rename_customer,
           "a supply link": _change_link, "a figure": _change_figure,
           "lines moved": _move_lines,
           "template": _change_template, "static asset": _change_static,
           "interface catalogue": _change_catalogue, "configuration": _change_config}


@pytest.mark.parametrize("kind", CHANGES)
def test_any_changed_input_gives_what_a_clean_build_gives(project, tmp_path, kind):
    out, clean = tmp_path / "site", tmp_path / "clean"
    build(Project(project), out)
    before = _files(out)
    CHANGES[kind](project)
    report = build(Project(project), out)
    build(Project(project), clean, force=True)
    assert not report.up_to_date
    assert _files(out) == _files(clean)
    if kind != "lines moved":
        assert _files(out) != before, f"changing the {kind} changed nothing in the site"


def test_an_edit_that_keeps_a_files_size_and_modification_time_is_still_seen(
        project, tmp_path, monkeypatch):
    # Unchanged files are not read again (their digests are kept beside the site);
    # here the digests are kept even for files changed a moment ago.
    monkeypatch.setattr(cache, "_SETTLED_NS", 0)
    out, clean = tmp_path / "site", tmp_path / "clean"
    build(Project(project), out)
    before = _files(out)
    path = project / "content/companies/langfang-leoni-wiring.yaml"
    info = path.stat()
    _edit(path, "one harness every 4 seconds", "one harness every 5 seconds")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    report = build(Project(project), out)
    build(Project(project), clean, force=True)
    assert not report.up_to_date
    assert _files(out) == _files(clean) != before


def test_a_new_generator_version_builds_again(project, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build(Project(project), out)
    monkeypatch.setattr(atlas, "__version__", atlas.__version__ + ".1")
    assert not build(Project(project), out).up_to_date
    assert atlas.__version__ in (out / "index.html").read_text(encoding="utf-8")


def test_changed_generator_code_builds_again(project, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build(Project(project), out)
    code = tmp_path / "code"
    shutil.copytree(Path(atlas.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__"))
    with open(code / "format.py", "a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    monkeypatch.setattr(cache, "_CODE", code)
    assert not build(Project(project), out).up_to_date


def test_a_rebuild_takes_the_overview_maps_drawn_before_when_the_circles_are_unchanged(
        project, tmp_path, monkeypatch):
    out, clean = tmp_path / "site", tmp_path / "clean"
    build(Project(project), out)
    _rename_customer(project)   # a name the map page lists: the page is made again
    build(Project(project), clean, force=True)

    def no_drawing(*args, **kwargs):
        raise AssertionError("an overview map was drawn again")
    monkeypatch.setattr(atlas.overview, "overview_map", no_drawing)
    report = build(Project(project), out)
    assert report.pages - report.kept > 0
    assert _files(out) == _files(clean)


def test_a_rebuild_rewrites_only_the_files_whose_bytes_changed(project, tmp_path):
    out = tmp_path / "site"
    build(Project(project), out)
    page = out / "companies/langfang-leoni-wiring.html"
    untouched = out / "parks/index.html"
    inode_page, inode_untouched = page.stat().st_ino, untouched.stat().st_ino
    _change_content(project)
    build(Project(project), out)
    assert "改过的摘要" in page.read_text(encoding="utf-8")
    assert page.stat().st_ino != inode_page
    assert untouched.stat().st_ino == inode_untouched, "an unchanged page was written again"


def test_a_content_change_renders_only_the_pages_that_show_it(project, tmp_path):
    out = tmp_path / "site"
    first = build(Project(project), out)
    _change_content(project)
    second = build(Project(project), out)
    assert first.kept == 0
    assert 0 < second.pages - second.kept < second.pages / 4, second
    _move_lines(project)
    third = build(Project(project), out)
    assert third.kept == third.pages, "moving lines in a file changes no page"


class _Digests:
    """Record digests by dependency, as tracking.Digests gives them."""

    def __init__(self, digests: dict):
        self.digests = digests

    def record(self, dependency) -> str:
        return self.digests.get(dependency, "absent")


def test_fingerprints_carry_over_a_chain_of_rebuilds_and_are_made_afresh_once_grown():
    from atlas.fingerprints import Previous, Remembering, page_dependencies
    a, b, c, d = (("companies", x) for x in "abcd")
    now = _Digests({a: "1", b: "1", c: "1"})
    first = Remembering(Previous.none())
    first.made("p1.html", "own1", [a, b])
    first.made("p2.html", "own2", [b, c])
    saved = first.saved(now)
    assert page_dependencies(saved) == {"p1.html": {a, b}, "p2.html": {b, c}}

    now.digests[c] = "2"                       # c changed: p2 is made again, p1 kept
    previous = Previous(saved, now)
    assert previous.unchanged("p1.html", "own1") and not previous.unchanged("p2.html", "own2")
    second = Remembering(previous)
    second.kept("p1.html")
    second.made("p2.html", "own2", [b, d])
    again = second.saved(now)
    assert page_dependencies(again) == {"p1.html": {a, b}, "p2.html": {b, d}}
    assert again["pages"]["p1.html"] == saved["pages"]["p1.html"], "a kept page is not renumbered"
    assert [dep[1] for dep in again["deps"]] == ["a", "b", "c", "d"]   # c stays, unused

    # A table grown by more than the allowance is made again from the pages' lookups.
    third = Remembering(Previous(again, now))
    third.kept("p1.html")
    third.made("p2.html", "own2", [("links", i) for i in range(1200)])
    grown = third.saved(now)
    assert page_dependencies(grown) == {"p1.html": {a, b},
                                        "p2.html": {("links", i) for i in range(1200)}}
    assert len(grown["deps"]) == 2 + 1200 and grown["fresh"] == 1202
    assert Previous(grown, now).unchanged("p1.html", "own1")
