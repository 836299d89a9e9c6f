"""`build.py new company|cluster|park <id>`: write a commented skeleton of a new record.

Every value in the skeleton is left empty, because the validator rejects an empty
value with the line and "give it a value": the required fields (uncommented, marked
FILL IN) make `build.py check` name each line still to fill, and an optional line
uncommented and forgotten cannot slip into the site as placeholder text."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from .model import PROVINCES
from .urls import SECTIONS
from .validate import (CLUSTER_KINDS, COMPANY_ROLES, DATUMS, FACT_KINDS, PARK_KINDS, PRECISIONS,
                       QUALIFIERS, RESERVED_IDS, SLUG, _suggest_slug)

KINDS = ("company", "cluster", "park")
MAX_ID_LENGTH = 64
NOTE_COLUMN = 30
WRAP = 110


class NewRecordError(Exception):
    """Why a record cannot be created; the message is for the curator."""


@dataclass(frozen=True)
class Field:
    key: str
    note: str
    required: bool = False
    item: tuple["Field", ...] = ()      # a list of mappings: the keys of one item
    mapping: tuple["Field", ...] = ()   # a mapping: its keys


def _one_of(choices) -> str:
    return "one of " + ", ".join(choices)


def _fields(kind: str, sources: list[str]) -> tuple[Field, ...]:
    shown = ", ".join(sources[:6]) + (", …" if len(sources) > 6 else "")
    name = Field("name", "the name as printed in the articles, in Chinese", required=True)
    name_en = Field("name_en", "the name in English", required=True)
    industry = Field("industry", "an id from content/industries.yaml, e.g. auto-parts", required=True)
    source_list = Field("sources", f"the articles that describe it, as a list: [{shown}]", required=True)
    ident = Field("id", "may be left out; if given it must be the file name without .yaml")
    aliases = Field("aliases", "other names the articles print, former names too: [简称, 旧名]")
    district = Field("district", "where it is: an id from content/districts.yaml, e.g. wuqing")
    location = Field("location", "its point on the map (else it is placed at its park or district)",
                     mapping=(
                         Field("lat", "latitude in degrees, e.g. 39.39"),
                         Field("lon", "longitude in degrees, e.g. 117.05"),
                         Field("datum", _one_of(DATUMS) + " (gcj02: copied from a Chinese map service)"),
                         Field("precision", _one_of(PRECISIONS) + " (how close the point is)"),
                         Field("note", "how the point was set: from what, by whom")))
    summary = Field("summary", "a short neutral description in our own words (Markdown), "
                    "never the article's")
    summary_en = Field("summary_en", "the same description in English")
    facts = Field("facts", "every figure, each with its source and a verbatim quote", item=(
        Field("metric", "an id from content/metrics.yaml, e.g. output"),
        Field("value", "the number alone, e.g. 27 (the unit goes in `unit`)"),
        Field("value_max", "optional: the top of a range (1至2家: value 1, value_max 2)"),
        Field("qualifier", "optional: " + _one_of(QUALIFIERS)),
        Field("unit", "as printed: 亿元, 家, %, 万辆 ..."),
        Field("period", 'what it covers, quoted: "2024", "2025-H1", "2025-01/2025-08"'),
        Field("as_of", 'or the date it stands at, quoted: "2025-07"; give one or both'),
        Field("time_inferred", "optional: true when the text only implies the period or date"),
        Field("kind", _one_of(FACT_KINDS) + " (target: a goal; estimate: 预计)"),
        Field("subject", "optional: what is counted, if the metric alone is unclear"),
        Field("subject_en", "optional: the same in English"),
        Field("source", "the id of the article it comes from"),
        Field("quote", "the clause with the number, copied verbatim from the source's .txt"),
        Field("note", "optional: our remark (why a period was inferred, a caveat)")))
    if kind == "company":
        return (name, name_en,
                Field("role", _one_of(COMPANY_ROLES), required=True), industry, source_list,
                ident, aliases,
                Field("parent", "the group or head office it belongs to: a company id"),
                district,
                Field("park", "the park it is in: a park id"),
                Field("clusters", "the clusters it belongs to, as a list of cluster ids"),
                Field("products", "what it makes, one item per product", item=(
                    Field("name", "the product as printed, in Chinese"),
                    Field("name_en", "the product in English"))),
                Field("people", "people the articles quote or name", item=(
                    Field("name", "as printed"),
                    Field("title", "their title as printed, e.g. 总经理"),
                    Field("title_en", "the title in English"),
                    Field("source", "the id of the article that names them"))),
                location, summary, summary_en, facts)
    if kind == "cluster":
        return (name, name_en,
                Field("kind", _one_of(CLUSTER_KINDS), required=True), industry,
                Field("region", _one_of(PROVINCES) + " (jjj: all three)", required=True),
                source_list, ident, aliases,
                Field("parent", "the programme it belongs to: a cluster id"),
                district,
                Field("parks", "the parks where it sits, as a list of park ids"),
                Field("designations", "the official lists it is on", item=(
                    Field("list", "the list's name as printed, in Chinese"),
                    Field("list_en", "the list's name in English"),
                    Field("year", "the list's year, e.g. 2025"),
                    Field("source", "the id of the article that says so"),
                    Field("quote", "the clause saying so, copied verbatim"))),
                location, summary, summary_en, facts)
    if kind == "park":
        return (name, name_en,
                Field("kind", _one_of(PARK_KINDS), required=True), source_list,
                ident, aliases, district,
                Field("parent", "the larger zone it lies in: a park id"),
                location, summary, summary_en, facts)
    raise NewRecordError(f"cannot create a `{kind}`: choose {', '.join(KINDS)}")


def _line(prefix: str, key: str, note: str) -> list[str]:
    """`key:` and its note as a comment at NOTE_COLUMN, long notes wrapped under it."""
    head = f"{prefix}{key}:"
    pad = " " * max(1, NOTE_COLUMN - len(head))
    indent = " " * NOTE_COLUMN + "#   "
    if prefix.startswith("#"):
        indent = "#" + indent[1:]
    lines = textwrap.wrap(note, width=WRAP - NOTE_COLUMN - 2) or [""]
    return [f"{head}{pad}# {lines[0]}"] + [indent + rest for rest in lines[1:]]


def _render(field: Field) -> list[str]:
    if field.required:
        return _line("", field.key, "FILL IN: " + field.note)
    out = _line("# ", field.key, field.note)
    for index, sub in enumerate(field.item):
        out += _line("#   - " if index == 0 else "#     ", sub.key, sub.note)
    for sub in field.mapping:
        out += _line("#   ", sub.key, sub.note)
    return out


def skeleton(kind: str, ident: str, sources: list[str]) -> str:
    """The text of a new record's file: required fields to fill, optional ones commented."""
    fields = _fields(kind, sources)
    header = [
        f"# A new {kind} for the atlas, written by `build.py new {kind} {ident}`.",
        f"# Its id is the file name, {ident}; every field is described in content/README.md.",
        "# 1. Fill in each line marked FILL IN; `build.py check` names those still empty.",
        "# 2. Uncomment the optional lines that apply and fill them in; delete the others.",
        "#    Never leave a value empty: leave out a field the articles do not give.",
        "# 3. Every figure is a fact with its source and a quote copied verbatim (`facts`).",
        "",
    ]
    required = [line for f in fields if f.required for line in _render(f)]
    optional = [line for f in fields if not f.required for line in _render(f)]
    return "\n".join(header + required + ["", "# Optional:"] + optional) + "\n"


