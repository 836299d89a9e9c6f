"""Open data: every record, fact and place as downloadable files under `data/`.

Tables are written twice, as CSV (UTF-8 with a byte-order mark, so spreadsheet
software reads the Chinese correctly) and as JSON; places and circles as GeoJSON;
each cluster, company, park and source also as its own JSON file; and the lot is
described by `data/datapackage.json`, a Frictionless Data Package (v2).

`write_open_data(atlas, config, put)` hands each file to `put` as soon as it is
made, so no more than one file's bytes is held at a time, and returns the data
page's list of them; a build runs it in a forked process beside the page rendering
(`start_open_data`) and renders the data page (`data_pages`) once it is done. A
rebuild keeps each file none of whose records changed (`Reuse`). It is
deterministic: the same Atlas and configuration give the same bytes (no clock,
everything in a stable order)."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from . import forked, geo, maps, tracking
from .browse import supply_link_path
from . import plan as planning
from .config import Config
from .fingerprints import Previous, Remembering
from .format import fact_value
from .model import PROVINCES, Atlas, Cluster, Company, Fact, Link, Location, Park, Source
from .output import Written
from .urls import SECTIONS, page_path, record_path

DATA_DIR = "data"
PACKAGE_FILE = f"{DATA_DIR}/datapackage.json"
LIST_SEPARATOR = " | "
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)   # each is one character: a set lookup per cell
FORMULA_NOTE = ("In the CSV files a text cell that would start with = + - @ or a tab is "
                "prefixed with an apostrophe (') so that spreadsheet software shows it as text "
                "instead of running it as a formula; the JSON files keep the text unchanged.")
LIST_NOTE = (f"Several values in one cell are separated by '{LIST_SEPARATOR}' "
             "(space, vertical bar, space); in the JSON files they are arrays.")
RING_POINTS = 72
PROFILE = "https://datapackage.org/profiles/2.0/"
# Licence names in atlas.toml -> (Open Definition / SPDX id, title, address).
KNOWN_LICENCES = {
    "CC BY 4.0": ("CC-BY-4.0", "Creative Commons Attribution 4.0 International",
                  "https://creativecommons.org/licenses/by/4.0/"),
    "CC0": ("CC0-1.0", "Creative Commons Zero v1.0 Universal",
            "https://creativecommons.org/publicdomain/zero/1.0/"),
    "MIT": ("MIT", "MIT License", "https://opensource.org/licenses/MIT"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str            # a Table Schema type: string | number | integer | boolean | list
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str           # Chinese and English titles, for the data package
    title_en: str
    description: str
    columns: tuple[Column, ...]
    make_rows: Callable[[], Iterable[dict]]   # made only when the table is written again
    count: int
    foreign_keys: tuple[tuple[str, str], ...] = ()   # (column, table it points into by id)


@dataclass(frozen=True)
class Download:
    """One entry of the data page's list; the page names and describes it with the
    catalogue's `data.file.<key>.title` and `.about`."""

    path: str
    key: str
    format: str
    rows: int | None
    files: int
    bytes: int

    @property
    def size(self) -> str:
        return f"{self.bytes / 1024:,.1f} KB" if self.bytes >= 1024 else f"{self.bytes} B"

    @property
    def is_pattern(self) -> bool:
        """An entry standing for one file per record (`data/companies/<id>.json`)."""
        return "<id>" in self.path


Put = Callable[[str, bytes], object]   # site path, bytes -> (ignored)


# Site paths, the files' pieces side by side (each item the next piece of every file)
# -> what was written. A build writes the pieces to the files as they come (the largest
# table is tens of MB); by default each file's pieces are joined and handed to `put`.
PutStreams = Callable[[Sequence[str], Iterable[Sequence[bytes]]], list[Written]]


def _joining(put: Put) -> PutStreams:
    def put_streams(paths: Sequence[str], pieces: Iterable[Sequence[bytes]]) -> list[Written]:
        files = [bytearray() for _ in paths]
        for pair in pieces:
            for held, piece in zip(files, pair):
                held += piece
        for path, data in zip(paths, files):
            put(path, bytes(data))
        return [Written.of(bytes(data)) for data in files]
    return put_streams


def data_files(atlas: Atlas, config: Config) -> dict[str, bytes]:
    """Every open-data file in memory: site path -> bytes, sorted by path (a build
    writes them one by one instead: `write_open_data`)."""
    files: dict[str, bytes] = {}
    write_open_data(atlas, config, files.__setitem__)
    return dict(sorted(files.items()))


def data_page_context(downloads: list[Download], config: Config) -> dict:
    """What the data page (templates/data.html) lists: the files and the licences."""
    return dict(downloads=downloads, list_separator=LIST_SEPARATOR,
                formula_starts=" ".join(c for c in FORMULA_STARTS if c.isprintable()),
                licence_data=licence(config.licence_data), licence_code=licence(config.licence_code))


def data_pages(downloads: list[Download], config: Config) -> list[planning.PlannedPage]:
    """The data page in every language, planned once the files it lists are written."""
    return planning.in_every_language([planning.PlannedPage(
        page_path("data"), "data.html", data_page_context(downloads, config))])


def entity_json_path(kind: str, ident: str) -> str:
    """`data/companies/<id>.json` beside `companies/<id>.html`."""
    return f"{DATA_DIR}/{SECTIONS[kind]}/{ident}.json"


# ---- values shared by the tables and the entity files ------------------------------

def page_url(config: Config, path: str) -> str:
    """A page's address: absolute when the site's URL is configured, else its site path."""
    return config.url + path


def _ref(record) -> dict | None:
    return None if record is None else {"id": record.id, "name": record.name,
                                        "name_en": record.name_en}


