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
    parent never holds every page's lookups at once: about 100 MB at 10,000 companies)."""

    def __init__(self, previous: Previous):
        self.previous = previous
        self.dependencies: list[Dependency] = []
        self._position: dict = {}
        self._moved: dict[int, int] = {}   # a kept page's position in the last table -> in this
        self.pages: dict[str, list] = {}   # path -> [own, array of positions]

    def _place(self, dependency) -> int:
        at = self._position.get(dependency)
        if at is None:
            at = self._position[dependency] = len(self.dependencies)
            self.dependencies.append(dependency)
        return at

    def _place_again(self, old: int) -> int:
        at = self._moved.get(old)
        if at is None:
            table, key, _ = self.previous.table[old]
            at = self._moved[old] = self._place((table, key))
        return at

    def made(self, path: str, own: str, dependencies: Iterable[Dependency]) -> None:
        """A page (or file) rendered in this build, with the records it looked up."""
        self.pages[path] = [own, array(_UINT32, [self._place(d) for d in dependencies])]

    def kept(self, path: str) -> None:
        """A page kept from the previous build: its fingerprint is the previous one."""
        own, positions = self.previous.pages[path]
        self.pages[path] = [own, array(_UINT32, [self._place_again(i)
                                                  for i in decode_positions(positions)])]

    def take(self, other: "Remembering") -> None:
        """Everything `other` gathered (in a forked process, say), as if gathered here."""
        moved: dict[int, int] = {}

        def place(at: int) -> int:
            here = moved.get(at)
            if here is None:
                here = moved[at] = self._place(other.dependencies[at])
            return here

        for path, (own, positions) in other.pages.items():
            self.pages[path] = [own, array(_UINT32, [place(i) for i in positions])]

    def __getstate__(self):
        # Sent from a forked process without the last build's table, which the receiver has.
        return {"dependencies": self.dependencies, "pages": self.pages}

    def __setstate__(self, state):
        self.previous, self._position, self._moved = None, {}, {}
        self.dependencies, self.pages = state["dependencies"], state["pages"]

    def saved(self, digests: Digests) -> dict:
        """The fingerprints to save, with each record's digest as it is now."""
        return {"deps": [[table, key, digests.record((table, key))]
                         for table, key in self.dependencies],
                "pages": {path: [own, encode_positions(positions)]
                          for path, (own, positions) in self.pages.items()}}


def page_dependencies(saved: dict) -> dict[str, set[Dependency]]:
    """Each page's dependencies, from what `Remembering.saved` gave (for tests and tools)."""
    table = saved.get("deps", [])
    return {path: {(table[i][0], table[i][1]) for i in decode_positions(positions)}
            for path, (_own, positions) in saved.get("pages", {}).items()}
