"""Stage 2, validate: turn loaded documents into a typed, cross-checked Atlas,
collecting every problem as `file:line: message (hint)`."""
from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import hashlib
import itertools
import math
import multiprocessing
import os
import re
import threading
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable

from . import forked, geo
from .load import (KeptPickles, Mapping, Sequence, collector_paused, forget_repeated_values,
                   load_yaml, parse_yaml, parsed_elsewhere, parsed_files, parsed_here, read_text,
                   split_front_matter)
from .model import (PROVINCES, Atlas, Circle, Cluster, Company, Designation, District, Fact,
                    Headline, Label, Link, Location, Page, Park, Person, Product, Radius, Source,
                    Where)
from .problems import ContentError, Problems, did_you_mean
from .urls import TOP_LEVEL_PAGES

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
RESERVED_IDS = {"index", "map", "about", "search", "static", "data", "en", "404", "sitemap"}
DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
PERIOD_PART = re.compile(r"\d{4}(-(0[1-9]|1[0-2])|-H[12]|-Q[1-4])?", re.ASCII)

FACT_KINDS = ("actual", "target", "estimate")
QUALIFIERS = ("exact", "about", "over", "nearly", "at-least", "under")
PRECISIONS = ("exact", "park", "district", "city")
DATUMS = ("wgs84", "gcj02")
CLUSTER_KINDS = ("cluster", "programme", "chain", "industry")
COMPANY_ROLES = ("vehicle-maker", "tier1-supplier", "tier2-supplier", "supplier", "manufacturer",
                 "research-institute", "university", "bank", "investor", "platform", "hospital",
                 "government", "association", "other")
PARK_KINDS = ("industrial-park", "science-park", "development-zone", "new-town", "bonded-zone",
              "business-district", "port", "base")
CIRCLE_KINDS = ("supply", "industry", "commute", "transport")
DISTRICT_LEVELS = ("district", "county", "city", "new-area")
RADIUS_UNITS = ("km", "m")


_WHITESPACE = re.compile(r"\s+")


def normalise_quote(text: str) -> str:
    """Whitespace carries no meaning in the printed pages' line breaks; drop it all."""
    return _WHITESPACE.sub("", text)


_ABSENT = object()


class Reader:
    """Reads the fields of one YAML mapping, reporting each problem at its line."""

    def __init__(self, data: Mapping, rel: str, problems: Problems, allowed: Iterable[str],
                 what: str = "record"):
        self.data, self.rel, self.problems, self.what = data, rel, problems, what
        self.allowed = tuple(allowed)
        for key in data:
            if key not in self.allowed:
                self.problems.add(rel, data.line_of(key), f"unknown field `{key}` in {what}",
                                  did_you_mean(key, self.allowed))

    @property
    def line(self) -> int:
        return self.data.line

    def line_of(self, key: str) -> int:
        return self.data.line_of(key)

    def where(self) -> Where:
        return Where(self.rel, self.data.line)

    def has(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.problems.add(self.rel, self.line_of(key), message, hint)

    def _get(self, key: str, required: bool, allow_empty_list: bool = False) -> Any:
        if key not in self.data:
            if required:
                self.problems.add(self.rel, self.line, f"missing field `{key}` in {self.what}",
                                  f"add `{key}:`; see content/README.md")
            return None
        value = self.data[key]
        if allow_empty_list and value == []:
            return value
        if value is None or value == [] or value == {} or (type(value) is str and not value.strip()):
            self.error(key, f"field `{key}` is empty", "give it a value, or remove the line")
            return None
        return value

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self.data.get(key, _ABSENT)
        if type(value) is str and (stripped := value.strip()):  # the usual case, checked first
            return stripped
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(key, f"`{key}` must be text, not {_type_name(value)}")
            return default
        return str(value).strip()

    def number(self, key: str, required: bool = True) -> float | None:
        value = self.data.get(key, _ABSENT)
        if type(value) is int or (type(value) is float and math.isfinite(value)):
            return value
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(key, f"`{key}` must be a finite number, not {value}")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            has_unit = "unit" in self.allowed
            hint = ("write the number alone and put the unit in `unit:`" if has_unit
                    else "write the number alone")
            if isinstance(value, str):
                number = _leading_number(value)
                if number:
                    hint = f"write `{key}: {number}`" + \
                        (" and the unit in `unit:`" if has_unit else "")
                self.error(key, f"`{key}` must be a number, got text {value!r}", hint)
            else:
                self.error(key, f"`{key}` must be a number, not {_type_name(value)}", hint)
            return None
        return value

    def boolean(self, key: str, required: bool = False, default: bool = False) -> bool:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"`{key}` must be true or false, got {value!r}")
            return default
        return value

    def choice(self, key: str, choices: Iterable[str], required: bool = True,
               default: str = "") -> str:
        value = self.text(key, required, default)
        choices = tuple(choices)
        if value and value != default and value not in choices:
            self.error(key, f"`{key}: {value}` is not a known value", did_you_mean(value, choices))
            return default
        return value

    def date(self, key: str, required: bool = True) -> str:
        value = self.text(key, required)
        if value and not valid_date(value):
            self.error(key, f"`{key}: {value}` is not a date",
                       "write YYYY, YYYY-MM or YYYY-MM-DD, in quotes")
            return ""
        return value

    def texts(self, key: str, required: bool = False) -> list[str]:
        value = self._get(key, required, allow_empty_list=not required)
        if value is None:
            return []
        if isinstance(value, str):
            self.error(key, f"`{key}` must be a list", f"write `{key}: [{value}]`")
            return []
        if not isinstance(value, list):
            self.error(key, f"`{key}` must be a list, not {_type_name(value)}")
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.problems.add(self.rel, self.item_line(key, index),
                                  f"each item of `{key}` must be text, not {_type_name(item)}")
            elif not str(item).strip():   # `' '` once became an id "" no check knew
                self.problems.add(self.rel, self.item_line(key, index),
                                  f"an item of `{key}` is empty", "give it a value, or remove it")
            else:
                out.append(str(item).strip())
        return out

    def item_line(self, key: str, index: int) -> int:
        """The line of item `index` of a list field (the key's line for a flow list)."""
        value = self.data.get(key)
        return value.line_of(index) if isinstance(value, Sequence) else self.line_of(key)

    def mapping(self, key: str, allowed: Iterable[str], required: bool = False) -> "Reader | None":
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.error(key, f"`{key}` must be a mapping (key: value lines), not {_type_name(value)}")
            return None
        return Reader(value, self.rel, self.problems, allowed, f"`{key}`")

    def mappings(self, key: str, allowed: Iterable[str], required: bool = False) -> list["Reader"]:
        value = self._get(key, required, allow_empty_list=not required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, f"`{key}` must be a list (lines starting with `- `), "
                            f"not {_type_name(value)}")
            return []
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.problems.add(self.rel, self.item_line(key, index),
                                  f"each item of `{key}` must be a mapping, not {_type_name(item)}")
            else:
                out.append(Reader(item, self.rel, self.problems, allowed, f"an item of `{key}`"))
        return out