def _location(location: Location | None) -> dict | None:
    if location is None:
        return None
    return {"lat": round(location.lat, 6), "lon": round(location.lon, 6), "datum": "WGS-84",
            "precision": location.precision, "datum_given": location.datum_given,
            "placed_at": location.inherited_from or "own", "note": location.note}


def _headline(source: Source) -> str:
    return source.headlines[0].title if source.headlines else ""


def _link_id(link: Link) -> str:
    return f"link-{link.index + 1}"


def _owner(fact: Fact, atlas: Atlas) -> tuple[str, str, str]:
    """(owner id, owner name, owner page path) of a fact."""
    if fact.owner_kind == "link":
        link = atlas.links[int(fact.owner_id)]
        name = f"{atlas.companies[link.supplier].name} → {atlas.companies[link.customer].name}"
        return _link_id(link), name, supply_link_path(link, len(atlas.links))
    owner = atlas.record(fact.owner_kind, fact.owner_id)
    return owner.id, owner.name, f"{record_path(fact.owner_kind, owner.id)}#{fact.anchor}"


def _fact_row(fact: Fact, atlas: Atlas, config: Config, others: dict[str, list[str]]) -> dict:
    owner_id, owner_name, page = _owner(fact, atlas)
    metric, source = atlas.metrics[fact.metric], atlas.sources[fact.source_id]
    return {
        "id": fact.anchor, "owner_kind": fact.owner_kind, "owner_id": owner_id,
        "owner_name": owner_name, "metric": fact.metric, "metric_name": metric.name,
        "metric_name_en": metric.name_en, "value": fact.value, "value_max": fact.value_max,
        "qualifier": fact.qualifier, "unit": fact.unit, "as_shown": fact_value(fact),
        "period": fact.period, "as_of": fact.as_of, "time_inferred": fact.time_inferred,
        "kind": fact.kind, "subject": fact.subject, "subject_en": fact.subject_en,
        "source": source.id, "source_outlet": source.outlet, "source_title": _headline(source),
        "source_date": source.date, "source_date_inferred": source.date_inferred,
        "quote": fact.quote, "note": fact.note, "disagrees_with": others.get(fact.anchor, []),
        "page": page_url(config, page),
    }


def _disagreeing(atlas: Atlas) -> dict[str, list[str]]:
    """For every fact in a disagreement, the anchors of the facts it disagrees with."""
    others: dict[str, list[str]] = {}
    for group in planning.disagreements(atlas):
        for fact in group:
            others[fact.anchor] = sorted(f.anchor for f in group if f.anchor != fact.anchor)
    return others


class SharedRows:
    """Each figure's and supply link's row, made once, when first shown, and kept while
    `keeping`: the entity files (a record's, its source's, both companies of a link) and
    the tables show the same rows. A row shown again notes again the records its making
    looked up, so a file's fingerprint names them whichever file made the row first
    (atlas/tracking.py)."""

    def __init__(self, atlas: Atlas, config: Config):
        self._atlas, self._config = atlas, config
        # Facts disagree only with facts of the same record, so a fact row's
        # disagrees_with depends on its own record alone, which the row looks up.
        self._others = _disagreeing(atlas)
        self._made: dict[tuple, tuple[tuple, tuple]] = {}   # (kind, id) -> (values, lookups)
        self.keeping = True   # rows made while False are not kept (nothing shows them after)
        self._names: dict[str, tuple[str, ...]] = {}         # kind -> column names
        self.link_indexes_of_source: dict[str, list[int]] = {}
        for link in list.__iter__(atlas.links):
            self.link_indexes_of_source.setdefault(link.source_id, []).append(link.index)
        self.circles_of_park: dict[str, list[str]] = {}
        for circle in dict.values(atlas.circles):
            self.circles_of_park.setdefault(circle.centre, []).append(circle.id)

    def _row(self, key: tuple, make: Callable[[], dict]) -> dict:
        # Kept as a tuple of values (a quarter of a dict's size: tens of thousands are
        # kept until the last entity file), given out as a new dict each time.
        known = self._made.get(key)
        if known is None:
            with tracking.Watch() as noted:
                row = make()
            names = self._names.setdefault(key[0], tuple(row))
            assert tuple(row) == names, "rows of one kind have the same columns"
            if self.keeping:
                self._made[key] = (tuple(row.values()), tuple(noted))
            return row
        tracking.note_again(known[1])
        return dict(zip(self._names[key[0]], known[0]))

    def fact(self, fact: Fact) -> dict:
        atlas, config, others = self._atlas, self._config, self._others
        return self._row(("fact", id(fact)), lambda: _fact_row(fact, atlas, config, others))

    def facts(self, facts) -> list[dict]:
        return [self.fact(f) for f in facts]

    def link(self, index: int) -> dict:
        atlas, config = self._atlas, self._config
        return self._row(("link", index), lambda: _link_row(atlas.links[index], atlas, config))

    def links(self, indexes) -> list[dict]:
        return [self.link(i) for i in indexes]


def _link_row(link: Link, atlas: Atlas, config: Config) -> dict:
    supplier, customer = atlas.companies[link.supplier], atlas.companies[link.customer]
    source = atlas.sources[link.source_id]
    return {"id": _link_id(link), "supplier": supplier.id, "supplier_name": supplier.name,
            "customer": customer.id, "customer_name": customer.name, "product": link.product,
            "product_en": link.product_en, "source": source.id, "source_outlet": source.outlet,
            "source_date": source.date, "quote": link.quote,
            "facts": sorted(f.anchor for f in link.facts),
            "page": page_url(config, supply_link_path(link, len(atlas.links)))}


