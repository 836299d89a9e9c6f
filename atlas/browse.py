"""The browse pages and the supply page, as data: records grouped by district, industry,
province-level region and role, with counts; vehicle makers' supply networks by tier.

Pure functions of the Atlas; the templates only lay the results out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .model import PROVINCES, Atlas, Cluster, Company, District, Fact, Label, Link, Record
from .urls import browse_path

DIMENSIONS = ("district", "industry", "province", "role")
KIND_ORDER = {"cluster": 0, "company": 1, "park": 2}

# Tier of a supply link, seen from the vehicle maker at the end of the chain.
DIRECT = 1        # the customer is a vehicle maker
INDIRECT = 2      # the customer itself supplies a vehicle maker
NOT_VEHICLE = 0   # no vehicle maker within two steps (batteries, hospitals, ...)

# Magnitude prefixes of the units the articles print (亿元, 万辆, 千瓦 ...), so that a
# column sorts on the quantity: 1.2 亿元 is more than 5000 万元.
_UNIT_SCALE = (("亿", 1e8), ("万", 1e4), ("千", 1e3))


@dataclass(frozen=True)
class Group:
    """The records one browse page lists: every record of one district, industry,
    province-level region or role. `key` is "" for the records the dimension cannot
    place (no district given, say)."""

    dimension: str
    key: str
    name: str
    name_en: str
    records: tuple[Record, ...]

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def path(self) -> str:
        """Its page, or for the unplaced records the dimension's page, where they are listed."""
        return browse_path(self.dimension, self.key) if self.key \
            else browse_path(self.dimension) + "#unplaced"

    def count_of(self, kind_name: str) -> int:
        return sum(1 for r in self.records if r.kind_name == kind_name)


def province_of(record: Record, atlas: Atlas) -> str:
    """A cluster's stated region (it may be 'jjj', all three), else its district's province."""
    if isinstance(record, Cluster) and record.region:
        return record.region
    district = atlas.districts.get(record.district)
    return district.province if district else ""


def covered(atlas: Atlas, dimension: str) -> list[Record]:
    """The records a dimension sorts: parks have no industry, only companies have a role."""
    if dimension == "industry":
        return [*atlas.clusters.values(), *atlas.companies.values()]
    if dimension == "role":
        return list(atlas.companies.values())
    return list(atlas.records())


def key_of(record: Record, atlas: Atlas, dimension: str) -> str:
    if dimension == "district":
        return record.district if record.district in atlas.districts else ""
    if dimension == "province":
        return province_of(record, atlas)
    if dimension == "industry":
        return getattr(record, "industry", "")
    return getattr(record, "role", "")


def _labels(atlas: Atlas, dimension: str) -> dict[str, tuple[str, str]]:
    """Every key of a dimension in display order, with its Chinese and English name."""
    from .plan import ROLE_LABELS   # plan imports this module to plan the pages
    if dimension == "district":
        provinces = list(PROVINCES)
        districts = sorted(atlas.districts.values(),
                           key=lambda d: (provinces.index(d.province) if d.province in provinces
                                          else len(provinces)))
        return {d.id: (d.name, d.name_en) for d in districts}
    if dimension == "industry":
        return {i.id: (i.name, i.name_en) for i in atlas.industries.values()}
    if dimension == "province":
        return dict(PROVINCES)
    return dict(ROLE_LABELS)


def _record_order(record: Record) -> tuple:
    return (KIND_ORDER.get(record.kind_name, 9), record.id)


def groups(atlas: Atlas, dimension: str) -> list[Group]:
    """The non-empty groups of a dimension in display order (provinces, then districts
    within each; industries and roles as their lists give them), then the records it
    cannot place, if any, as a group with key ""."""
    members: dict[str, list[Record]] = {}
    for record in covered(atlas, dimension):
        members.setdefault(key_of(record, atlas, dimension), []).append(record)
    labels = _labels(atlas, dimension)
    found = [Group(dimension, key, name, name_en, tuple(sorted(members[key], key=_record_order)))
             for key, (name, name_en) in labels.items() if members.get(key)]
    unplaced = [r for key, records in members.items() if key not in labels for r in records]
    if unplaced:
        found.append(Group(dimension, "", "", "", tuple(sorted(unplaced, key=_record_order))))
    return found