_LEADING_NUMBER = re.compile(r"\s*(-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def _leading_number(text: str) -> str:
    """The number a text starts with, written as YAML reads a number (`1,200家` -> 1200;
    `010` -> 10 and `1e3` -> 1000, which YAML reads as text); "" when there is none, or
    it goes on as a time (`1:30`) or is too large or small to be a figure (`1e400`)."""
    match = _LEADING_NUMBER.match(text)
    if not match or text.startswith(":", match.end()):
        return ""
    number = decimal.Decimal(match.group(1).replace(",", ""))
    return format(number, "f") if -8 < number.adjusted() < 16 else ""


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "an empty value" if value is None else type(value).__name__


@functools.lru_cache(maxsize=4096)  # the same dates and periods recur in every file
def valid_date(value: str) -> bool:
    match = DATE.fullmatch(value)
    if not match:
        return False
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return 1900 <= int(year) <= 2100


@functools.lru_cache(maxsize=4096)
def valid_period(value: str) -> bool:
    parts = value.split("/")
    return 1 <= len(parts) <= 2 and all(PERIOD_PART.fullmatch(p) for p in parts)


class _Refs:
    """References waiting to be checked once every record is known."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str, str, int, str]] = []

    def want(self, kind: str, ident: str, rel: str, line: int, field: str) -> None:
        if ident:
            self.pending.append((kind, ident, rel, line, field))

    def check(self, known: dict[str, Iterable[str]], problems: Problems) -> None:
        for kind, ident, rel, line, field in self.pending:
            if ident not in known[kind]:
                problems.add(rel, line, f"`{field}` names unknown {kind} `{ident}`",
                             did_you_mean(ident, known[kind]))


class ReadFiles(KeptPickles):
    """What reading each company and supply-link file gave the last build: its records
    and everything reading it noted (references, quotes, points, ids), by the digest of
    the file's bytes and path, so a rebuild reads only the files that changed. Kept only
    for files read without a problem, pickled when read (before the model's stage adds
    back-links); the stamp is the reading context: the reading code and the metrics and
    industries a file is checked against (Validator.reading_context)."""

    @staticmethod
    def key(rel: str, data: bytes, salt: str = "") -> bytes:
        digest = hashlib.blake2b(f"{rel}\0{salt}\0".encode("utf-8", "surrogatepass"),
                                 digest_size=20)
        digest.update(data)
        return digest.digest()


_read_files: ReadFiles | None = None


def _newest(items: dict, count: int) -> dict:
    """The last `count` entries of `items`, in order (walked from the end: reading one
    file adds one id to a table of thousands)."""
    return dict(reversed(list(itertools.islice(reversed(items.items()), count))))


@contextlib.contextmanager
def read_files(kept: ReadFiles | None):
    """Read company and link files through `kept` inside (see ReadFiles); with None,
    read every file."""
    global _read_files
    saved, _read_files = _read_files, kept
    try:
        yield kept
    finally:
        _read_files = saved


@functools.lru_cache(maxsize=1)
def _reader_code() -> str:
    """What reading a file depends on in code: this module, the loader's, the model's
    and geo's (read when first needed: a no-op build reads no content)."""
    return hashlib.blake2b(b"".join(
        (Path(__file__).parent / name).read_bytes()
        for name in ("validate.py", "load.py", "model.py", "geo.py", "problems.py")),
        digest_size=16).hexdigest()


class Validator:
    """Reads the whole content tree into an Atlas, or raises ContentError with every problem."""

    def __init__(self, content: Path, boundaries: dict[str, dict] | None = None):
        self.content = content
        self.boundaries = boundaries or {}
        self.own_locations: list[tuple[str, str, int, Location]] = []  # (district, rel, line, loc)
        self.problems = Problems()
        self.refs = _Refs()
        self.quotes: list[tuple[str, str, str, int]] = []  # (source, quote, rel, line)
        self._source_texts: dict[str, str] | None = None    # normalised, by source id
        self.metrics: dict[str, Label] = {}
        self.industries: dict[str, Label] = {}
        self.districts: dict[str, District] = {}
        self.ids: dict[str, dict[str, str]] = {}  # kind -> id -> rel
        self._company_keys: dict[Path, bytes | None] = {}   # made ahead (see ReadFiles)

    # What reading notes beyond the records (handed back by the helper process).

    def notes(self) -> tuple:
        return (self.problems.items, self.refs.pending, self.quotes, self.own_locations, self.ids)

    def clear_notes(self) -> None:
        self.problems, self.refs, self.quotes, self.own_locations, self.ids = \
            Problems(), _Refs(), [], [], {}

    def take_notes(self, notes: tuple) -> None:
        problems, pending, quotes, own_locations, ids = notes
        self.problems.items += problems
        self.refs.pending += pending
        self.quotes += quotes
        self.own_locations += own_locations
        for kind, seen in ids.items():
            self.ids.setdefault(kind, {}).update(seen)

    def _mark(self) -> tuple:
        return (len(self.problems.items), len(self.refs.pending), len(self.quotes),
                len(self.own_locations), {kind: len(seen) for kind, seen in self.ids.items()})

    def _notes_since(self, mark: tuple) -> tuple:
        problems, pending, quotes, locations, ids = mark
        return (self.problems.items[problems:], self.refs.pending[pending:],
                self.quotes[quotes:], self.own_locations[locations:],
                {kind: _newest(seen, len(seen) - ids.get(kind, 0))
                 for kind, seen in self.ids.items() if len(seen) > ids.get(kind, 0)})

    def reading_context(self) -> str:
        """What a file's reading depends on besides its bytes (see ReadFiles)."""
        return hashlib.blake2b(f"{_reader_code()}\0{sorted(self.metrics.items())!r}\0"
                               f"{sorted(self.industries.items())!r}".encode(),
                               digest_size=16).hexdigest()

    def _file_key(self, path: Path, salt: str = "") -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None   # read as usual, which reports it
        rel = os.path.relpath(path, self.content.parent).replace(os.sep, "/")
        return ReadFiles.key(rel, data, salt)

    def _remembered(self, path: Path, read: Callable[[], Any], salt: str = "") -> Any:
        """read(), or what it gave the last build for the same file (see ReadFiles),
        with the notes it made then taken again."""
        kept = _read_files
        if kept is None:
            return read()
        key = self._company_keys.get(path) or self._file_key(path, salt)
        if key is None:
            return read()
        known = kept.get(key)
        if known is not None:
            value, notes = known
            self.take_notes(notes)
            return value
        mark = self._mark()
        with parsed_files(None):   # its reading is kept instead of its parse tree
            value = read()
        if len(self.problems.items) == mark[0]:
            kept.put(key, (value, self._notes_since(mark)))
        return value

    # --- helpers -----------------------------------------------------------

    def _files(self, folder: str, pattern: str = "*.yaml") -> list[Path]:
        path = self.content / folder
        if not path.is_dir():
            return []
        if pattern == "*.yaml":
            for stray in sorted(path.glob("*.yml")):
                self.problems.add(stray.relative_to(self.content.parent).as_posix(), 1,
                                  "file ends in .yml and is not read",
                                  f"rename it to {stray.stem}.yaml")
        return sorted(path.glob(pattern), key=_name)  # one folder: the same order as by path

    def _record_id(self, kind: str, doc_path: Path, rel: str, reader: Reader) -> str:
        ident = doc_path.stem
        if not SLUG.fullmatch(ident) or len(ident) > 64:
            self.problems.add(rel, 1, f"file name `{doc_path.name}` is not a safe id",
                              "use lowercase ASCII letters, digits and hyphens, "
                              f"e.g. `{_suggest_slug(ident)}.yaml`")
        elif ident in RESERVED_IDS:
            self.problems.add(rel, 1, f"`{ident}` is a reserved name and cannot be an id",
                              "choose a more specific name")
        written = reader.text("id", required=False)
        if written and written != ident:
            hint = (f"rename the file to `{written}.yaml` or remove the `id:` line"
                    if SLUG.match(written) and written not in RESERVED_IDS
                    else "remove the `id:` line: the file name is the id")
            reader.error("id", f"`id: {written}` does not match the file name `{doc_path.name}`", hint)
        seen = self.ids.setdefault(kind, {})
        if ident in seen:
            self.problems.add(rel, 1, f"duplicate {kind} id `{ident}`", f"also in {seen[ident]}")
        seen[ident] = rel
        return ident

    def _load_mapping(self, path: Path, what: str) -> tuple[Mapping, str] | None:
        doc = load_yaml(path, self.content, self.problems)
        if doc is None:
            return None
        if not isinstance(doc.data, Mapping):
            self.problems.add(doc.rel, getattr(doc.data, "line", 1),
                              f"a {what} file must be a mapping (key: value lines), "
                              f"not {_type_name(doc.data)}",
                              "see content/README.md for the shape")
            return None
        return doc.data, doc.rel

    def _load_list(self, path: Path, what: str) -> tuple[Sequence, str] | None:
        if not path.exists():
            return None
        doc = load_yaml(path, self.content, self.problems)
        if doc is None:
            return None
        if not isinstance(doc.data, Sequence):
            self.problems.add(doc.rel, getattr(doc.data, "line", 1),
                              f"{path.name} must be a list of {what} (lines starting with `- `)")
            return None
        return doc.data, doc.rel

    def _list_items(self, data: Sequence, rel: str, allowed, what: str) -> list[Reader]:
        out = []
        for index, item in enumerate(data):
            if not isinstance(item, Mapping):
                self.problems.add(rel, data.line_of(index), f"each {what} must be a mapping")
            else:
                out.append(Reader(item, rel, self.problems, allowed, what))
        return out

    def _quote(self, reader: Reader, source_key: str = "source", quote_key: str = "quote",
               required: bool = True) -> tuple[str, str]:
        source = reader.text(source_key, required)
        quote = reader.text(quote_key, required)
        if source:
            self.refs.want("source", source, reader.rel, reader.line_of(source_key), source_key)
        if source and quote:
            self.quotes.append((source, quote, reader.rel, reader.line_of(quote_key)))
        return source, quote

    def _fact(self, reader: Reader) -> Fact | None:
        metric = reader.text("metric")
        if metric and metric not in self.metrics:
            reader.error("metric", f"unknown metric `{metric}`",
                         did_you_mean(metric, self.metrics) + "; or add it to metrics.yaml")
        value = reader.number("value")
        value_max = reader.number("value_max", required=False)
        unit = reader.text("unit")
        kind = reader.choice("kind", FACT_KINDS)
        qualifier = reader.choice("qualifier", QUALIFIERS, required=False, default="exact")
        period = reader.text("period", required=False)
        as_of = reader.text("as_of", required=False)
        if period and not valid_period(period):
            reader.error("period", f"`period: {period}` is not a period",
                         "write YYYY, YYYY-MM, YYYY-H1, YYYY-Q3 or a range like 2025-01/2025-08")
        if as_of and not valid_date(as_of):
            reader.error("as_of", f"`as_of: {as_of}` is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD")
        if not period and not as_of and not reader.has("period") and not reader.has("as_of"):
            self.problems.add(reader.rel, reader.line, "fact has neither `period` nor `as_of`",
                              "say when the figure holds; add `time_inferred: true` if the text only implies it")
        if period and valid_period(period) and "/" in period:
            start, end = period.split("/")
            if start[:4] > end[:4] or (start[:4] == end[:4] and start > end):
                reader.error("period", f"`period: {period}` ends before it starts",
                             "write the earlier end first")
        time_inferred = reader.boolean("time_inferred")
        subject = reader.text("subject", required=False)
        subject_en = reader.text("subject_en", required=False)
        note = reader.text("note", required=False)
        if not reader.has("source"):
            self.problems.add(reader.rel, reader.line, "fact has no `source`",
                              "every figure needs the source it came from and a verbatim `quote`")
            source, quote = "", reader.text("quote", required=False)
        else:
            source, quote = self._quote(reader)
        if metric == "share" and unit == "%":
            for key, number in (("value", value), ("value_max", value_max)):
                if number is not None and not 0 <= number <= 100:
                    reader.error(key, f"a share of {number:g}% is impossible",
                                 "a share lies between 0 and 100")
        if value is not None and value_max is not None and value_max < value:
            reader.error("value_max", "`value_max` is below `value`", "a range goes from value up to value_max")
        if value is None or not (metric and unit and kind and source and quote):
            return None
        return Fact(metric=metric, value=value, value_max=value_max, unit=unit, kind=kind,
                    qualifier=qualifier, period=period, as_of=as_of, time_inferred=time_inferred,
                    subject=subject, subject_en=subject_en, note=note,
                    source_id=source, quote=quote, where=reader.where())

    FACT_FIELDS = ("metric", "value", "value_max", "qualifier", "unit", "period", "as_of",
                   "time_inferred", "kind", "subject", "subject_en", "source", "quote", "note")

    def _facts(self, reader: Reader) -> list[Fact]:
        return [f for f in (self._fact(r) for r in reader.mappings("facts", self.FACT_FIELDS)) if f]

    def _location(self, reader: Reader) -> Location | None:
        loc = reader.mapping("location", ("lat", "lon", "datum", "precision", "note"))
        if loc is None:
            return None
        lat, lon = loc.number("lat"), loc.number("lon")
        datum = loc.choice("datum", DATUMS)
        precision = loc.choice("precision", PRECISIONS)
        note = loc.text("note")
        if lat is None or lon is None:
            return None
        if geo.looks_swapped(lat, lon):
            loc.error("lat", f"latitude and longitude look swapped ({lat}, {lon})",
                      f"write `lat: {lon}` and `lon: {lat}`")
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            loc.error("lat", f"coordinates ({lat}, {lon}) are out of range",
                      "latitude lies within ±90 and longitude within ±180")
            return None
        if not geo.in_region(lat, lon):
            loc.error("lat", f"({lat}, {lon}) lies outside the Beijing-Tianjin-Hebei region",
                      f"the region spans latitude {geo.REGION_LAT[0]}–{geo.REGION_LAT[1]} and "
                      f"longitude {geo.REGION_LON[0]}–{geo.REGION_LON[1]}")
            return None
        if not (datum and precision and note):
            return None
        wlat, wlon = geo.to_wgs84(lat, lon, datum)
        location = Location(round(wlat, 6), round(wlon, 6), precision, datum, note)
        district = reader.data.get("district")
        if isinstance(district, str) and district:
            self.own_locations.append((district, loc.rel, loc.line_of("lat"), location))
        return location

    def _common(self, reader: Reader, kind: str, path: Path) -> dict:
        ident = self._record_id(kind, path, reader.rel, reader)
        sources = reader.texts("sources", required=True)
        for index, source in enumerate(sources):
            self.refs.want("source", source, reader.rel, reader.item_line("sources", index), "sources")
        district = reader.text("district", required=False)
        if district:
            self.refs.want("district", district, reader.rel, reader.line_of("district"), "district")
        return dict(id=ident, name=reader.text("name"), name_en=reader.text("name_en"),
                    aliases=reader.texts("aliases"),
                    summary=reader.text("summary", required=False),
                    summary_en=reader.text("summary_en", required=False),
                    facts=self._facts(reader), source_ids=sources, where=reader.where(),
                    district=district, location=self._location(reader))

    COMMON = ("id", "name", "name_en", "aliases", "summary", "summary_en", "facts", "sources",
              "district", "location")

    def _industry(self, reader: Reader) -> str:
        industry = reader.text("industry")
        if industry and industry not in self.industries:
            reader.error("industry", f"unknown industry `{industry}`",
                         did_you_mean(industry, self.industries) + "; or add it to industries.yaml")
        return industry

    # --- shared tables -----------------------------------------------------

    def read_labels(self, name: str) -> dict[str, Label]:
        out: dict[str, Label] = {}
        if not (self.content / name).exists():
            self.problems.add(f"content/{name}", 0, f"missing {name}", "restore it from git")
            return out
        loaded = self._load_list(self.content / name, "entries")
        if loaded is None:
            return out
        data, rel = loaded
        for r in self._list_items(data, rel, ("id", "name", "name_en"), "entry"):
            ident = r.text("id")
            if ident in out:
                r.error("id", f"duplicate id `{ident}` in {name}")
            if ident:
                out[ident] = Label(ident, r.text("name"), r.text("name_en"))
        return out

    def read_districts(self) -> dict[str, District]:
        out: dict[str, District] = {}
        if not (self.content / "districts.yaml").exists():
            self.problems.add("content/districts.yaml", 0, "missing districts.yaml",
                              "restore it from git")
            return out
        loaded = self._load_list(self.content / "districts.yaml", "districts")
        if loaded is None:
            return out
        data, rel = loaded
        for r in self._list_items(data, rel, ("id", "name", "name_en", "province", "level", "centre",
                                              "boundary"), "district"):
            ident = r.text("id")
            centre = r.mapping("centre", ("lat", "lon"), required=True)
            lat = centre.number("lat") if centre else None
            lon = centre.number("lon") if centre else None
            if lat is not None and lon is not None and not geo.in_region(lat, lon):
                centre.error("lat", f"centre ({lat}, {lon}) lies outside the region",
                             "check the coordinates; lat and lon may be swapped")
            if ident in out:
                r.error("id", f"duplicate district id `{ident}`")
            district = District(ident, r.text("name"), r.text("name_en"),
                                r.choice("province", ("beijing", "tianjin", "hebei")),
                                r.choice("level", DISTRICT_LEVELS), lat or 0.0, lon or 0.0,
                                r.text("boundary", required=False) or r.text("name"))
            if self.boundaries and district.boundary not in self.boundaries:
                r.error("boundary" if r.has("boundary") else "name",
                        f"no boundary named `{district.boundary}` in static/geo",
                        "set `boundary:` to the name of the city or province that contains it")
            if ident:
                out[ident] = district
        return out

    # --- record kinds ------------------------------------------------------

    def read_sources(self) -> dict[str, Source]:
        out = {}
        for path in self._files("sources"):
            loaded = self._load_mapping(path, "source")
            if not loaded:
                continue
            data, rel = loaded
            r = Reader(data, rel, self.problems,
                       ("id", "outlet", "outlet_en", "date", "date_inferred", "date_clue",
                        "sections", "headlines", "text"), "source")
            ident = self._record_id("source", path, rel, r)
            inferred = r.boolean("date_inferred", required=True)
            clue = r.text("date_clue", required=inferred)
            headlines = [Headline(h.text("title"), h.text("title_en"), h.texts("reporters"))
                         for h in r.mappings("headlines", ("title", "title_en", "reporters"),
                                             required=True)]
            text_file = r.text("text")
            text = ""
            if text_file and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,80}\.txt", text_file):
                r.error("text", f"`text: {text_file[:60]}` is not a plain .txt file name",
                        f"name the article text `{ident}.txt` and put it next to this file")
            elif text_file:
                text_path = path.parent / text_file
                if "/" in text_file or not text_path.is_file():
                    r.error("text", f"article text `{text_file}` not found next to this file",
                            f"put the article text at content/sources/{ident}.txt")
                else:
                    text_rel = f"{rel.rsplit('/', 1)[0]}/{text_file}"
                    raw = read_text(text_path, text_rel, self.problems)
                    text = raw or ""
                    if raw is not None and not raw.strip():
                        self.problems.add(text_rel, 1, "the article text is empty",
                                          "paste the article's full text; quotes are checked against it")
            out[ident] = Source(ident, r.text("outlet"), r.text("outlet_en"), r.date("date"),
                                inferred, clue, r.texts("sections"), headlines, text_file, text,
                                r.where())
        return out

    def read_clusters(self) -> dict[str, Cluster]:
        out = {}
        allowed = self.COMMON + ("kind", "industry", "region", "designations", "parent", "parks")
        for path in self._files("clusters"):
            loaded = self._load_mapping(path, "cluster")
            if not loaded:
                continue
            data, rel = loaded
            r = Reader(data, rel, self.problems, allowed, "cluster")
            common = self._common(r, "cluster", path)
            designations = []
            for d in r.mappings("designations", ("list", "list_en", "year", "source", "quote")):
                year = d.number("year")
                if year is not None and (int(year) != year or not 1990 <= year <= 2100):
                    d.error("year", f"`year: {year}` is not a year")
                source, quote = self._quote(d)
                designations.append(Designation(d.text("list"), d.text("list_en"), int(year or 0),
                                                source, quote))
            parent = r.text("parent", required=False)
            self.refs.want("cluster", parent, rel, r.line_of("parent"), "parent")
            parks = r.texts("parks")
            for index, park in enumerate(parks):
                self.refs.want("park", park, rel, r.item_line("parks", index), "parks")
            cluster = Cluster(**common, parent_line=r.line_of("parent"), kind=r.choice("kind", CLUSTER_KINDS),
                              industry=self._industry(r),
                              region=r.choice("region", PROVINCES), designations=designations,
                              parent=parent, parks=parks)
            out[cluster.id] = cluster
        return out

    COMPANY_FIELDS = COMMON + ("role", "industry", "parent", "park", "clusters", "products", "people")

    def read_companies(self, files: list[Path], batches: Callable[[], range]) -> dict[str, Company]:
        """The companies of files[i] for each i of each batch taken, until one is empty."""
        out = {}
        for batch in iter(batches, _NONE_LEFT):
            for index in batch:
                company = self.read_company(files[index])
                if company is not None:
                    out[company.id] = company
        return out

    def read_company(self, path: Path) -> Company | None:
        return self._remembered(path, lambda: self._read_company(path))

    def _read_company(self, path: Path) -> Company | None:
        loaded = self._load_mapping(path, "company")
        if not loaded:
            return None
        data, rel = loaded
        r = Reader(data, rel, self.problems, self.COMPANY_FIELDS, "company")
        common = self._common(r, "company", path)
        parent = r.text("parent", required=False)
        self.refs.want("company", parent, rel, r.line_of("parent"), "parent")
        park = r.text("park", required=False)
        self.refs.want("park", park, rel, r.line_of("park"), "park")
        clusters = r.texts("clusters")
        for index, c in enumerate(clusters):
            self.refs.want("cluster", c, rel, r.item_line("clusters", index), "clusters")
        products = [Product(p.text("name"), p.text("name_en"))
                    for p in r.mappings("products", ("name", "name_en"))]
        people = []
        for p in r.mappings("people", ("name", "title", "title_en", "source")):
            source = p.text("source")
            self.refs.want("source", source, rel, p.line_of("source"), "source")
            people.append(Person(p.text("name"), p.text("title"), p.text("title_en"), source))
        return Company(**common, parent_line=r.line_of("parent"), role=r.choice("role", COMPANY_ROLES),
                       industry=self._industry(r), parent=parent, park=park,
                       clusters=clusters, products=products, people=people)

    def read_parks(self) -> dict[str, Park]:
        out = {}
        for path in self._files("parks"):
            loaded = self._load_mapping(path, "park")
            if not loaded:
                continue
            data, rel = loaded
            r = Reader(data, rel, self.problems, self.COMMON + ("kind", "parent"), "park")
            common = self._common(r, "park", path)
            parent = r.text("parent", required=False)
            self.refs.want("park", parent, rel, r.line_of("parent"), "parent")
            park = Park(**common, parent_line=r.line_of("parent"), kind=r.choice("kind", PARK_KINDS), parent=parent)
            out[park.id] = park
        return out

    def link_files(self) -> list[Path]:
        """links.yaml, then every links/*.yaml in name order (a large atlas splits its
        links over several files, each within the loader's size limits)."""
        return [self.content / "links.yaml", *sorted((self.content / "links").glob("*.yaml"))]

    def read_links(self, files: list[Path]) -> list[Link]:
        out: list[Link] = []
        for path in files:
            first = len(out)
            out += self._remembered(path, lambda: self._read_link_file(path, first), str(first))
        return out

    def _read_link_file(self, path: Path, first: int) -> list[Link]:
        loaded = self._load_list(path, "supply links")
        if loaded is None:
            return []
        data, rel = loaded
        out = []
        allowed = ("supplier", "customer", "product", "product_en", "source", "quote", "facts")
        for index, r in enumerate(self._list_items(data, rel, allowed, "supply link"), first):
            supplier, customer = r.text("supplier"), r.text("customer")
            self.refs.want("company", supplier, rel, r.line_of("supplier"), "supplier")
            self.refs.want("company", customer, rel, r.line_of("customer"), "customer")
            if supplier and supplier == customer:
                r.error("customer", f"`{supplier}` cannot supply itself",
                        "a link needs two different companies")
            source, quote = self._quote(r)
            out.append(Link(index, supplier, customer, r.text("product", required=False),
                            r.text("product_en", required=False), source, quote,
                            self._facts(r), r.where()))
        return out

    def read_circles(self) -> dict[str, Circle]:
        loaded = self._load_list(self.content / "circles.yaml", "circles")
        if loaded is None:
            return {}
        data, rel = loaded
        out = {}
        allowed = ("id", "name", "name_en", "kind", "centre", "partners", "radii",
                   "assumed_radius_km", "assumed_basis", "summary", "summary_en", "facts", "sources")
        for r in self._list_items(data, rel, allowed, "circle"):
            ident = r.text("id")
            if ident and not SLUG.match(ident):
                r.error("id", f"`{ident}` is not a safe id", "use lowercase ASCII letters, digits and hyphens")
            if ident in out:
                r.error("id", f"duplicate circle id `{ident}`")
            centre = r.text("centre", required=False)
            self.refs.want("park", centre, rel, r.line_of("centre"), "centre")
            partners = r.texts("partners")
            for index, p in enumerate(partners):
                self.refs.want("district", p, rel, r.item_line("partners", index), "partners")
            radii = []
            for rr in r.mappings("radii", ("value", "unit", "source", "quote", "note")):
                value = rr.number("value")
                unit = rr.choice("unit", RADIUS_UNITS)
                if value is not None and value <= 0:
                    rr.error("value", "a radius must be above zero")
                source, quote = self._quote(rr)
                if value and unit:
                    radii.append(Radius(value, unit, source, quote, rr.text("note", required=False)))
            assumed = r.number("assumed_radius_km", required=False)
            if assumed is not None and assumed <= 0:
                r.error("assumed_radius_km", "`assumed_radius_km` must be above zero")
                assumed = None
            basis = r.text("assumed_basis", required=assumed is not None)
            sources = r.texts("sources", required=True)
            for index, s in enumerate(sources):
                self.refs.want("source", s, rel, r.item_line("sources", index), "sources")
            if (radii or assumed) and not centre:
                r.error("radii", "a circle with a radius needs a `centre`", "name the park at its centre")
            out[ident] = Circle(ident, r.text("name"), r.text("name_en"),
                                r.choice("kind", CIRCLE_KINDS), centre, partners, radii, assumed,
                                basis, r.text("summary", required=False),
                                r.text("summary_en", required=False), self._facts(r), sources,
                                r.where())
        return out

    def read_pages(self) -> dict[str, Page]:
        out = {}
        files = self._files("pages", "*.md")
        english = {p.name[: -len(".en.md")]: p for p in files if p.name.endswith(".en.md")}
        for path in files:
            if path.name.endswith(".en.md"):
                continue
            rel = path.relative_to(self.content.parent).as_posix()
            text = read_text(path, rel, self.problems)
            if text is None:
                continue
            front, body, _ = split_front_matter(text)
            meta = parse_yaml(front, rel, self.problems, first_line=2) if front.strip() else None
            if not isinstance(meta, Mapping):
                self.problems.add(rel, 1, "page has no front matter",
                                  "start it with ---, a `title:` line, a `title_en:` line, and ---")
                continue
            r = Reader(meta, rel, self.problems, ("title", "title_en"), "page front matter")
            ident = path.stem
            if not SLUG.match(ident) or ident in TOP_LEVEL_PAGES:
                self.problems.add(rel, 1, f"`{path.name}` cannot be a page name",
                                  "use lowercase ASCII letters, digits and hyphens, e.g. about.md")
            out[ident] = Page(ident, r.text("title"), r.text("title_en"), body, Where(rel, 1),
                              self._english_body(english.pop(ident, None)))
        for ident, path in sorted(english.items()):
            self.problems.add(path.relative_to(self.content.parent).as_posix(), 1,
                              f"English page without a Chinese one: there is no {ident}.md",
                              f"write content/pages/{ident}.md, or rename this file")
        return out

    def _english_body(self, path: Path | None) -> str:
        """The English text of a page (<id>.en.md: Markdown only, the titles live in
        the Chinese file's front matter)."""
        if path is None:
            return ""
        rel = path.relative_to(self.content.parent).as_posix()
        text = read_text(path, rel, self.problems)
        if text is None:
            return ""
        if text.startswith("---"):
            self.problems.add(rel, 1, "an English page has no front matter",
                              f"put `title_en` in the front matter of {path.name[:-6]}.md and "
                              "keep only the Markdown text here")
            return ""
        if not text.strip():
            self.problems.add(rel, 1, "English page is empty", "write the text, or delete the file")
        return text

    # --- the whole tree ----------------------------------------------------

    def run(self) -> Atlas:
        if not self.content.is_dir():
            self.problems.add(str(self.content), 0, "content folder not found",
                              "run from the project folder or pass --content")
            raise ContentError(self.problems)
        for stray in sorted(self.content.glob("*.yml")):
            self.problems.add(stray.relative_to(self.content.parent).as_posix(), 1,
                              "file ends in .yml and is not read", f"rename it to {stray.stem}.yaml")
        self.metrics = self.read_labels("metrics.yaml")
        self.industries = self.read_labels("industries.yaml")
        self.districts = self.read_districts()
        sources = self.read_sources()
        company_files = self._files("companies")
        unread = len(company_files)
        if _read_files is not None:
            _read_files.checked_against(self.reading_context())
            if _read_files.known:   # else every file is read (and its key made then)
                self._company_keys = {path: self._file_key(path) for path in company_files}
                unread = sum(key not in _read_files.known for key in self._company_keys.values())
        helper = _Helper(self, sources, company_files, self.link_files(), unread)
        try:
            clusters = self.read_clusters()
            companies = self.read_companies(helper.company_files, helper.claims.front)
            parks = self.read_parks()
            self._check_quotes(sources)  # while the helper may still be reading
            links, their_companies = helper.finish()
        finally:
            helper.stop()
        companies.update(their_companies)  # the files after this process's: their order is kept
        atlas = Atlas(sources=sources, clusters=clusters, companies=companies, parks=parks,
                      links=links, circles=self.read_circles(),
                      districts=self.districts, metrics=self.metrics,
                      industries=self.industries, pages=self.read_pages())
        self.refs.check({"source": atlas.sources, "cluster": atlas.clusters,
                         "company": atlas.companies, "park": atlas.parks,
                         "district": atlas.districts}, self.problems)
        self._check_quotes(atlas.sources)
        self._check_cycles(atlas)
        self._check_districts(atlas)
        if self.problems:
            raise ContentError(self.problems)
        return atlas

    def _check_quotes(self, sources: dict[str, Source]) -> None:
        """Check the quotes noted since the last call, and forget them."""
        if self._source_texts is None:
            self._source_texts = {ident: normalise_quote(s.text) for ident, s in sources.items()}
        texts = self._source_texts
        for source, quote, rel, line in self.quotes:
            if source in texts and texts[source] and normalise_quote(quote) not in texts[source]:
                self.problems.add(rel, line, f"quote not found in source `{source}`: {quote!r}",
                                  f"copy it verbatim from content/sources/{sources[source].text_file}")
        self.quotes = []

    # Simplified boundaries move edges by up to a few hundred metres (1-3 km for
    # Hebei's cities); a point this close to its district's edge is not flagged.
    DISTRICT_TOLERANCE_KM = 1.5

    def _check_districts(self, atlas: Atlas) -> None:
        """A point must lie in the district its record names."""
        for ident, rel, line, loc in self.own_locations:
            district = atlas.districts.get(ident)
            feature = self.boundaries.get(district.boundary) if district else None
            if feature is None:
                continue
            geometry = feature["geometry"]
            if geo.contains(geometry, loc.lat, loc.lon):
                continue
            off = geo.distance_to_edge_km(geometry, loc.lat, loc.lon)
            if off <= self.DISTRICT_TOLERANCE_KM:
                continue
            hint = "check the coordinates and the `district`"
            if loc.datum_given == "wgs84":
                hint += "; if they were copied from a Chinese map service, set `datum: gcj02`"
            self.problems.add(rel, line, f"({loc.lat}, {loc.lon}) lies {off:.1f} km outside "
                                         f"{district.name}, the record's district", hint)

    def _check_cycles(self, atlas: Atlas) -> None:
        """Each record on a cycle of `parent`s is reported once. A record whose chain
        only runs into a cycle is not: it is not its own ancestor, and mending the cycle
        mends its chain."""
        for kind, records in (("company", atlas.companies), ("park", atlas.parks),
                              ("cluster", atlas.clusters)):
            walked: set[str] = set()
            for start in records:
                chain: dict[str, int] = {}   # this walk's records, by position
                current = start
                while current in records and current not in walked and current not in chain:
                    chain[current] = len(chain)
                    current = records[current].parent
                if current in chain:
                    cycle = list(chain)[chain[current]:]
                    for at, ident in enumerate(cycle):
                        around = cycle[at:] + cycle[:at + 1]
                        self.problems.add(records[ident].where.path, records[ident].parent_line,
                                          f"{kind} `{ident}` is its own ancestor through "
                                          f"`parent`: {' -> '.join(around)}",
                                          "a parent chain must end")
                walked.update(chain)