def _located_columns(record) -> dict:
    loc = record.location
    return {"lat": round(loc.lat, 6) if loc else None, "lon": round(loc.lon, 6) if loc else None,
            "precision": loc.precision if loc else "",
            "placed_at": (loc.inherited_from or "own") if loc else "",
            "datum_given": loc.datum_given if loc else ""}


def _common(record) -> dict:
    return {"id": record.id, "name": record.name, "name_en": record.name_en,
            "aliases": list(record.aliases)}


def _tail(record, kind: str, config: Config) -> dict:
    return {"summary": record.summary.strip(), "summary_en": record.summary_en.strip(),
            "sources": list(record.source_ids), "facts": len(record.facts),
            "page": page_url(config, record_path(kind, record.id)),
            "json": entity_json_path(kind, record.id)}


def _company_row(c: Company, atlas: Atlas, config: Config) -> dict:
    return {**_common(c), "role": c.role,
            "role_name": planning.ROLE_LABELS[c.role][0], "industry": c.industry,
            "industry_name": atlas.industries[c.industry].name, "parent": c.parent,
            "park": c.park, "district": c.district, "clusters": list(c.clusters),
            "products": [p.name for p in c.products],
            "products_en": [p.name_en for p in c.products], **_located_columns(c),
            **_tail(c, "company", config)}


def _cluster_row(c: Cluster, atlas: Atlas, config: Config) -> dict:
    return {**_common(c), "kind": c.kind,
            "kind_name": planning.CLUSTER_KIND_LABELS[c.kind][0], "industry": c.industry,
            "industry_name": atlas.industries[c.industry].name, "region": c.region,
            "district": c.district, "parent": c.parent, "parks": list(c.parks),
            "companies": sorted(c.companies), "designations": [d.list for d in c.designations],
            **_tail(c, "cluster", config)}


def _park_row(p: Park, atlas: Atlas, config: Config) -> dict:
    return {**_common(p), "kind": p.kind,
            "kind_name": planning.PARK_KIND_LABELS[p.kind][0], "district": p.district,
            "parent": p.parent, "clusters": sorted(p.clusters), "companies": sorted(p.companies),
            **_located_columns(p), **_tail(p, "park", config)}


def _source_row(s: Source, config: Config) -> dict:
    return {"id": s.id, "outlet": s.outlet, "outlet_en": s.outlet_en, "date": s.date,
            "date_inferred": s.date_inferred, "date_clue": s.date_clue,
            "sections": list(s.sections), "headlines": [h.title for h in s.headlines],
            "headlines_en": [h.title_en for h in s.headlines],
            "reporters": sorted({name for h in s.headlines for name in h.reporters}),
            "facts": len(s.facts), "page": page_url(config, record_path("source", s.id)),
            "json": entity_json_path("source", s.id)}


# ---- the tables ---------------------------------------------------------------------

def _col(spec: str) -> Column:
    """'name:type: description' -> Column (type omitted means string)."""
    name, kind, description = spec.split(":", 2)
    return Column(name, kind or "string", description.strip())


RECORD_COLUMNS = ("id:: the record's id (also its page's file name)",
                  "name:: name in Chinese, as printed", "name_en:: English name (ours)",
                  "aliases:list: other names the articles print, including former names")
LOCATION_COLUMNS = ("lat:number: latitude, WGS-84, of the point the site maps (empty: not mapped)",
                    "lon:number: longitude, WGS-84",
                    "precision:: exact | park | district | city: how precise the point is",
                    "placed_at:: own (the record's own point), park:<id> or district:<id> "
                    "(placed at that park or district centre)",
                    "datum_given:: wgs84 | gcj02: the datum the curator's coordinates were in "
                    "(always converted to WGS-84 here)")
TAIL_COLUMNS = ("summary:: short description in our own words (Markdown), not article text",
                "summary_en:: the same in English",
                "sources:list: ids of the articles describing it (see sources.csv)",
                "facts:integer: how many figures it has (see facts.csv, owner_id)",
                "page:: the record's page on the site",
                "json:: its own JSON file, with everything its page shows")


