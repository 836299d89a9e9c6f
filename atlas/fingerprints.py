"""Page fingerprints kept between builds of a site, so a rebuild renders only the pages
whose inputs changed.

A page's fingerprint is the digest of what it is made from besides the atlas (its
template, and its context maker with the maker's arguments: `own`, from
tracking.Digests.page) and the records that its making and its template looked up (its
dependencies, noted by atlas/tracking.py).

Saved beside the site: one table of every dependency of any page, each with the digest
its record had, and for each page its own digest and the positions of its dependencies
in that table. A rebuild digests each dependency of the table once (tens of thousands
at 10,000 companies, against about 770,000 page-dependency pairs), and a page is
unchanged when its own digest is the same and none of its dependencies changed."""
from __future__ import annotations

from typing import Iterable

from .tracking import Digests

Dependency = tuple[str, object]        # (table, key): see tracking.ALL, KEYS, LENGTH


class Previous:
    """The fingerprints of the last build, checked against this build's atlas."""

    def __init__(self, saved: dict, digests: Digests):
        self.table: list = saved.get("deps", [])           # [table, key, digest] each
        self.pages: dict = saved.get("pages", {})          # path -> [own, [positions]]
        self.changed = frozenset(i for i, (table, key, digest) in enumerate(self.table)
                                 if digests.record((table, key)) != digest)

    @classmethod
    def none(cls) -> "Previous":
        return cls({}, None)  # type: ignore[arg-type]  # an empty table digests nothing

    def unchanged(self, path: str, own: str) -> bool:
        """True when the page's own digest and every record it looked up last time are
        as they were, so its previous file is still right."""
        entry = self.pages.get(path)
        return entry is not None and entry[0] == own and self.changed.isdisjoint(entry[1])


def remembered(previous: Previous, made: dict[str, tuple[str, Iterable[Dependency]]],
               kept: Iterable[str], digests: Digests) -> dict:
    """What to save for the next build: `made` holds each page rendered in this build
    (path -> own digest and dependencies), `kept` the paths of pages kept unchanged
    (their fingerprints are the previous build's)."""
    table: list = []
    position: dict = {}

    def place(dependency) -> int:
        at = position.get(dependency)
        if at is None:
            at = position[dependency] = len(table)
            table.append([dependency[0], dependency[1], digests.record(dependency)])
        return at

    moved: dict[int, int] = {}   # a kept page's position in the last table -> in this one

    def place_again(old: int) -> int:
        at = moved.get(old)
        if at is None:
            table_name, key, _ = previous.table[old]
            at = moved[old] = place((table_name, key))
        return at

    pages = {}
    for path in kept:
        own, positions = previous.pages[path]
        pages[path] = [own, [place_again(i) for i in positions]]
    for path, (own, dependencies) in made.items():
        pages[path] = [own, [place(d) for d in dependencies]]
    return {"deps": table, "pages": pages}


def page_dependencies(saved: dict) -> dict[str, set[Dependency]]:
    """Each page's dependencies, from what `remembered` saved (for tests and tools)."""
    table = saved.get("deps", [])
    return {path: {(table[i][0], table[i][1]) for i in positions}
            for path, (_own, positions) in saved.get("pages", {}).items()}
