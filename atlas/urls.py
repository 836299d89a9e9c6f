"""The one place that knows where every page lives and how to link between pages.

Every internal link is relative to the page it appears on, so the same output
works at a domain root, under a GitHub Pages sub-path and from file://."""
from __future__ import annotations

import posixpath

# Pages at the top of the site; a Markdown page may not take one of these names.
TOP_LEVEL_PAGES = {"index", "map", "supply", "404", "sitemap", "robots", "search"}

SECTIONS = {"cluster": "clusters", "company": "companies", "park": "parks",
            "source": "sources", "circle": "circles"}


def record_path(kind: str, ident: str) -> str:
    """Site path of a record's page, e.g. `companies/xiaomi-auto.html`."""
    return f"{SECTIONS[kind]}/{ident}.html"


def section_path(kind: str) -> str:
    return f"{SECTIONS[kind]}/index.html"


def page_path(ident: str) -> str:
    """Site path of a Markdown page or a top-level page (`map`, `supply`)."""
    return f"{ident}.html"


def relative(from_path: str, to_path: str) -> str:
    """A link from one site path to another (either may carry a #fragment on the target)."""
    target, _, fragment = to_path.partition("#")
    start = posixpath.dirname(from_path) or "."
    link = posixpath.relpath(target, start) if target else posixpath.basename(from_path)
    return link + (f"#{fragment}" if fragment else "")