def _tables(atlas: Atlas, config: Config, rows: SharedRows) -> Iterator[Table]:
    """The tables one at a time, their rows made only when written (and let go after)."""
    with tracking.paused():
        fact_count = sum(1 for _ in atlas.all_facts())
    yield Table("companies", "企业", "Companies",
        "Companies and institutions named in the articles, one row each.",
        tuple(map(_col, RECORD_COLUMNS + (
            "role:: vehicle-maker | tier1-supplier | tier2-supplier | supplier | "
            "manufacturer | research-institute | university | bank | investor | platform | "
            "hospital | government | association | other",
            "role_name:: the role in Chinese", "industry:: industry id",
            "industry_name:: the industry in Chinese", "parent:: parent company id",
            "park:: id of the park it is in (parks.csv)",
            "district:: district id", "clusters:list: ids of its clusters (clusters.csv)",
            "products:list: its products, in Chinese",
            "products_en:list: its products in English, in the same order",
        ) + LOCATION_COLUMNS + TAIL_COLUMNS)),
        lambda: (_company_row(c, atlas, config) for c in sorted(atlas.companies.values(), key=_id)),
        dict.__len__(atlas.companies), (("park", "parks"), ("parent", "companies")))
    yield Table("clusters", "产业集群", "Clusters",
        "Industrial clusters, cluster programmes, industry chains and regional industries.",
        tuple(map(_col, RECORD_COLUMNS + (
            "kind:: cluster | programme | chain | industry",
            "kind_name:: the kind in Chinese", "industry:: industry id",
            "industry_name:: the industry in Chinese",
            "region:: beijing | tianjin | hebei | jjj (all three)",
            "district:: district id", "parent:: id of the programme it belongs to",
            "parks:list: ids of the parks it sits in", "companies:list: ids of member companies",
            "designations:list: official lists the cluster is on, as printed",
        ) + TAIL_COLUMNS)),
        lambda: (_cluster_row(c, atlas, config) for c in sorted(atlas.clusters.values(), key=_id)),
        dict.__len__(atlas.clusters), (("parent", "clusters"),))
    yield Table("parks", "园区", "Parks",
        "Industrial parks, development zones and similar places.",
        tuple(map(_col, RECORD_COLUMNS + (
            "kind:: industrial-park | science-park | development-zone | new-town | "
            "bonded-zone | business-district | port | base",
            "kind_name:: the kind in Chinese", "district:: district id",
            "parent:: id of the larger park it lies in",
            "clusters:list: ids of clusters sitting in it",
            "companies:list: ids of companies in it",
        ) + LOCATION_COLUMNS + TAIL_COLUMNS)),
        lambda: (_park_row(p, atlas, config) for p in sorted(atlas.parks.values(), key=_id)),
        dict.__len__(atlas.parks), (("parent", "parks"),))
    yield Table("sources", "来源报道", "Sources",
        "The newspaper articles everything is drawn from (their metadata; the article "
        "texts themselves are not republished).",
        tuple(map(_col, (
            "id:: the source id", "outlet:: the newspaper", "outlet_en:: the newspaper in English",
            "date:: YYYY, YYYY-MM or YYYY-MM-DD", "date_inferred:boolean: true when the page "
            "prints no date and it was inferred", "date_clue:: what the inferred date rests on",
            "sections:list: page names as printed", "headlines:list: every headline on the page",
            "headlines_en:list: the headlines in English, same order",
            "reporters:list: reporters named", "facts:integer: figures drawn from it",
            "page:: its page on the site", "json:: its own JSON file"))),
        lambda: (_source_row(s, config) for s in sorted(atlas.sources.values(), key=_id)),
        dict.__len__(atlas.sources))
    yield Table("links", "供应关系", "Supply relations",
        "Who supplies whom, as the articles state it, with the quote.",
        tuple(map(_col, (
            "id:: link-<n>, its anchor on the supply page", "supplier:: company id",
            "supplier_name:: its name", "customer:: company id", "customer_name:: its name",
            "product:: what is supplied, in Chinese (empty: not stated)",
            "product_en:: the same in English", "source:: source id",
            "source_outlet:: the newspaper", "source_date:: the article's date",
            "quote:: verbatim from the article", "facts:list: ids of figures about this "
            "relation (facts.csv)", "page:: its row on the supply pages"))),
        lambda: (rows.link(i) for i in range(len(atlas.links))), list.__len__(atlas.links),
        (("supplier", "companies"), ("customer", "companies"), ("source", "sources")))
    yield Table("facts", "全部数据及出处", "All figures with sources and quotes",
        "Every figure of the atlas, one row each, with its source and verbatim quote. "
        "Where articles disagree each figure is a row of its own; disagrees_with names "
        "the others. Cite a figure to its article.",
        tuple(map(_col, (
            "id:: the figure's anchor on its owner's page",
            "owner_kind:: cluster | company | park | circle | link",
            "owner_id:: id of the record (link-<n> for a supply relation)",
            "owner_name:: its name", "metric:: metric id", "metric_name:: the metric in Chinese",
            "metric_name_en:: the metric in English", "value:number: the number as printed",
            "value_max:number: top of a range (empty when not a range)",
            "qualifier:: exact | about (约) | over (超) | nearly (近) | at-least (以上) | under (不足)",
            "unit:: as printed (亿元, 家, %, ...)",
            "as_shown:: the figure as the site shows it, qualifier and unit included",
            "period:: what the figure covers: YYYY, YYYY-H1, YYYY-Q1, YYYY-MM/YYYY-MM",
            "as_of:: the date the figure stands at", "time_inferred:boolean: true when the "
            "article only implies the period (say, 去年)",
            "kind:: actual | target | estimate",
            "subject:: what is counted, when the metric alone is unclear",
            "subject_en:: the same in English", "source:: source id (sources.csv)",
            "source_outlet:: the newspaper", "source_title:: the article's first headline",
            "source_date:: the article's date",
            "source_date_inferred:boolean: true when the article's date is inferred",
            "quote:: verbatim from the article (whitespace aside)",
            "note:: our remark on the figure",
            "disagrees_with:list: ids of figures from other articles about the same thing "
            "with other values", "page:: where the site shows it"))),
        lambda: (rows.fact(f) for f in _sorted_facts(atlas)), fact_count,
        (("source", "sources"),))


def _sorted_facts(atlas: Atlas) -> list[Fact]:
    return sorted(atlas.all_facts(), key=lambda f: (f.owner_kind, f.owner_id, f.anchor))


def _id(record) -> str:
    return record.id


# ---- entity files -------------------------------------------------------------------

def _entity_header(kind: str, ident: str, config: Config) -> dict:
    return {"atlas": config.title, "atlas_en": config.title_en, "version": config.version,
            "build_date": config.build_date, "licence": config.licence_data,
            "kind": kind, "page": page_url(config, record_path(kind, ident))}


def _entity(record, kind: str, atlas: Atlas, config: Config, rows: SharedRows, **extra) -> dict:
    return {**_entity_header(kind, record.id, config), **_common(record), **extra,
            "summary": record.summary.strip(), "summary_en": record.summary_en.strip(),
            "facts": rows.facts(record.facts),
            "sources": [_source_ref(atlas.sources[s], config) for s in record.source_ids]}


def _source_ref(source: Source, config: Config) -> dict:
    return {"id": source.id, "outlet": source.outlet, "date": source.date,
            "date_inferred": source.date_inferred, "title": _headline(source),
            "page": page_url(config, record_path("source", source.id))}


