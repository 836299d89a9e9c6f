"""Which pages a content change can reach, learnt by watching each page render.

While a page renders, every lookup in the atlas's tables (`atlas.companies[id]`,
`.get`, `in`, and iterating a whole table) is noted. A page's fingerprint is then a
digest of its own context plus the digest of each record it looked up. On the next
build a page whose context and looked-up records are unchanged keeps its file; any
other is rendered again. Anything else that shapes a page (templates, catalogues,
static files, settings, the generator's code) is in the site digest, and a change
there renders every page."""
from __future__ import annotations

import hashlib
import io
import pickle
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from functools import partial
from operator import attrgetter
from typing import Any, Callable

ALL = "*"            # a dependency on a whole table (the page read every record)
KEYS = "#keys"       # ... on which records a table holds (the page listed its ids)
LENGTH = "#len"      # ... on how many (the page counted them)
# Positions in the content files, kept for error messages and never shown on a page:
# moving a record's lines must not count as changing it.
NOT_SHOWN = frozenset({"where", "parent_line"})
_ABSENT = "absent"
TABLES = ("sources", "clusters", "companies", "parks", "circles", "districts", "metrics",
          "industries", "pages")

_noted: set | None = None


def _note(table: str, key) -> None:
    if _noted is not None:
        _noted.add((table, key))