def check_new_id(ident: str) -> None:
    if not SLUG.fullmatch(ident) or len(ident) > MAX_ID_LENGTH:
        raise NewRecordError(
            f"`{ident}` cannot be an id: use lowercase ASCII letters, digits and hyphens, starting "
            f"with a letter, at most {MAX_ID_LENGTH} characters, e.g. `{_suggest_slug(ident)[:MAX_ID_LENGTH]}`")
    if ident in RESERVED_IDS:
        raise NewRecordError(f"`{ident}` is a reserved name and cannot be an id: choose a more "
                             "specific one")


def create(content: Path, kind: str, ident: str) -> Path:
    """Write content/<section>/<ident>.yaml; refuse a bad kind or id, or one that exists."""
    if kind not in KINDS:
        raise NewRecordError(f"cannot create a `{kind}`: choose {', '.join(KINDS)}")
    check_new_id(ident)
    folder = content / SECTIONS[kind]
    for existing in (folder / f"{ident}.yaml", folder / f"{ident}.yml"):
        if existing.exists():
            raise NewRecordError(f"{existing.relative_to(content.parent).as_posix()} already exists: "
                                 "edit it, or choose another id")
    sources = sorted(p.stem for p in (content / "sources").glob("*.yaml"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{ident}.yaml"
    with open(target, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(skeleton(kind, ident, sources))
    return target
