"""The one place that knows where every page lives and how to link between pages.

Every internal link is relative to the page it appears on, so the same output
works at a domain root, under a GitHub Pages sub-path and from file://."""
from __future__ import annotations

import functools

# Pages at the top of the site; a Markdown page may not take one of these names.
TOP_LEVEL_PAGES = {"index", "map", "supply", "404", "sitemap", "robots", "search", "data"}

SECTIONS = {"cluster": "clusters", "company": "companies", "park": "parks",
            "source": "sources", "circle": "circles"}


def record_path(kind: str, ident: str) -> str:
    """Site path of a record's page, e.g. `companies/xiaomi-auto.html`."""
    return f"{SECTIONS[kind]}/{ident}.html"


def section_path(kind: str) -> str:
    return f"{SECTIONS[kind]}/index.html"


def browse_path(dimension: str, key: str = "") -> str:
    """Site path of a browse page: `browse/index.html`, `browse/district/index.html`,
    `browse/district/wuqing.html`."""
    if not dimension:
        return "browse/index.html"
    return f"browse/{dimension}/{key or 'index'}.html"


def page_path(ident: str) -> str:
    """Site path of a Markdown page or a top-level page (`map`, `supply`)."""
    return f"{ident}.html"


@functools.lru_cache(maxsize=None)
def _folder_link(from_dir: str, to_dir: str) -> str:
    """The relative prefix from one folder of the site to another ('', '../', '../en/')."""
    here = from_dir.split("/") if from_dir else []
    there = to_dir.split("/") if to_dir else []
    common = 0
    for a, b in zip(here, there):
        if a != b:
            break
        common += 1
    return "../" * (len(here) - common) + "".join(part + "/" for part in there[common:])


def relative(from_path: str, to_path: str) -> str:
    """A link from one site path to another (either may carry a #fragment on the target).
    Site paths are normalised (no '.', '..' or leading '/'); the folder pairs are few,
    so their prefixes are cached and a link costs two string splits."""
    target, _, fragment = to_path.partition("#")
    if target:
        to_dir, _, name = target.rpartition("/")
        link = _folder_link(from_path.rpartition("/")[0], to_dir) + name
    else:
        link = from_path.rpartition("/")[2]
    return link + (f"#{fragment}" if fragment else "")
