"""Stage 1, load: read content files and remember the line of every value."""
from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .problems import Problems

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 30
# A cheap look at indentation before parsing, far above MAX_DEPTH: libyaml recurses
# once per level and would overflow the C stack on thousands of levels.
MAX_PRESCAN_DEPTH = 4 * MAX_DEPTH

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Mapping(dict):
    """A YAML mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Sequence(list):
    """A YAML sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, line: int, first: int):
        super().__init__(f"duplicate key `{key}` (first given on line {first})")
        self.key, self.line, self.first = key, line, first


class TooComplex(yaml.YAMLError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class BadValue(yaml.YAMLError):
    """A value or tag the atlas cannot read, with how to fix it."""

    def __init__(self, message: str, line: int, hint: str):
        super().__init__(message)
        self.line, self.hint = line, hint


class NumberTooLong(BadValue):
    def __init__(self, text: str, line: int):
        super().__init__(f"`{text[:20]}…` is a number too long to read "
                         f"({len(text):,} characters)", line, "put it in quotes if it is text")


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader that returns Mapping/Sequence with line numbers and refuses
    duplicate keys, deep nesting and alias bombs."""

    def construct_document(self, node):
        try:
            return _build_tree(self, node)
        finally:
            self.constructed_objects = {}
            self.recursive_objects = {}


# YAML 1.1 reads `010` as 8 (octal), a figure silently changed: here it is text, as
# `08` already is, and the validator asks for a number where one belongs. The other
# forms of a whole number are YAML 1.1's, with a digit required (`0x_` is text, where
# PyYAML fails to read it).
_WHOLE_NUMBER = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*|0b[0-1_]*[01][0-1_]*"
                           r"|0x[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*"
                           r"|[1-9][0-9_]*(?::[0-5]?[0-9])+)$")
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, _WHOLE_NUMBER if tag == "tag:yaml.org,2002:int" else form)
            for tag, form in resolvers]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()}

MAX_EXPANDED_NODES = 200_000
_YAML_TAG = "tag:yaml.org,2002:"
_STR_TAG = _YAML_TAG + "str"
_SEQ_TAG, _MAP_TAG = _YAML_TAG + "seq", _YAML_TAG + "map"
# The other tags a scalar may carry, plain or written (each constructor refuses a value
# it cannot hold); any other tag is refused: binary data, sets, ordered maps, Python
# objects ... The event reader builds plain scalars of these tags itself.
_SCALAR_TAGS = frozenset(_YAML_TAG + t for t in ("int", "float", "bool", "null", "timestamp"))
# A plain `<<` or `=` outside a key is the text a curator wrote, not a merge.
_SYMBOLS = {_YAML_TAG + "merge": "<<", _YAML_TAG + "value": "="}


def _build_tree(loader, root):
    """Mapping/Sequence/scalars from the parsed nodes in one walk that also refuses
    documents nested too deeply or whose aliases expand past a limit (the "billion
    laughs" attack): an alias is built once, but every walk of the data would pay
    for each place it appears."""
    return _NodeWalk(loader).build(root, 1)[0]


class _NodeWalk:
    # A class, not a nested function calling itself: that would be a reference cycle
    # holding the whole tree until the cyclic collector ran.

    def __init__(self, loader):
        self.loader = loader
        self.built: dict[int, tuple] = {}

    def build(self, node, depth: int) -> tuple:
        if depth > MAX_DEPTH:
            raise TooComplex(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        known = self.built.get(id(node))
        if known is not None:
            return known
        kind, tag = type(node), node.tag
        if kind is yaml.ScalarNode:
            if tag == _STR_TAG or _SYMBOLS.get(tag) == node.value:
                value = node.value
            elif tag in _SCALAR_TAGS:
                value = self.loader.construct_object(node, deep=True)
            else:
                raise _tag_refused(node)
            result = (value, 1)
        elif kind is yaml.SequenceNode:
            if tag != _SEQ_TAG:
                raise _tag_refused(node)
            items, total = Sequence(), 1
            items.line = node.start_mark.line + 1
            items.item_lines = []
            for child in node.value:
                value, size = self.build(child, depth + 1)
                total += size
                if total > MAX_EXPANDED_NODES:
                    raise TooComplex("aliases expand to too many values", node.start_mark.line + 1)
                items.append(value)
                items.item_lines.append(child.start_mark.line + 1)
            result = (items, total)
        elif kind is yaml.MappingNode:
            if tag != _MAP_TAG:
                raise _tag_refused(node)
            try:
                self.loader.flatten_mapping(node)
            except yaml.constructor.ConstructorError as err:   # `<<: x`
                raise BadValue("`<<` merges a mapping, given by its alias (`<<: *name`)",
                               (err.problem_mark or node.start_mark).line + 1,
                               "put `<<` in quotes if it is text") from None
            mapping, total = Mapping(), 1
            mapping.line = node.start_mark.line + 1
            mapping.key_lines = {}
            for key_node, value_node in node.value:
                key, key_size = self.build(key_node, depth + 1)
                value, value_size = self.build(value_node, depth + 1)
                total += key_size + value_size
                if total > MAX_EXPANDED_NODES:
                    raise TooComplex("aliases expand to too many values", node.start_mark.line + 1)
                if not isinstance(key, str):
                    key = str(key)
                line = key_node.start_mark.line + 1
                if key in mapping.key_lines:
                    raise DuplicateKey(key, line, mapping.key_lines[key])
                mapping.key_lines[key] = line
                mapping[key] = value
            result = (mapping, total)
        else:
            result = (self.loader.construct_object(node, deep=True), 1)
        self.built[id(node)] = result
        return result


def _shown(text: str) -> str:
    """The start of a value or tag for a one-line message: no line breaks, and no control
    characters for a terminal to obey (a quoted value or a `%`-escaped tag may hold any)."""
    shown = "".join(c if c.isprintable() else "?" for c in text[:40])
    return shown if len(text) <= 40 else shown + "…"


def _written(tag: str) -> str:
    """A tag as a curator writes it: `!!bool`, `!foo`, `!<x>`."""
    if tag.startswith(_YAML_TAG):
        return "!!" + _shown(tag[len(_YAML_TAG):])
    return _shown(tag) if tag.startswith("!") else f"!<{_shown(tag)}>"


def _tag_refused(node) -> BadValue:
    return BadValue(f"tag `{_written(node.tag)}` cannot be used here", node.start_mark.line + 1,
                    "remove it; if it is part of the text, put the whole value in quotes")


def _cannot_hold(node, what: str) -> BadValue:
    """A scalar whose tag needs `what`. Only a written tag gets here: the resolver gives
    a plain scalar a tag only when that tag's constructor reads it."""
    tag = _written(node.tag)
    written = f"{tag} {_shown(node.value)}".rstrip()
    return BadValue(f"`{written}` is not {what}", node.start_mark.line + 1,
                    f"write it without `{tag}`")


class _Unusual(Exception):
    """A document the event reader leaves to the node walk."""


_ScalarEvent, _MappingStart, _MappingEnd = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent
_SequenceStart, _SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent
# Short scalars seen before (keys and many values recur in every file): a plain one is
# resolved once (`2025` is a number, `yes` is true), and each text is one object shared
# by every record that holds it. Emptied when loading is done, or when they grow large.
_plain_values: dict[str, Any] = {}
_quoted_texts: dict[str, str] = {}
_SHARED_LENGTH = 40
_SHARED_COUNT = 100_000
_NOT_CACHED = object()
# First characters of the plain scalars the resolver may read as something other than
# text (`123`, `true`, `~`, `<<` ...); any other plain scalar is text.
_RESOLVED_FIRST = frozenset(_LineLoader.yaml_implicit_resolvers)
_RESOLVE_ALL = None in _RESOLVED_FIRST  # a resolver for any first character


def forget_repeated_values() -> None:
    """Drop the scalars remembered while reading (call when done loading)."""
    _plain_values.clear()
    _quoted_texts.clear()


def _plain_value(loader, event) -> Any:
    text = event.value
    tag = loader.resolve(yaml.ScalarNode, text, (True, False)) \
        if _RESOLVE_ALL or text[:1] in _RESOLVED_FIRST else _STR_TAG
    if tag == _STR_TAG:
        value = text
    elif tag in _SCALAR_TAGS:
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark)
        value = loader.yaml_constructors[tag](loader, node)
    else:
        raise _Unusual  # e.g. `<<` (a merge key) or `=`
    if len(text) <= _SHARED_LENGTH:
        _plain_values[text] = value
    return value


def _read_events(loader) -> Any:
    """The tree `_build_tree` makes, read straight from the parser's events: no node
    objects, and the resolver only for plain scalars not seen before. Raises _Unusual
    for anything but untagged mappings, sequences and scalars within the limits
    (anchors, aliases, tags, merge keys, complex or duplicate keys, several
    documents), which the node walk then reads, with its own messages."""
    get = loader.get_event
    if type(get()) is not yaml.StreamStartEvent:
        raise _Unusual
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None
    if type(event) is not yaml.DocumentStartEvent:
        raise _Unusual
    for shared in (_plain_values, _quoted_texts):
        if len(shared) > _SHARED_COUNT:
            shared.clear()
    remembered = _plain_values.get
    shared_text = _quoted_texts.setdefault
    root = top = key = None   # the innermost open collection; in a mapping, the key awaiting its value
    in_mapping = False
    outer: list[tuple] = []   # (top, in_mapping, key) of each enclosing collection
    depth = nodes = 0         # depth of `top` (0 before the root)
    while True:
        event = get()
        kind = type(event)
        if kind is _ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            if event.implicit[0]:  # plain: `123`, `true`, `~` and dates are not text
                value = remembered(event.value, _NOT_CACHED)
                if value is _NOT_CACHED:
                    value = _plain_value(loader, event)
            else:
                value = event.value
                if len(value) <= _SHARED_LENGTH:
                    value = shared_text(value, value)
            opened = False
        elif kind is _MappingStart or kind is _SequenceStart:
            if event.anchor is not None or event.tag is not None or (in_mapping and key is None):
                raise _Unusual
            if kind is _MappingStart:
                value = Mapping()
                value.key_lines = {}
            else:
                value = Sequence()
                value.item_lines = []
            value.line = event.start_mark.line + 1
            opened = True
        elif kind is _MappingEnd or kind is _SequenceEnd:
            if in_mapping and key is not None:
                raise _Unusual
            top, in_mapping, key = outer.pop()
            depth -= 1
            if not outer:
                break
            continue
        else:
            raise _Unusual
        nodes += 1
        if depth >= MAX_DEPTH or nodes > MAX_EXPANDED_NODES:
            raise _Unusual
        if top is None:
            root = value
            if not opened:
                break
        elif in_mapping:
            if key is None:
                if type(value) is not str:
                    value = str(value)
                if value in top.key_lines:
                    raise _Unusual
                top.key_lines[value] = event.start_mark.line + 1
                key = value
                continue
            top[key] = value
            key = None
        else:
            top.append(value)
            top.item_lines.append(event.start_mark.line + 1)
        if opened:
            outer.append((top, in_mapping, key))
            top, in_mapping, key = value, kind is _MappingStart, None
            depth += 1
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise _Unusual
    return root


def _load(text: str) -> Any:
    """The document as Mapping/Sequence values; the event reader for ordinary files,
    the node walk (exact errors, aliases, merge keys) for the rest."""
    loader = _LineLoader(text)
    try:
        return _read_events(loader)
    except Exception:  # noqa: BLE001 - anything unusual is read again below
        pass
    finally:
        loader.dispose()
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass


def _block_depth(text: str) -> tuple[int, int]:
    """Deepest block nesting a line opens (indentation plus `- ` markers) and its line:
    libyaml recurses once per level before any check of ours can run."""
    deepest, where = 0, 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 2
        while stripped.startswith("- "):
            depth += 1
            stripped = stripped[2:].lstrip(" ")
        if depth > deepest:
            deepest, where = depth, number
            if depth > MAX_PRESCAN_DEPTH:
                break
    return deepest, where


_LONG_LINE_PREFIX = re.compile(r"^[ -]{%d}" % (MAX_PRESCAN_DEPTH + 1), re.MULTILINE)


def _may_nest_deeply(text: str) -> bool:
    """False when no line's leading spaces and dashes are long enough to open
    MAX_PRESCAN_DEPTH levels (each level takes at least one such character)."""
    return _LONG_LINE_PREFIX.search(text) is not None


def _brackets(text: str) -> int:
    """How many flow brackets open: a bound on their nesting, counted in C."""
    return text.count("[") + text.count("{")


_FLOW_BRACKET = re.compile(r"[\[\]{}]")


def _too_deep_brackets(text: str) -> int:
    """The line where flow brackets first open more than MAX_DEPTH levels, else 0: a
    cheap guard run before the parser."""
    depth = 0
    for bracket in _FLOW_BRACKET.finditer(text):
        if bracket.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, bracket.start()) + 1
        elif depth:
            depth -= 1
    return 0