def _label(labels: dict, key: str) -> dict:
    zh, en = labels[key]
    return {"id": key, "name": zh, "name_en": en}


def _company_entity(c: Company, atlas: Atlas, config: Config, rows: SharedRows) -> dict:
    industry = atlas.industries[c.industry]
    return _entity(
        c, "company", atlas, config, rows,
        role=_label(planning.ROLE_LABELS, c.role),
        industry={"id": industry.id, "name": industry.name, "name_en": industry.name_en},
        parent=_ref(atlas.companies.get(c.parent)),
        subsidiaries=[_ref(atlas.companies[s]) for s in sorted(c.subsidiaries)],
        clusters=[_ref(atlas.clusters[x]) for x in c.clusters],
        park=_ref(atlas.parks.get(c.park)), district=_ref(atlas.districts.get(c.district)),
        products=[{"name": p.name, "name_en": p.name_en} for p in c.products],
        people=[{"name": p.name, "title": p.title, "title_en": p.title_en, "source": p.source_id}
                for p in c.people],
        customers=rows.links(c.supplies),
        suppliers=rows.links(c.supplied_by),
        location=_location(c.location))


def _cluster_entity(c: Cluster, atlas: Atlas, config: Config, rows: SharedRows) -> dict:
    industry = atlas.industries[c.industry]
    return _entity(
        c, "cluster", atlas, config, rows,
        cluster_kind=_label(planning.CLUSTER_KIND_LABELS, c.kind),
        industry={"id": industry.id, "name": industry.name, "name_en": industry.name_en},
        region=_label(PROVINCES, c.region), district=_ref(atlas.districts.get(c.district)),
        designations=[{"list": d.list, "list_en": d.list_en, "year": d.year,
                       "source": d.source_id, "quote": d.quote} for d in c.designations],
        parent=_ref(atlas.clusters.get(c.parent)),
        children=[_ref(atlas.clusters[x]) for x in sorted(c.children)],
        parks=[_ref(atlas.parks[p]) for p in c.parks],
        companies=[_ref(atlas.companies[x]) for x in sorted(c.companies)])


def _park_entity(p: Park, atlas: Atlas, config: Config, rows: SharedRows) -> dict:
    return _entity(
        p, "park", atlas, config, rows,
        park_kind=_label(planning.PARK_KIND_LABELS, p.kind),
        district=_ref(atlas.districts.get(p.district)), parent=_ref(atlas.parks.get(p.parent)),
        children=[_ref(atlas.parks[x]) for x in sorted(p.children)],
        clusters=[_ref(atlas.clusters[x]) for x in sorted(p.clusters)],
        companies=[_ref(atlas.companies[x]) for x in sorted(p.companies)],
        circles=[_ref(atlas.circles[c]) for c in rows.circles_of_park.get(p.id, [])],
        location=_location(p.location))


def _source_entity(s: Source, atlas: Atlas, config: Config, rows: SharedRows) -> dict:
    return {**_entity_header("source", s.id, config),
            **{k: v for k, v in _source_row(s, config).items()
               if k not in ("page", "json", "headlines_en")},
            "headlines": [{"title": h.title, "title_en": h.title_en, "reporters": list(h.reporters)}
                          for h in s.headlines],
            "facts": rows.facts(s.facts),
            "links": rows.links(rows.link_indexes_of_source.get(s.id, [])),
            "cited_by": [{"kind": kind, "id": ident, "name": atlas.record(kind, ident).name}
                         for kind, ident in sorted(set(s.cited_by))]}


def _entity_records(atlas: Atlas, kind: str) -> dict:
    return {"company": atlas.companies, "cluster": atlas.clusters, "park": atlas.parks,
            "source": atlas.sources}[kind]


ENTITY_MAKERS = {"company": _company_entity, "cluster": _cluster_entity, "park": _park_entity,
                 "source": _source_entity}


# ---- GeoJSON ------------------------------------------------------------------------

def _point(lat: float, lon: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def places_geojson(atlas: Atlas, config: Config) -> dict:
    """Every record the site's maps show, at the point they show it (WGS-84)."""
    features = []
    for record in sorted(maps.located(atlas), key=lambda r: (r.kind_name, r.id)):
        loc = record.location
        features.append({"type": "Feature", "id": f"{record.kind_name}:{record.id}",
                         "geometry": _point(loc.lat, loc.lon),
                         "properties": {"kind": record.kind_name, "id": record.id,
                                        "name": record.name, "name_en": record.name_en,
                                        "marker": maps.marker_kind(record),
                                        "precision": loc.precision,
                                        "placed_at": loc.inherited_from or "own",
                                        "datum_given": loc.datum_given, "note": loc.note,
                                        "page": page_url(config, record_path(record.kind_name,
                                                                             record.id))}})
    return {"type": "FeatureCollection", "features": features}


def ring(lat: float, lon: float, km: float, points: int = RING_POINTS) -> list[list[float]]:
    """A closed ring of [lon, lat] points `km` from the centre on the sphere, counter-
    clockwise as RFC 7946 wants an exterior ring."""
    d = km / geo.EARTH_RADIUS_KM
    phi, lam = math.radians(lat), math.radians(lon)
    coords = []
    for i in range(points):
        bearing = math.radians(-360.0 * i / points)
        phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(bearing))
        lam2 = lam + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(phi),
                                math.cos(d) - math.sin(phi) * math.sin(phi2))
        coords.append([round(math.degrees(lam2), 6), round(math.degrees(phi2), 6)])
    return coords + [coords[0]]


