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

import base64
import sys
from array import array
from typing import Iterable

from .tracking import Digests

Dependency = tuple[str, object]        # (table, key): see tracking.ALL, KEYS, LENGTH
# A page's positions are saved as one text: base64 of unsigned 32-bit little-endian
# numbers. As JSON lists they took about 70 MB once read back at 10,000 companies (an
# object for every number), held by every process forked after.
_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)


def encode_positions(positions: Iterable[int]) -> str:
    numbers = array(_UINT32, positions)
    if sys.byteorder == "big":
        numbers.byteswap()
    return base64.b64encode(numbers.tobytes()).decode("ascii")


def decode_positions(text: str) -> array:
    numbers = array(_UINT32, base64.b64decode(text))
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


class Previous:
    """The fingerprints of the last build, checked against this build's atlas."""

    def __init__(self, saved: dict, digests: Digests):
        self.table: list = saved.get("deps", [])           # [table, key, digest] each
        self.pages: dict = saved.get("pages", {})          # path -> [own, encoded positions]
        self.fresh: int = saved.get("fresh", len(self.table))  # the table's size when made afresh
        self.changed = frozenset(i for i, (table, key, digest) in enumerate(self.table)
                                 if digests.record((table, key)) != digest)

    @classmethod
    def none(cls) -> "Previous":
        return cls({}, None)  # type: ignore[arg-type]  # an empty table digests nothing

    def unchanged(self, path: str, own: str) -> bool:
        """True when the page's own digest and every record it looked up last time are
        as they were, so its previous file is still right."""
        entry = self.pages.get(path)
        return entry is not None and entry[0] == own and \
            (not self.changed or self.changed.isdisjoint(decode_positions(entry[1])))


class Remembering:
    """What to save for the next build, gathered as pages are rendered or kept (so the
    parent never holds every page's lookups at once: about 100 MB at 10,000 companies).

    The table starts as the last build's, so a kept page keeps its saved positions as
    they are (most pages of a rebuild: nothing to decode or renumber); records looked
    up for the first time are added at its end. Entries no page uses any more stay
    until the table has grown by a quarter since it was last made afresh, and then
    the whole table is made again from the pages' own lookups (`saved`)."""

    def __init__(self, previous: Previous):
        self.previous = previous
        self.dependencies: list[Dependency] = [(table, key) for table, key, _ in previous.table]
        self._position: dict = {dependency: at for at, dependency in enumerate(self.dependencies)}
        self.base = len(self.dependencies)     # entries shared with the last build's table
        # None: a table begun empty holds only what pages use (made afresh as it is)
        self.fresh = previous.fresh if previous.table else None
        self.pages: dict[str, list] = {}   # path -> [own, positions: array, or saved text]

    def _place(self, dependency) -> int:
        at = self._position.get(dependency)
        if at is None:
            at = self._position[dependency] = len(self.dependencies)
            self.dependencies.append(dependency)
        return at

    def made(self, path: str, own: str, dependencies: Iterable[Dependency]) -> None:
        """A page (or file) rendered in this build, with the records it looked up."""
        self.pages[path] = [own, array(_UINT32, [self._place(d) for d in dependencies])]

    def kept(self, path: str) -> None:
        """A page kept from the previous build: its fingerprint is the previous one."""
        self.pages[path] = self.previous.pages[path]

    def take(self, other: "Remembering") -> None:
        """Everything `other` gathered (in a forked process that started from the same
        table, say), as if gathered here."""
        moved: dict[int, int] = {}

        def place(at: int) -> int:
            if at < other.base:
                return at
            here = moved.get(at)
            if here is None:
                here = moved[at] = self._place(other.dependencies[at - other.base])
            return here

        for path, (own, positions) in other.pages.items():
            if isinstance(positions, str):   # kept: positions in the shared table
                self.pages[path] = [own, positions]
            else:
                self.pages[path] = [own, array(_UINT32, [place(i) for i in positions])]

    def __getstate__(self):
        # Sent from a forked process without the table it shares with the receiver.
        return {"base": self.base, "added": self.dependencies[self.base:], "pages": self.pages}

    def __setstate__(self, state):
        self.previous, self._position, self.fresh = None, {}, None
        self.base, self.dependencies, self.pages = state["base"], state["added"], state["pages"]

    def saved(self, digests: Digests) -> dict:
        """The fingerprints to save, with each record's digest as it is now."""
        fresh = len(self.dependencies) if self.fresh is None else self.fresh
        if len(self.dependencies) > fresh + max(fresh // 4, 1000):
            return self._saved_afresh(digests)
        return {"deps": [[table, key, digests.record((table, key))]
                         for table, key in self.dependencies],
                "pages": {path: [own, positions if isinstance(positions, str)
                                 else encode_positions(positions)]
                          for path, (own, positions) in self.pages.items()},
                "fresh": fresh}

    def _saved_afresh(self, digests: Digests) -> dict:
        afresh = Remembering(Previous.none())
        for path, (own, positions) in self.pages.items():
            if isinstance(positions, str):
                positions = decode_positions(positions)
            afresh.made(path, own, [self.dependencies[at] for at in positions])
        return afresh.saved(digests)


def page_dependencies(saved: dict) -> dict[str, set[Dependency]]:
    """Each page's dependencies, from what `Remembering.saved` gave (for tests and tools)."""
    table = saved.get("deps", [])
    return {path: {(table[i][0], table[i][1]) for i in decode_positions(positions)}
            for path, (_own, positions) in saved.get("pages", {}).items()}