def _construct_timestamp_as_text(loader, node):
    # Dates stay text: the validator checks their shape and we never want
    # YAML's implicit conversion to pick a type for a curator.
    if not yaml.SafeLoader.timestamp_regexp.match(node.value):
        raise _cannot_hold(node, "a date")
    return loader.construct_scalar(node)


def _construct_bool(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_bool(loader, node)
    except KeyError:
        raise _cannot_hold(node, "true or false") from None


def _construct_null(loader, node):
    if node.value not in ("", "~", "null", "Null", "NULL"):
        raise _cannot_hold(node, "an empty value")
    return None


def _refuse_base_60(node) -> None:
    if ":" in node.value:   # YAML 1.1 reads `1:30` as 90: never what a curator means
        raise BadValue(f"`{_shown(node.value)}` reads as a number in base 60 in YAML",
                       node.start_mark.line + 1,
                       "put it in quotes if it is text; write a figure as a plain number")


def _construct_float(loader, node):
    _refuse_base_60(node)
    try:
        return yaml.SafeLoader.construct_yaml_float(loader, node)
    except (ValueError, IndexError):
        raise _cannot_hold(node, "a number") from None


# Python converts an int of more than 4300 decimal digits neither from text nor back
# (int_max_str_digits); one read from hex or octal could then never be shown.
_MAX_DIGITS = 4300
_TOO_LARGE = 10 ** _MAX_DIGITS


def _construct_int(loader, node):
    if len(node.value) > _MAX_DIGITS:  # before int(): it would refuse, or take long
        raise NumberTooLong(node.value, node.start_mark.line + 1)
    _refuse_base_60(node)
    try:
        value = yaml.SafeLoader.construct_yaml_int(loader, node)
    except (ValueError, IndexError):
        raise _cannot_hold(node, "a whole number") from None
    if not -_TOO_LARGE < value < _TOO_LARGE:
        raise NumberTooLong(node.value, node.start_mark.line + 1)
    return value


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_LineLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_LineLoader.add_constructor("tag:yaml.org,2002:null", _construct_null)


@dataclass(frozen=True)
class Document:
    """The data of one content file with the path it came from."""

    path: Path
    rel: str
    data: Any


def read_text(path: Path, rel: str, problems: Problems) -> str | None:
    """Read a UTF-8 file, reporting size, encoding and byte-order-mark problems."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        problems.add(rel, 0, f"cannot read the file: {err.strerror}")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.add(rel, 0, f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
                     "split it into several records")
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.add(rel, 1, "file starts with a byte-order mark", "save it as UTF-8 without BOM")
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.add(rel, line, f"not valid UTF-8 (byte 0x{raw[err.start]:02x})",
                     "save the file as UTF-8")
        return None


# -- parsed files kept between builds ---------------------------------------------------

class KeptPickles:
    """Values a build made, kept for the next build as pickles by a key of what each was
    made from, and valid only while `stamp` (what else made them: the code, say) is the
    same. Pickled when made, before any later stage could touch them; a value given out
    is a fresh copy. `used` is what this build made or took: what to keep."""

    def __init__(self, known: dict[bytes, bytes] | None = None, stamp: str = ""):
        self.known, self.stamp = known or {}, stamp
        self.used: dict[bytes, bytes] = {}

    def checked_against(self, stamp: str) -> None:
        """Forget everything kept by a build with another stamp."""
        if stamp != self.stamp:
            self.known, self.stamp = {}, stamp

    def get(self, key: bytes) -> Any:
        kept = self.known.get(key)
        if kept is None:
            return None
        self.used[key] = kept
        return pickle.loads(kept)

    def put(self, key: bytes, value: Any) -> None:
        self.used[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def read(cls, path: Path):
        """What `save` wrote; empty when there is none or it cannot be read."""
        try:
            with open(path, "rb") as stream:
                saved = pickle.load(stream)
            return cls(saved["files"], saved["stamp"])
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError,
                ValueError, ImportError, IndexError):
            return cls()

    def save(self, path: Path) -> None:
        """Best effort: without the file the next build makes everything again."""
        if self.used.keys() == self.known.keys():
            return   # the same as the last build kept: the file says it already
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as stream:
                pickle.dump({"stamp": self.stamp, "files": self.used}, stream,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)


class ParsedFiles(KeptPickles):
    """The trees of the files parsed by the last build, by the digest of their text, so a
    rebuild parses only the files that changed; made by this parser (this module and
    PyYAML) alone. Only trees parsed without a problem are kept: every message comes
    from a real parse."""

    def __init__(self, known: dict[bytes, bytes] | None = None, stamp: str | None = None):
        super().__init__(known, _PARSER if stamp is None else stamp)

    @staticmethod
    def key(text: str, first_line: int) -> bytes:
        return hashlib.blake2b(f"{first_line}\0{text}".encode("utf-8", "surrogatepass"),
                               digest_size=20).digest()

    @classmethod
    def read(cls, path: Path) -> "ParsedFiles":
        kept = super().read(path)
        kept.checked_against(_PARSER)
        return kept


_PARSER = hashlib.blake2b(Path(__file__).read_bytes() + f"\0{yaml.__version__}\0{_Base.__name__}"
                          .encode(), digest_size=16).hexdigest()
_parsed: ParsedFiles | None = None


@contextlib.contextmanager
def parsed_files(kept: ParsedFiles | None):
    """Parse through `kept` inside (see ParsedFiles); with None, keep no parse tree."""
    global _parsed
    saved, _parsed = _parsed, kept
    try:
        yield kept
    finally:
        _parsed = saved


def parsed_here() -> dict[bytes, bytes]:
    """The files parsed (or taken from the last build) in this process so far: what a
    forked reader hands back with its records."""
    return _parsed.used if _parsed is not None else {}


def parsed_elsewhere(used: dict[bytes, bytes]) -> None:
    """Keep what a forked reader parsed as if parsed here."""
    if _parsed is not None:
        _parsed.used.update(used)


def parse_yaml(text: str, rel: str, problems: Problems, first_line: int = 1) -> Any:
    """Parse YAML text into Mapping/Sequence values; report syntax errors with their line.
    `first_line` is the file line the text starts on (front matter starts on line 2)."""
    kept = _parsed
    if kept is None:
        return _parse_yaml(text, rel, problems, first_line)
    key = ParsedFiles.key(text, first_line)
    tree = kept.get(key)
    if tree is None:
        before = len(problems)
        tree = _parse_yaml(text, rel, problems, first_line)
        if tree is not None and len(problems) == before:
            kept.put(key, tree)
    return tree


def _parse_yaml(text: str, rel: str, problems: Problems, first_line: int) -> Any:
    text = "\n" * (first_line - 1) + text
    if "\t" in text:
        for number, line in enumerate(text.splitlines(), 1):
            indent = line[: len(line) - len(line.lstrip())]
            if "\t" in indent:
                problems.add(rel, number, "tab used for indentation", "indent with spaces")
                return None
    depth, line = _block_depth(text) if _may_nest_deeply(text) else (0, 0)
    if depth > MAX_PRESCAN_DEPTH:
        problems.add(rel, line, f"YAML too complex: nesting deeper than {MAX_DEPTH} levels",
                     "write the values out plainly")
        return None
    line = _too_deep_brackets(text) if _brackets(text) > MAX_DEPTH else 0
    if line:
        problems.add(rel, line, f"YAML too complex: nesting deeper than {MAX_DEPTH} levels",
                     "write the values out plainly")
        return None
    try:
        return _load(text)
    except DuplicateKey as err:
        problems.add(rel, err.line, str(err), "remove one of them")
    except TooComplex as err:
        problems.add(rel, err.line, f"YAML too complex: {err}", "write the values out plainly")
    except BadValue as err:
        problems.add(rel, err.line, str(err), err.hint)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        if err.context_mark and (mark is None or mark.line + 1 > last_line):
            mark = err.context_mark  # the end of the file says nothing; where it opened does
        line = mark.line + 1 if mark else 0
        what = (err.problem or "syntax error").strip()
        problems.add(rel, line, f"YAML syntax error: {what}",
                     "a value starting with `!` is read as a tag: put the whole value in quotes"
                     if "tag" in f"{err.context} {err.problem}" else
                     "check indentation, colons and closing quotes on this line and the one before")
    except yaml.reader.ReaderError as err:
        # libyaml's position counts bytes of the UTF-8 text, not characters
        # (the pure-Python reader counts characters)
        counted = text.encode("utf-8") if _Base is not yaml.SafeLoader else text
        line = (counted[: err.position].count("\n" if counted is text else b"\n") + 1
                if isinstance(err.position, int) else 0)
        problems.add(rel, line, f"the file contains a control character (0x{err.character:x})"
                     if isinstance(err.character, int) else "the file contains a character YAML forbids",
                     "delete it; it is usually invisible in an editor")
    except yaml.YAMLError as err:
        problems.add(rel, 0, f"YAML error: {str(err).splitlines()[0]}")
    except (ValueError, OverflowError) as err:
        problems.add(rel, 0, f"a value YAML cannot read: {str(err).splitlines()[0][:120]}",
                     "write numbers of ordinary size, without special tags")
    except RecursionError:
        problems.add(rel, 0, "YAML nesting too deep", "write the values out plainly")
    return None


def load_yaml(path: Path, root: Path, problems: Problems) -> Document | None:
    """Read and parse one YAML file; None (with problems added) when it cannot be used."""
    rel = _relative(path, root.parent)
    text = read_text(path, rel, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(rel, 1, "file is empty", "write the record, or delete the file")
        return None
    before = len(problems)
    data = parse_yaml(text, rel, problems)
    if data is None:
        if len(problems) == before:
            problems.add(rel, 1, "file holds no data", "write the record, or delete the file")
        return None
    return Document(path, rel, data)


def _relative(path: Path, base: Path) -> str:
    """`path` relative to `base` as a/b/c, or the whole path when it is not inside."""
    if path != base:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return str(path)


def give_back_free_memory() -> None:
    """Return the memory freed since reading (parse trees, kept parses) to the system,
    where the C library allows (glibc's malloc_trim): each process forked later starts
    from the smaller size. Elsewhere, nothing."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def collector_paused():
    """Cyclic garbage collection off while the atlas is read and linked: that makes no
    reference cycles, so the collector would only walk the growing atlas again and
    again, finding nothing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split a Markdown file into (front matter YAML, body, line where the body starts)."""
    if not text.startswith("---\n"):
        return "", text, 1
    end = text.find("\n---", 4)
    if end < 0:
        return "", text, 1
    front = text[4:end]
    body_start = text.find("\n", end + 4)
    body = text[body_start + 1:] if body_start >= 0 else ""
    return front, body, front.count("\n") + 3


def load_boundaries(folder: Path) -> dict[str, dict]:
    """Boundary features (GeoJSON) by name: districts, Hebei's cities and the provinces.
    An empty dict when the files are absent (the district check is then skipped)."""
    import json

    features: dict[str, dict] = {}
    for name in ("jjj-provinces.geojson", "jjj-districts.geojson"):
        path = folder / name
        if path.exists():
            for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
                features[feature["properties"]["name"]] = feature
    return features