def circles_geojson(atlas: Atlas, config: Config) -> dict:
    """Each circle's centre (a point listing every radius) and one polygon per ring.
    Stated radii come from an article (source and quote given); an assumed radius is the
    atlas's own, drawn only where no article gives one."""
    features = []
    for circle in atlas.circles.values():
        centre = maps.circle_centre(circle, atlas)
        if centre is None:
            continue
        radii = [{"km": r.km, "value": r.value, "unit": r.unit, "stated": True,
                  "source": r.source_id, "quote": r.quote, "note": r.note} for r in circle.radii]
        if circle.assumed_radius_km:
            radii.append({"km": circle.assumed_radius_km, "value": circle.assumed_radius_km,
                          "unit": "km", "stated": False, "source": "", "quote": "",
                          "note": circle.assumed_basis})
        common = {"circle": circle.id, "name": circle.name, "name_en": circle.name_en,
                  "circle_kind": circle.kind, "centre_park": circle.centre,
                  "page": page_url(config, record_path("circle", circle.id))}
        features.append({"type": "Feature", "id": f"circle:{circle.id}",
                         "geometry": _point(centre.lat, centre.lon),
                         "properties": {**common, "feature": "centre",
                                        "centre_precision": centre.precision, "radii": radii}})
        for radius in radii:
            features.append({"type": "Feature",
                             "id": f"circle:{circle.id}:{radius['km']:g}km",
                             "geometry": {"type": "Polygon",
                                          "coordinates": [ring(centre.lat, centre.lon, radius["km"])]},
                             "properties": {**common, "feature": "ring", **radius,
                                            "approximation": f"{RING_POINTS}-point polygon on a "
                                                             "sphere of the great-circle radius"}})
    return {"type": "FeatureCollection", "features": features}


# ---- serialisation ------------------------------------------------------------------

# Compact: Python's JSON encoder runs in C only without `indent`.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _json_text(value: Any) -> str:
    return _JSON.encode(value).replace("<", "\\u003c")


def json_bytes(value: Any) -> bytes:
    """UTF-8 JSON with `<` escaped so no file can end a <script> or open a tag
    if it is ever embedded in or sniffed as HTML (json.loads gives the same text back)."""
    return (_json_text(value) + "\n").encode("utf-8")


class _JsonRows:
    """A list of rows as JSON text, handed out in pieces of about 64 KB."""

    def __init__(self):
        self._pieces, self._size, self._sep = [b"["], 1, b""

    def add(self, row: dict) -> bytes:
        """The row appended; a piece once enough has gathered, else b""."""
        piece = self._sep + _json_text(row).encode("utf-8")
        self._pieces.append(piece)
        self._size += len(piece)
        self._sep = b","
        return self._take() if self._size > _PIECE else b""

    def end(self) -> bytes:
        self._pieces.append(b"]\n")
        return self._take()

    def _take(self) -> bytes:
        piece = b"".join(self._pieces)
        self._pieces, self._size = [], 0
        return piece


_PIECE = 1 << 16


def neutralise(text: str) -> str:
    """A CSV text cell that a spreadsheet would run as a formula, made plain text."""
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def csv_cell(value: Any) -> str:
    kind = type(value)
    if kind is str:  # most cells: tested first
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, list):
        return neutralise(LIST_SEPARATOR.join(value))
    return neutralise(str(value))


class _CsvRows:
    """A table as CSV (UTF-8 with a byte-order mark, CRLF), handed out in pieces of
    about 64 KB."""

    def __init__(self, table: Table):
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")
        names = [c.name for c in table.columns]
        self._writer.writerow(names)
        self._cells = itemgetter(*names)
        self._first = "\ufeff"

    def add(self, row: dict) -> bytes:
        """The row appended; a piece once enough has gathered, else b""."""
        self._writer.writerow([csv_cell(value) for value in self._cells(row)])
        return self._take() if self._out.tell() > _PIECE else b""

    def end(self) -> bytes:
        return self._take()

    def _take(self) -> bytes:
        piece = (self._first + self._out.getvalue()).encode("utf-8")
        self._first = ""
        self._out.seek(0)
        self._out.truncate()
        return piece


def table_pieces(table: Table, rows: Iterable[dict]) -> Iterator[tuple[bytes, bytes]]:
    """The table's CSV (UTF-8 with a byte-order mark, CRLF) and JSON (as json_bytes of
    the list of rows) from one pass over its rows, as pairs of pieces of about 64 KB
    (b"" where one file has none yet): each row is made once and dropped once both
    files have it."""
    as_csv, as_json = _CsvRows(table), _JsonRows()
    for row in rows:
        pair = as_csv.add(row), as_json.add(row)
        if pair[0] or pair[1]:
            yield pair
    yield as_csv.end(), as_json.end()


def licence(name: str, scope: str = "") -> dict:
    """A Data Package licence for a name in atlas.toml (`CC BY 4.0` -> `CC-BY-4.0`)."""
    ident, title, path = KNOWN_LICENCES.get(name, (name.replace(" ", "-"), name, ""))
    entry = {"name": ident, "title": f"{scope}: {title}" if scope else title}
    return {**entry, "path": path} if path else entry


def _field(column: Column) -> dict:
    spec = {"name": column.name, "type": column.type, "description": column.description}
    if column.type == "list":
        spec.update(delimiter=LIST_SEPARATOR, itemType="string",
                    description=f"{column.description}. {LIST_NOTE}")
    return spec


