"""The Atlas: typed, cross-referenced records. Built by `validate`, read by every later stage."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

PROVINCES = {"beijing": ("北京", "Beijing"), "tianjin": ("天津", "Tianjin"),
             "hebei": ("河北", "Hebei"), "jjj": ("京津冀", "Beijing-Tianjin-Hebei")}


@dataclass(frozen=True)
class Where:
    """Where a value came from, so later stages can point at it."""

    path: str
    line: int


@dataclass(frozen=True)
class Location:
    lat: float          # WGS-84, whatever datum the content gave
    lon: float
    precision: str      # exact | park | district | city
    datum_given: str    # wgs84 | gcj02
    note: str
    inherited_from: str = ""   # "park:<id>" or "district:<id>" when not the record's own


@dataclass
class Fact:
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


@dataclass
class Headline:
    title: str
    title_en: str
    reporters: list[str]


@dataclass
class Source:
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


@dataclass
class Designation:
    list: str
    list_en: str
    year: int
    source_id: str
    quote: str


@dataclass
class Person:
    name: str
    title: str
    title_en: str
    source_id: str


@dataclass
class Product:
    name: str
    name_en: str


@dataclass
class Record:
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


@dataclass
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


@dataclass
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


@dataclass
class Park(Record):
    kind: str = ""
    parent: str = ""
    # derived
    children: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)

    kind_name = "park"


@dataclass
class Link:
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


@dataclass
class Radius:
    value: float
    unit: str
    source_id: str
    quote: str
    note: str

    @property
    def km(self) -> float:
        return self.value / 1000 if self.unit == "m" else self.value


@dataclass
class Circle:
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


@dataclass
class District:
    id: str
    name: str
    name_en: str
    province: str
    level: str
    lat: float
    lon: float
    boundary: str = ""   # the name of its feature in static/geo (its own name by default)


@dataclass
class Label:
    """An entry of a controlled list (metrics, industries)."""

    id: str
    name: str
    name_en: str


@dataclass
class Page:
    """A Markdown page (about, methodology)."""

    id: str
    title: str
    title_en: str
    body: str
    where: Where
    body_en: str = ""    # from <id>.en.md beside the page; empty when not translated yet


@dataclass
class Atlas:
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