# --- reading on two cores ------------------------------------------------------

PARALLEL_MIN_COMPANIES = 500   # fewer are read here sooner than a process starts and answers
_BATCH = 16                    # company files taken at a time
_NONE_LEFT = range(0)


class _Claims:
    """Which company files are taken: this process takes batches from the front, the
    helper from the back, until they meet, so each reads as many as its speed allows."""

    def __init__(self, count: int, context=None):
        self.count = count
        self.bounds = [0, count] if context is None else context.RawArray("q", [0, count])
        self.lock = contextlib.nullcontext() if context is None else context.Lock()

    def front(self) -> range:
        with self.lock:
            start = self.bounds[0]
            end = self.bounds[0] = min(start + _BATCH, self.bounds[1])
        return range(start, end)

    def back(self) -> range:
        with self.lock:
            end = self.bounds[1]
            start = self.bounds[1] = max(end - _BATCH, self.bounds[0])
        return range(start, end)

    def rest(self) -> range:
        """Every file not read here (once the front has met the back)."""
        with self.lock:
            start = self.bounds[0]
            self.bounds[0] = self.bounds[1] = self.count
        return range(start, self.count)


def _helper_wanted(unread: int) -> bool:
    # A fork copies only the thread that calls it: with others running (the preview
    # server) a lock one of them holds could never be released in the copy.
    return (forked.default_jobs() > 1 and unread >= PARALLEL_MIN_COMPANIES
            and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods())