class TrackedTable(dict):
    """A table of the atlas that notes every lookup of the page being rendered."""

    table = ""

    def __getitem__(self, key):
        _note(self.table, key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        _note(self.table, key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        _note(self.table, key)
        return dict.__contains__(self, key)

    def __iter__(self):
        _note(self.table, KEYS)
        return dict.__iter__(self)

    def __len__(self):
        _note(self.table, LENGTH)
        return dict.__len__(self)

    def keys(self):
        _note(self.table, KEYS)
        return dict.keys(self)

    def values(self):
        _note(self.table, ALL)
        return dict.values(self)

    def items(self):
        _note(self.table, ALL)
        return dict.items(self)


class TrackedList(list):
    """The atlas's supply links, noting lookups by index."""

    table = "links"

    def __getitem__(self, index):
        _note(self.table, index if isinstance(index, int) else ALL)
        return list.__getitem__(self, index)

    def __iter__(self):
        _note(self.table, ALL)
        return list.__iter__(self)

    def __len__(self):
        _note(self.table, LENGTH)
        return list.__len__(self)


def install(atlas) -> None:
    """Make the atlas's tables note lookups (done after planning, before rendering)."""
    if isinstance(atlas.links, TrackedList):
        return   # already: by a process forked before, say
    for name in TABLES:
        tracked = TrackedTable(getattr(atlas, name))
        tracked.table = name
        setattr(atlas, name, tracked)
    atlas.links = TrackedList(atlas.links)


class Watch:
    """Notes the lookups made inside it (one page's render, or the making of a context
    that pages share). Watches nest: what an inner one notes, the outer one notes too."""

    def __enter__(self) -> set:
        global _noted
        self._outer, _noted = _noted, set()
        return _noted

    def __exit__(self, *exc) -> None:
        global _noted
        inner, _noted = _noted, self._outer
        if _noted is not None and inner:
            _noted |= inner


@contextmanager
def paused():
    """Lookups inside are not noted: work whose result no page shows as such."""
    global _noted
    saved, _noted = _noted, None
    try:
        yield
    finally:
        _noted = saved


def note_again(lookups) -> None:
    """Note lookups made earlier on behalf of the page being rendered (the making of a
    context it shares with the page in the other language)."""
    if _noted is not None:
        _noted.update(lookups)


class Digests:
    """Digests of the atlas's records and of page contexts, each made once per build."""

    def __init__(self, atlas):
        self.atlas = atlas
        self._records: dict[tuple, str] = {}
        self._objects: dict[int, tuple[Any, str]] = {}
        self._arguments: dict[int, tuple[Any, str]] = {}

    def record(self, dependency: tuple) -> str:
        known = self._records.get(dependency)
        if known is None:
            known = self._records[dependency] = self._record(*dependency)
        return known

    def _record(self, table: str, key) -> str:
        global _noted
        saved, _noted = _noted, None  # looking is not the page's own lookup
        try:
            data = getattr(self.atlas, table)
            if key == LENGTH:
                return _hash(str(dict.__len__(data) if isinstance(data, dict) else list.__len__(data)))
            if key == KEYS:
                return _hash(repr(list(dict.keys(data))) if isinstance(data, dict)
                             else str(list.__len__(data)))
            if key == ALL:
                items = list(dict.items(data)) if isinstance(data, dict) else list(enumerate(data))
                return _hash("".join([f"{k!r}={self.of(v)};" for k, v in items]))
            try:
                value = dict.__getitem__(data, key) if isinstance(data, dict) \
                    else list.__getitem__(data, key)
            except (KeyError, IndexError, TypeError):
                return _ABSENT
            return _hash(self.of(value))
        finally:
            _noted = saved

    def of(self, value) -> str:
        """A text standing for any context value (its digest for records and other
        dataclasses, made once per record of the atlas; repr for plain values)."""
        kind = type(value)
        if kind is str:     # most values: tested first
            return "str:" + repr(value)
        if kind in _PLAIN:
            return repr(value)
        shown = _shown_fields(kind)
        if shown is not None:
            lasting = kind.__module__ == _MODEL
            if lasting:
                known = self._objects.get(id(value))
                if known is not None and known[0] is value:
                    return known[1]
                digest = _record_digest(value)
                self._objects[id(value)] = (value, digest)
                return digest
            of = self.of
            return _hash(kind.__name__ + "(" + ",".join([of(v) for v in shown(value)]) + ")")
        if isinstance(value, str):
            return f"{kind.__name__}:{value!r}"
        if isinstance(value, dict):
            return "{" + ",".join([f"{self.of(k)}:{self.of(v)}" for k, v in dict.items(value)]) + "}"
        if isinstance(value, (list, tuple)):
            items = list.__iter__(value) if isinstance(value, list) else iter(value)
            return kind.__name__ + "[" + ",".join([self.of(v) for v in items]) + "]"
        if isinstance(value, (set, frozenset)):
            return "set[" + ",".join(sorted(self.of(v) for v in value)) + "]"
        if callable(value):
            return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
        return f"{kind.__name__}:{value!r}"

    def page(self, page) -> str:
        """What a page is made from, besides the records it looks up: its context or,
        for a context made when rendered, the function that makes it and its arguments
        (what that function looks up in the atlas is noted like the page's own lookups)."""
        make = page.make_context
        if isinstance(make, partial):
            made_from = f"{self.of(make.func)}({','.join([self._argument(a) for a in make.args])})"
            assert not make.keywords, "context makers take positional arguments"
        else:
            made_from = self.of(make if isinstance(make, dict) else page.context)
        return _hash(f"{page.path}|{page.template}|{page.lang}|{made_from}")

    def _argument(self, value) -> str:
        """A context maker's argument: the atlas stands for itself (every lookup in it is
        noted); the other arguments live as long as the plan, and are digested once."""
        if value is self.atlas:
            return "atlas"
        known = self._arguments.get(id(value))
        if known is None or known[0] is not value:
            text = value.tracking_text() if hasattr(value, "tracking_text") else self.of(value)
            known = self._arguments[id(value)] = (value, _hash(text))
        return known[1]

    def combined(self, dependencies) -> str:
        """One digest of the records named by `dependencies` ((table, key) pairs, in order)."""
        return _hash(",".join([self.record(dep) for dep in dependencies]))


_PLAIN = frozenset({int, float, bool, type(None)})
# Digests are remembered only for the atlas's own records, which live as long as the
# build: a page's context objects die with the page, and remembering them would keep
# every one alive (and an id could be reused).
_MODEL = "atlas.model"
_FIELDS: dict[type, Callable[[Any], tuple] | None] = {}


def _shown_fields(kind: type) -> Callable[[Any], tuple] | None:
    """For a dataclass, a function giving the values of its fields that can show on a
    page, in order (None for other types)."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = tuple(f.name for f in fields(kind) if f.name not in NOT_SHOWN) \
            if is_dataclass(kind) else None
        if names is None:
            getter = None
        elif len(names) == 1:
            one = attrgetter(names[0])
            getter = lambda value: (one(value),)  # noqa: E731 - attrgetter of one name gives no tuple
        else:
            getter = attrgetter(*names) if names else (lambda value: ())
        _FIELDS[kind] = getter
        return getter


class _ShownPickler(pickle.Pickler):
    """Pickles a record as its class and the values of its shown fields, records inside
    it likewise: the digest of a record's whole tree with the walk done by the C
    pickler (four times faster than Digests.of on 40,000 records)."""

    def reducer_override(self, obj):
        shown = _shown_fields(type(obj))
        return NotImplemented if shown is None else (type(obj), shown(obj))


def _record_digest(record) -> str:
    stream = io.BytesIO()
    pickler = _ShownPickler(stream, protocol=5)
    # No memo: the bytes then depend on the values alone, never on which equal
    # strings happen to be one object.
    pickler.fast = True
    pickler.dump(record)
    return hashlib.blake2b(stream.getvalue(), digest_size=16).hexdigest()


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