def group_pages(atlas: Atlas) -> list[Group]:
    """Every group that gets a page of its own (the unplaced ones are listed on the
    dimension's index page instead)."""
    return [g for dimension in DIMENSIONS for g in groups(atlas, dimension) if g.key]


# --- Sorting figures ---------------------------------------------------------------

def unit_scale(unit: str) -> float:
    for prefix, scale in _UNIT_SCALE:
        if unit.startswith(prefix) and len(unit) > 1:
            return scale
    return 1.0


def sort_value(facts: list[Fact]) -> str:
    """The number a table column sorts a cell by: the first figure the cell shows, scaled
    by its unit's magnitude ('' when the cell shows no figure, so it sorts last).
    The cell itself still shows every figure, with its source."""
    if not facts:
        return ""
    fact = facts[0]
    value = fact.value * unit_scale(fact.unit)
    return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.0f}"


# --- Supply relations ---------------------------------------------------------------

def is_maker(company: Company) -> bool:
    return company.role == "vehicle-maker"


def link_tier(link: Link, atlas: Atlas, supplies_a_maker: set[str] | None = None) -> int:
    """DIRECT when the customer is a vehicle maker, INDIRECT when the customer supplies
    one, else NOT_VEHICLE."""
    customer = atlas.companies[link.customer]
    if is_maker(customer):
        return DIRECT
    if supplies_a_maker is None:
        supplies_a_maker = maker_suppliers(atlas)
    return INDIRECT if customer.id in supplies_a_maker else NOT_VEHICLE


def maker_suppliers(atlas: Atlas) -> set[str]:
    """Every company that delivers to a vehicle maker directly."""
    return {link.supplier for link in atlas.links if is_maker(atlas.companies[link.customer])}


def link_tiers(atlas: Atlas) -> dict[int, int]:
    """Every link's tier, by link index."""
    direct = maker_suppliers(atlas)
    return {link.index: link_tier(link, atlas, direct) for link in atlas.links}


@dataclass(frozen=True)
class NetworkRow:
    """One supply link inside a maker's network: tier 1 delivers to the maker, tier 2
    delivers to a tier-1 supplier (`via`)."""

    link: Link
    tier: int
    via: str = ""


@dataclass(frozen=True)
class Network:
    """A vehicle maker, its suppliers, and their suppliers, as the articles state them."""

    maker: Company
    rows: tuple[NetworkRow, ...]

    def tier(self, n: int) -> list[NetworkRow]:
        return [row for row in self.rows if row.tier == n]

    def suppliers_at(self, n: int) -> list[str]:
        """The distinct companies supplying at tier n."""
        return sorted({row.link.supplier for row in self.tier(n)})

    @property
    def suppliers(self) -> list[str]:
        """Every company supplying the maker directly or through a tier-1 supplier."""
        return sorted({row.link.supplier for row in self.rows})

    @property
    def members(self) -> list[str]:
        return sorted({self.maker.id, *self.suppliers})

    @property
    def link_indexes(self) -> list[int]:
        return [row.link.index for row in self.rows]


def maker_network(atlas: Atlas, maker_id: str) -> Network:
    maker = atlas.companies[maker_id]
    first = sorted((atlas.links[i] for i in maker.supplied_by), key=lambda l: (l.supplier, l.index))
    rows = [NetworkRow(link, DIRECT) for link in first]
    seen = {link.index for link in first}
    for tier1 in sorted({link.supplier for link in first}):
        for i in sorted(atlas.companies[tier1].supplied_by):
            link = atlas.links[i]
            if link.index not in seen and link.supplier != maker_id:
                seen.add(link.index)
                rows.append(NetworkRow(link, INDIRECT, via=tier1))
    return Network(maker, tuple(rows))