class _Helper:
    """A forked process that reads the supply links and then company files from the
    back while this one reads the rest (see _Claims), checks their quotes, and hands
    back its records and everything it noted. With one core, a small atlas or other threads running there is
    none, and `finish` reads the links here."""

    def __init__(self, validator: Validator, sources: dict[str, Source], company_files: list[Path],
                 link_files: list[Path], unread: int):
        self.validator, self.sources = validator, sources
        self.company_files, self.link_files = company_files, link_files
        self.reader: forked.Forked | None = None
        if not _helper_wanted(unread):
            self.claims = _Claims(len(company_files))
            return
        self.claims = _Claims(len(company_files), multiprocessing.get_context("fork"))
        self.reader = forked.start(_help, (self,), name="atlas-read", doing="reading the content")

    def finish(self) -> tuple[list[Link], dict[str, Company]]:
        """The links and the companies read by the helper (after those read here),
        its problems, references, quotes and points added to the validator's."""
        validator = self.validator
        answer = None
        if self.reader is not None:
            reader, self.reader = self.reader, None
            try:
                answer = reader.result()
            except forked.ChildEnded:
                pass  # it ended without answering: its share is read here
        if answer is None:
            return (validator.read_links(self.link_files),
                    validator.read_companies(self.company_files, _once(self.claims.rest())))
        links, companies, noted, parsed, read = answer
        validator.take_notes(noted)
        parsed_elsewhere(parsed)
        if _read_files is not None:
            _read_files.used.update(read)
        return links, companies

    def stop(self) -> None:
        if self.reader is not None:
            self.reader.abort()


def _once(batch: range) -> Callable[[], range]:
    batches = iter([batch])
    return lambda: next(batches, _NONE_LEFT)


def _help(helper: _Helper) -> tuple[list[Link], dict[str, Company], tuple, dict, dict]:
    """In the forked process: read the helper's share with a fresh notebook."""
    validator = helper.validator
    validator.clear_notes()
    links = validator.read_links(helper.link_files)
    read = []
    for batch in iter(helper.claims.back, _NONE_LEFT):
        read += [(index, validator.read_company(helper.company_files[index])) for index in batch]
    read.sort(key=itemgetter(0))
    validator._check_quotes(helper.sources)
    return (links, {c.id: c for _, c in read if c is not None}, validator.notes(), parsed_here(),
            _read_files.used if _read_files is not None else {})


def _suggest_slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if slug and slug[0].isalpha() else f"x-{slug or 'name'}"


def _name(path: Path) -> str:
    return path.name


def validate(content: Path, boundaries: dict[str, dict] | None = None) -> Atlas:
    """Read and check the whole content tree; raise ContentError listing every problem."""
    try:
        with collector_paused():
            return Validator(content, boundaries).run()
    finally:
        forget_repeated_values()
