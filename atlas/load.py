"""Stage 1, load: read content files and remember the line of every value."""
from __future__ import annotations

from dataclasses import dataclass
import re
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


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader that returns Mapping/Sequence with line numbers and refuses
    duplicate keys, deep nesting and alias bombs."""

    def construct_document(self, node):
        try:
            return _build_tree(self, node)
        finally:
            self.constructed_objects = {}
            self.recursive_objects = {}


MAX_EXPANDED_NODES = 200_000
_STR_TAG = "tag:yaml.org,2002:str"


def _build_tree(loader, root):
    """Mapping/Sequence/scalars from the parsed nodes in one walk that also refuses
    documents nested too deeply or whose aliases expand past a limit (the "billion
    laughs" attack): an alias is built once, but every walk of the data would pay
    for each place it appears."""
    built: dict[int, tuple] = {}

    def build(node, depth: int) -> tuple:
        if depth > MAX_DEPTH:
            raise TooComplex(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        known = built.get(id(node))
        if known is not None:
            return known
        kind = type(node)
        if kind is yaml.ScalarNode:
            value = node.value if node.tag == _STR_TAG else loader.construct_object(node, deep=True)
            result = (value, 1)
        elif kind is yaml.SequenceNode:
            items, total = Sequence(), 1
            items.line = node.start_mark.line + 1
            items.item_lines = []
            for child in node.value:
                value, size = build(child, depth + 1)
                total += size
                if total > MAX_EXPANDED_NODES:
                    raise TooComplex("aliases expand to too many values", node.start_mark.line + 1)
                items.append(value)
                items.item_lines.append(child.start_mark.line + 1)
            result = (items, total)
        elif kind is yaml.MappingNode:
            loader.flatten_mapping(node)
            mapping, total = Mapping(), 1
            mapping.line = node.start_mark.line + 1
            mapping.key_lines = {}
            for key_node, value_node in node.value:
                key, key_size = build(key_node, depth + 1)
                value, value_size = build(value_node, depth + 1)
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
            result = (loader.construct_object(node, deep=True), 1)
        built[id(node)] = result
        return result

    return build(root, 1)[0]


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


_LINE_PREFIX = re.compile(r"^[ -]*", re.MULTILINE)


def _may_nest_deeply(text: str) -> bool:
    """False when no line's leading spaces and dashes are long enough to open
    MAX_PRESCAN_DEPTH levels (each level takes at least one such character)."""
    return max(map(len, _LINE_PREFIX.findall(text)), default=0) > MAX_PRESCAN_DEPTH


def _brackets(text: str) -> int:
    """How many flow brackets open: a bound on their nesting, counted in C."""
    return text.count("[") + text.count("{")


def _bracket_depth(text: str) -> int:
    """Deepest nesting of flow brackets, a cheap guard run before the parser."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _construct_timestamp_as_text(loader, node):
    # Dates stay text: the validator checks their shape and we never want
    # YAML's implicit conversion to pick a type for a curator.
    return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


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


def parse_yaml(text: str, rel: str, problems: Problems, first_line: int = 1) -> Any:
    """Parse YAML text into Mapping/Sequence values; report syntax errors with their line.
    `first_line` is the file line the text starts on (front matter starts on line 2)."""
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
    if _brackets(text) > MAX_DEPTH and _bracket_depth(text) > MAX_DEPTH:
        problems.add(rel, 1, f"YAML too complex: nesting deeper than {MAX_DEPTH} levels",
                     "write the values out plainly")
        return None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as err:
        problems.add(rel, err.line, str(err), "remove one of them")
    except TooComplex as err:
        problems.add(rel, err.line, f"YAML too complex: {err}", "write the values out plainly")
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        if err.context_mark and (mark is None or mark.line + 1 > last_line):
            mark = err.context_mark  # the end of the file says nothing; where it opened does
        line = mark.line + 1 if mark else 0
        what = (err.problem or "syntax error").strip()
        problems.add(rel, line, f"YAML syntax error: {what}",
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
    rel = path.relative_to(root.parent).as_posix() if root.parent in path.parents else str(path)
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