def _table_resource(table: Table, path: str, written: Written, licences: list[dict]) -> dict:
    schema = {"$schema": PROFILE + "tableschema.json",
              "fields": [_field(c) for c in table.columns], "missingValues": [""],
              "primaryKey": ["id"]}
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": [column], "reference": {"resource": target,
                                                                    "fields": ["id"]}}
                                 for column, target in table.foreign_keys]
    return {"name": table.name, "type": "table", "path": path, "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "title": f"{table.title} {table.title_en}",
            "description": f"{table.description} {FORMULA_NOTE} The file starts with a UTF-8 "
                           "byte-order mark so spreadsheet software detects the encoding.",
            "bytes": written.size, "hash": "sha256:" + written.sha256,
            "dialect": {"$schema": PROFILE + "tabledialect.json", "header": True,
                        "delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"'},
            "schema": schema, "licenses": licences}


def _json_resource(name: str, path: str, written: Written, title: str, description: str,
                   licences: list[dict], geojson: bool = False) -> dict:
    return {"name": name, "path": path, "format": "geojson" if geojson else "json",
            "mediatype": "application/geo+json" if geojson else "application/json",
            "encoding": "utf-8", "title": title, "description": description,
            "bytes": written.size, "hash": "sha256:" + written.sha256,
            **({"licenses": licences} if licences else {})}


def _package(config: Config, atlas: Atlas, resources: list[dict],
             entity_files: list[dict]) -> dict:
    sources = []
    for source in sorted(atlas.sources.values(), key=_id):
        entry = {"title": f"{source.outlet} {source.date}: {_headline(source)}"}
        if config.url:
            entry["path"] = page_url(config, record_path("source", source.id))
        sources.append(entry)
    package = {
        "$schema": PROFILE + "datapackage.json",
        "name": config.name, "title": f"{config.title} {config.title_en}",
        "description": ("The industrial clusters, companies, parks and supply relations of "
                        "Tianjin and the Beijing-Tianjin-Hebei region as five newspaper articles "
                        "report them. Every figure carries its source and a verbatim quote; "
                        "cite a figure to the article its row names. " + FORMULA_NOTE + " "
                        + LIST_NOTE + " Coordinates are WGS-84."),
        "version": config.version, "created": f"{config.build_date}T00:00:00Z",
        "licenses": [licence(config.licence_data, "Data"),
                     licence(config.licence_code, "Code of the site generator")],
        "sources": sources, "keywords": ["Jing-Jin-Ji", "京津冀", "Tianjin", "industrial clusters",
                                          "supply chain"],
        "resources": resources,
        # One JSON file per entity page: described here by pattern, not as resources
        # (at 10,000 companies a resource each made this file 4 MB).
        "atlas:entityFiles": entity_files,
    }
    if config.url:
        package["homepage"] = config.url
    return package


TABLE_JSON_NOTE = "The same rows as {csv}, as a JSON array of objects (lists as arrays)."
ENTITY_TITLES = {"company": "Company files", "cluster": "Cluster files", "park": "Park files",
                 "source": "Source files"}


GEOJSON_FILES = (
    ("places", "地图上的位置", "Places on the map",
     "Every park and company the maps show, at the point they show it (WGS-84), with "
     "how precise it is and whether it is the record's own point or its park's or "
     "district's.", places_geojson),
    ("circles", "配套圈", "Supply circles",
     "Each circle's centre with every radius, and a polygon approximating each ring. "
     "Rings with stated=true are radii an article gives (source and quote included); "
     "stated=false is the atlas's own assumption, drawn only where no article gives one.",
     circles_geojson))


class Reuse:
    """Which open-data files a build can keep from the previous site. A file is treated
    like a page (atlas/fingerprints.py): its fingerprint is the records looked up while
    it was made, and it is linked from the previous site when none of them changed.
    `keep(path)` links the previous build's file (False when it cannot); `site` is the
    folder being filled."""

    def __init__(self, previous: Previous, keep: Callable[[str], bool], site: Path):
        self.previous, self._keep, self._site = previous, keep, site
        self.fingerprints = Remembering(previous)   # handed back to the build (compact)

    def keep(self, paths: list[str], own: str) -> list[Written] | None:
        """Link every one of `paths` (made together, from the same records) from the
        previous site, and say what they hold; None, and none linked, if any changed."""
        if not all(self.previous.unchanged(path, own) for path in paths):
            return None
        linked = []
        for path in paths:
            if not self._keep(path):
                for done in linked:   # never write into a file linked from the previous site
                    (self._site / done).unlink()
                return None
            linked.append(path)
        for path in paths:
            self.fingerprints.kept(path)
        return [Written.of_file(self._site / path) for path in paths]

    def keep_one(self, path: str, own: str) -> int | None:
        """Link one file from the previous site if unchanged: its size, else None."""
        if self.previous.unchanged(path, own) and self._keep(path):
            self.fingerprints.kept(path)
            return os.stat(os.path.join(self._site, path)).st_size
        return None

    def watching(self, paths: list[str], own: str, make: Callable[[], Any]) -> Any:
        """make(), noting the records it looks up as the fingerprint of `paths`."""
        with tracking.Watch() as noted:
            made = make()
        for path in paths:
            self.fingerprints.made(path, own, noted)
        return made


@dataclass(frozen=True)
class OpenData:
    listing: list[Download]                   # the data page's list of files
    fingerprints: Remembering | None = None   # with Reuse: every file's, for the next build


def _own(path: str, *made_from) -> str:
    """What decides a file besides the records it looks up (settings and code are in
    the site digest): its path and what its maker is given."""
    return hashlib.blake2b(repr((path, made_from)).encode("utf-8"), digest_size=16).hexdigest()


def _write_table(table: Table, paths: list[str], put_streams: PutStreams) -> list[Written]:
    """The table's CSV and JSON, written side by side as its rows are made, so neither
    the files nor the rows are held whole."""
    return put_streams(paths, table_pieces(table, table.make_rows()))


def _entity_made_from(kind: str, record, rows: SharedRows) -> tuple:
    """What an entity file shows that its record's fields do not say: a source's links
    and a park's circles (found by scanning those tables once, before any is noted)."""
    if kind == "source":
        return tuple(rows.link_indexes_of_source.get(record.id, ()))
    if kind == "park":
        return tuple(rows.circles_of_park.get(record.id, ()))
    return ()


def _write_entity_files(atlas: Atlas, config: Config, put: Put, reuse: Reuse | None,
                        rows: SharedRows) -> tuple[list[Download], list[dict]]:
    """One JSON file per record (each linked from the previous site when unchanged): the
    data page's entries for them and the data package's."""
    listing, entity_files = [], []
    for kind, title_en in ENTITY_TITLES.items():
        make, records, total = ENTITY_MAKERS[kind], _entity_records(atlas, kind), 0
        for ident, record in dict.items(records):
            path = entity_json_path(kind, ident)
            if reuse is None:
                data = json_bytes(make(record, atlas, config, rows))
            else:
                own = _own(path, _entity_made_from(kind, record, rows))
                size = reuse.keep_one(path, own)
                if size is not None:
                    total += size
                    continue
                data = reuse.watching([path], own, lambda: json_bytes(
                    make(atlas.record(kind, ident), atlas, config, rows)))
            put(path, data)
            total += len(data)
        listing.append(Download(f"{DATA_DIR}/{SECTIONS[kind]}/<id>.json", f"{kind}_files",
                                "JSON", None, len(records), total))
        entity_files.append({"path": f"{SECTIONS[kind]}/<id>.json", "title": title_en,
                             "count": len(records), "mediatype": "application/json",
                             "encoding": "utf-8",
                             "description": f"Everything the page {record_path(kind, '<id>')} "
                                            "shows, one file per id; linked from that page."})
    return listing, entity_files


def write_open_data(atlas: Atlas, config: Config, put: Put,
                    reuse: Reuse | None = None, put_streams: PutStreams | None = None) -> OpenData:
    """Make every open-data file and hand it to `put(site path, bytes)` at once (none
    is kept in memory), the tables in pieces to `put_streams` when given; with `reuse`,
    a file none of whose records changed since the previous build is linked from it
    instead (the atlas's tables then note lookups)."""
    put_streams = put_streams or _joining(put)
    if reuse is not None:
        tracking.install(atlas)
    licences = [licence(config.licence_data)]
    rows = SharedRows(atlas, config)
    # The entity files first: their rows are kept for the tables, which come last and
    # keep nothing. A rebuild that links most entity files then holds few rows.
    entity_listing, entity_files = _write_entity_files(atlas, config, put, reuse, rows)
    rows.keeping = False
    resources: list[dict] = []
    listing: list[Download] = []
    for table in _tables(atlas, config, rows):
        paths = [f"{DATA_DIR}/{table.name}.csv", f"{DATA_DIR}/{table.name}.json"]
        own = _own(paths[0])
        written = reuse.keep(paths, own) if reuse is not None else None
        if written is None:
            written = reuse.watching(paths, own, lambda: _write_table(table, paths, put_streams)) \
                if reuse is not None else _write_table(table, paths, put_streams)
        csv_file, json_file = written
        resources.append(_table_resource(table, f"{table.name}.csv", csv_file, licences))
        listing.append(Download(paths[0], table.name, "CSV", table.count, 1, csv_file.size))
        resources.append(_json_resource(f"{table.name}-json", f"{table.name}.json", json_file,
                                        f"{table.title} {table.title_en} (JSON)",
                                        TABLE_JSON_NOTE.format(csv=f"{table.name}.csv"),
                                        licences))
        listing.append(Download(paths[1], table.name, "JSON", table.count, 1, json_file.size))
    for name, title, title_en, description, make in GEOJSON_FILES:
        collection = make(atlas, config)
        path, data = f"{DATA_DIR}/{name}.geojson", json_bytes(collection)
        put(path, data)
        resources.append(_json_resource(name, f"{name}.geojson", Written.of(data),
                                        f"{title} {title_en}", description, licences,
                                        geojson=True))
        listing.append(Download(path, name, "GeoJSON", len(collection["features"]), 1, len(data)))
    listing += entity_listing
    package = json_bytes(_package(config, atlas, resources, entity_files))
    put(PACKAGE_FILE, package)
    listing.append(Download(PACKAGE_FILE, "package", "JSON", None, 1, len(package)))
    return OpenData(listing, reuse.fingerprints if reuse else None)


# ---- beside the page rendering ------------------------------------------------------

class OpenDataRun:
    """The open data being written by a forked process while the pages render (the
    parent only waits for its render workers meanwhile); or, when `background` is
    false, written here before `start_open_data` returns."""

    def __init__(self, atlas: Atlas, config: Config, put: Put, background: bool,
                 reuse: Reuse | None = None, put_streams: PutStreams | None = None):
        self._done: OpenData | None = None
        self._writer: forked.Forked | None = None
        if background:
            # Forked: the atlas, `put` and `reuse` are inherited as they are, never pickled
            # (the fingerprints come back, as the result).
            self._writer = forked.start(write_open_data, (atlas, config, put, reuse, put_streams),
                                        name="atlas-open-data", doing="writing the open data")
        else:
            self._done = write_open_data(atlas, config, put, reuse, put_streams)

    def finish(self) -> OpenData:
        """The data page's list of files (and the files' fingerprints), once every file
        is written; raises the writer's own error if it failed."""
        if self._writer is None:
            assert self._done is not None
            return self._done
        return self._writer.result()

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()


def start_open_data(atlas: Atlas, config: Config, put: Put, background: bool = True,
                    reuse: Reuse | None = None, put_streams: PutStreams | None = None) -> OpenDataRun:
    """Start writing the open data through `put` and `put_streams` (see OpenDataRun and
    Reuse)."""
    return OpenDataRun(atlas, config, put, background, reuse, put_streams)