def networks(atlas: Atlas) -> list[Network]:
    """Every vehicle maker that has at least one stated supplier, most suppliers first."""
    found = [maker_network(atlas, c.id) for c in atlas.companies.values()
             if is_maker(c) and c.supplied_by]
    return sorted(found, key=lambda n: (-len(n.suppliers), n.maker.id))


def link_makers(all_networks: list[Network]) -> dict[int, list[str]]:
    """For each link index, the makers whose network it belongs to (for the page filter)."""
    found: dict[int, list[str]] = {}
    for network in all_networks:
        for index in network.link_indexes:
            found.setdefault(index, []).append(network.maker.id)
    return {index: sorted(ids) for index, ids in found.items()}


def supply_context(atlas: Atlas) -> dict:
    """Everything the supply page shows: every link with its tier and the makers whose
    network it belongs to, and each maker's network."""
    all_networks = networks(atlas)
    tiers = link_tiers(atlas)
    return dict(links=atlas.links, link_tiers=tiers, link_makers=link_makers(all_networks),
                sort_value=sort_value,
                networks=all_networks,
                tier_counts={tier: sum(1 for t in tiers.values() if t == tier)
                             for tier in (DIRECT, INDIRECT, NOT_VEHICLE)})


def company_supply_context(company: Company, atlas: Atlas, tiers: dict[int, int]) -> dict:
    """What a company page adds to its customers and suppliers tables: the tier of each
    of its links (`tiers`: every link's, from link_tiers), and for a vehicle maker its
    network including the tier-2 suppliers."""
    own = {i: tiers[i] for i in (*company.supplies, *company.supplied_by)}
    return dict(link_tiers=own, sort_value=sort_value,
                network=maker_network(atlas, company.id) if is_maker(company) else None)


# --- The browse pages ---------------------------------------------------------------

@dataclass(frozen=True)
class RecordRow:
    """One record as a browse table shows it; None where the record says nothing."""

    record: Record
    type_label: tuple[str, str]           # the cluster kind, company role or park kind
    industry: Optional[Label]
    district: Optional[District]
    province: Optional[tuple[str, str]]


def record_row(record: Record, atlas: Atlas) -> RecordRow:
    from .plan import CLUSTER_KIND_LABELS, PARK_KIND_LABELS, ROLE_LABELS
    if isinstance(record, Company):
        type_label = ROLE_LABELS[record.role]
    elif isinstance(record, Cluster):
        type_label = CLUSTER_KIND_LABELS[record.kind]
    else:
        type_label = PARK_KIND_LABELS[record.kind]
    return RecordRow(record, type_label, atlas.industries.get(getattr(record, "industry", "")),
                     atlas.districts.get(record.district),
                     PROVINCES.get(province_of(record, atlas)))


def dimension_links() -> list[tuple[str, str]]:
    """(dimension, page path) of every dimension, for the list pages to link to."""
    return [(d, browse_path(d)) for d in DIMENSIONS]


def list_page_context(atlas: Atlas, kind: str) -> dict:
    """What the clusters, companies and parks list pages add: links to the browse pages,
    the figures' sort keys, and for companies the role groups with their counts."""
    extra = dict(browse_links=dimension_links(), sort_value=sort_value)
    if kind == "company":
        extra["role_groups"] = groups(atlas, "role")
    return extra


def browse_index_context(atlas: Atlas) -> dict:
    return dict(dimensions=[dict(id=d, path=browse_path(d), groups=groups(atlas, d),
                                 total=len(covered(atlas, d))) for d in DIMENSIONS])


def dimension_context(atlas: Atlas, dimension: str) -> dict:
    found = groups(atlas, dimension)
    unplaced = [g for g in found if not g.key]
    return dict(dimension=dimension, index_path=browse_path(""),
                groups=[g for g in found if g.key],
                total=len(covered(atlas, dimension)),
                unplaced=[record_row(r, atlas) for r in unplaced[0].records] if unplaced else [])


def group_context(atlas: Atlas, group: Group) -> dict:
    return dict(dimension=group.dimension, group=group, index_path=browse_path(""),
                dimension_path=browse_path(group.dimension),
                rows=[record_row(r, atlas) for r in group.records])

