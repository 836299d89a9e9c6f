"""The Atlas: typed, cross-referenced records. Built by `validate`, read by every later stage."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Optional

PROVINCES = {"beijing": ("北京", "Beijing"), "tianjin": ("天津", "Tianjin"),
             "hebei": ("河北", "Hebei"), "jjj": ("京津冀", "Beijing-Tianjin-Hebei")}


class _Compact:
    """Pickled as its class and its fields' values, rebuilt by __init__. A slotted
    dataclass otherwise pickles through Python functions that list its fields on every
    object, both ways: three times slower for the thousands of records a forked reader
    hands back (validate.py)."""

    __slots__ = ()

    def __reduce__(self):
        kind = type(self)
        values = _VALUES.get(kind)
        if values is None:
            names = [f.name for f in fields(kind)]
            values = _VALUES[kind] = attrgetter(*names) if len(names) > 1 \
                else (lambda record: (getattr(record, names[0]),))
        return kind, values(self)


_VALUES: dict[type, object] = {}


@dataclass(frozen=True, slots=True)
class Where(_Compact):
    """Where a value came from, so later stages can point at it."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Location(_Compact):
    lat: float          # WGS-84, whatever datum the content gave
    lon: float
    precision: str      # exact | park | district | city
    datum_given: str    # wgs84 | gcj02
    note: str
    inherited_from: str = ""   # "park:<id>" or "district:<id>" when not the record's own


@dataclass(slots=True)
class Fact(_Compact):
    metric: str
    value: float
    unit: str
    kind: str
    source_id: str
    quote: str
    where: Where
    value_max: Optional[float] = None
    qualifier: str = "exact"
    period: str = ""
    as_of: str = ""
    time_inferred: bool = False
    subject: str = ""
    subject_en: str = ""
    note: str = ""
    # filled in by the model
    owner_kind: str = ""
    owner_id: str = ""
    anchor: str = ""


@dataclass(slots=True)
class Headline(_Compact):
    title: str
    title_en: str
    reporters: list[str]


@dataclass(slots=True)
class Source(_Compact):
    id: str
    outlet: str
    outlet_en: str
    date: str
    date_inferred: bool
    date_clue: str
    sections: list[str]
    headlines: list[Headline]
    text_file: str
    text: str
    where: Where
    facts: list[Fact] = field(default_factory=list)       # every fact citing it
    cited_by: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) of records


@dataclass(slots=True)
class Designation(_Compact):
    list: str
    list_en: str
    year: int
    source_id: str
    quote: str


@dataclass(slots=True)
class Person(_Compact):
    name: str
    title: str
    title_en: str
    source_id: str


@dataclass(slots=True)
class Product(_Compact):
    name: str
    name_en: str


@dataclass(slots=True)
class Record(_Compact):
    """Fields shared by clusters, companies and parks."""

    id: str
    name: str
    name_en: str
    aliases: list[str]
    summary: str
    summary_en: str
    facts: list[Fact]
    source_ids: list[str]
    where: Where
    district: str = ""
    location: Optional[Location] = None
    parent_line: int = 0

    kind_name = "record"


@dataclass(slots=True)
class Cluster(Record):
    kind: str = "cluster"
    industry: str = ""
    region: str = ""
    designations: list[Designation] = field(default_factory=list)
    parent: str = ""
    parks: list[str] = field(default_factory=list)
    # derived
    children: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)

    kind_name = "cluster"


@dataclass(slots=True)
class Company(Record):
    role: str = ""
    industry: str = ""
    parent: str = ""
    park: str = ""
    clusters: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    # derived
    subsidiaries: list[str] = field(default_factory=list)
    supplies: list[int] = field(default_factory=list)     # link indexes where it is supplier
    supplied_by: list[int] = field(default_factory=list)  # link indexes where it is customer

    kind_name = "company"


@dataclass(slots=True)
class Park(Record):
    kind: str = ""
    parent: str = ""
    # derived
    children: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)

    kind_name = "park"


@dataclass(slots=True)
class Link(_Compact):
    index: int
    supplier: str
    customer: str
    product: str
    product_en: str
    source_id: str
    quote: str
    facts: list[Fact]
    where: Where
    anchor: str = ""


@dataclass(slots=True)
class Radius(_Compact):
    value: float
    unit: str
    source_id: str
    quote: str
    note: str

    @property
    def km(self) -> float:
        return self.value / 1000 if self.unit == "m" else self.value


@dataclass(slots=True)
class Circle(_Compact):
    id: str
    name: str
    name_en: str
    kind: str
    centre: str
    partners: list[str]
    radii: list[Radius]
    assumed_radius_km: Optional[float]
    assumed_basis: str
    summary: str
    summary_en: str
    facts: list[Fact]
    source_ids: list[str]
    where: Where

    kind_name = "circle"


@dataclass(slots=True)
class District(_Compact):
    id: str
    name: str
    name_en: str
    province: str
    level: str
    lat: float
    lon: float
    boundary: str = ""   # the name of its feature in static/geo (its own name by default)


@dataclass(slots=True)
class Label(_Compact):
    """An entry of a controlled list (metrics, industries)."""

    id: str
    name: str
    name_en: str


@dataclass(slots=True)
class Page(_Compact):
    """A Markdown page (about, methodology)."""

    id: str
    title: str
    title_en: str
    body: str
    where: Where
    body_en: str = ""    # from <id>.en.md beside the page; empty when not translated yet


@dataclass(slots=True)
class Atlas(_Compact):
    sources: dict[str, Source]
    clusters: dict[str, Cluster]
    companies: dict[str, Company]
    parks: dict[str, Park]
    links: list[Link]
    circles: dict[str, Circle]
    districts: dict[str, District]
    metrics: dict[str, Label]
    industries: dict[str, Label]
    pages: dict[str, Page]

    def records(self):
        """Every cluster, company and park, in a stable order."""
        yield from self.clusters.values()
        yield from self.companies.values()
        yield from self.parks.values()

    def all_facts(self):
        for record in self.records():
            yield from record.facts
        for link in self.links:
            yield from link.facts
        for circle in self.circles.values():
            yield from circle.facts

    def record(self, kind: str, ident: str):
        return {"cluster": self.clusters, "company": self.companies, "park": self.parks,
                "circle": self.circles, "source": self.sources}[kind][ident]
