"""The browse pages and the supply page, as data: records grouped by district, industry,
province-level region and role, with counts; vehicle makers' supply networks by tier;
long lists (and the supply links) split into numbered pages, with one pager for all.

Pure functions of the Atlas; the templates only lay the results out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .model import PROVINCES, Atlas, Cluster, Company, District, Fact, Label, Link, Record
from .urls import browse_path, page_path, record_path

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
        return group_path(self.dimension, self.key)

    def count_of(self, kind_name: str) -> int:
        return sum(1 for r in self.records if r.kind_name == kind_name)


def group_path(dimension: str, key: str) -> str:
    """A group's page, or for the unplaced records the dimension's page, where they are listed."""
    return browse_path(dimension, key) if key else browse_path(dimension) + "#unplaced"


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


# --- The supply page of a large atlas, split -----------------------------------------
# Above this many supply links the supply page keeps the counts and the vehicle makers
# (each linked to where its company page already shows its network, not repeated) and
# lists the links on numbered pages of at most this many each: at 30,000 links the one
# page weighed 36 MB.
SUPPLY_PAGE_LINKS = 500
SUPPLY_LINKS_PATHS = "supply/links-{n}.html"


def supply_is_split(link_count: int) -> bool:
    return link_count > SUPPLY_PAGE_LINKS


def supply_page_count(link_count: int) -> int:
    return max(1, -(-link_count // SUPPLY_PAGE_LINKS))


def supply_links_path(number: int) -> str:
    """Site path of page `number` (from 1) of the split supply links."""
    return SUPPLY_LINKS_PATHS.format(n=number)


def supply_link_path(link: Link, link_count: int) -> str:
    """Where a link's row is (with its anchor): the pages list the links in their
    order, so a link keeps its page unless links are added or removed before it."""
    if not supply_is_split(link_count):
        return f"{page_path('supply')}#{link.anchor}"
    return f"{supply_links_path(link.index // SUPPLY_PAGE_LINKS + 1)}#{link.anchor}"


@dataclass(frozen=True)
class Pager:
    """Page `number` of `pages` of a list split into pages: its rows `first` to `last`
    (from 1) of `total`. Page n is at `paths` with n for {n}, except page 1 when
    `first_path` is given (a long list's page 1 stays where the whole list was)."""

    number: int
    pages: int
    total: int
    per_page: int
    paths: str          # also for the supply page's script: where page n is
    first_path: str = ""

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.number * self.per_page, self.total)

    @property
    def indexes(self) -> range:
        return range(self.first - 1, self.last)

    def rows(self, items) -> tuple:
        """This page's part of the whole list `items`."""
        return tuple(items[self.first - 1:self.last])

    def path(self, number: int) -> str:
        return self.first_path if number == 1 and self.first_path else self.paths.format(n=number)

    @property
    def numbers(self) -> list[int | None]:
        """The page numbers the pager links to: the first, the last and two either side
        of this one; None where numbers are left out."""
        wanted = sorted({1, self.pages, *range(max(1, self.number - 2),
                                                 min(self.pages, self.number + 2) + 1)})
        shown: list[int | None] = []
        for n in wanted:
            if shown and n - shown[-1] > 1:
                shown.append(None)
            shown.append(n)
        return shown


def pagers(total: int, per_page: int, paths: str, first_path: str = "") -> tuple[Pager, ...]:
    """The pages of a list of `total` rows, `per_page` on each (at least one page)."""
    count = max(1, -(-total // per_page))
    return tuple(Pager(n, count, total, per_page, paths, first_path) for n in range(1, count + 1))


@dataclass(frozen=True)
class MakerRow:
    """A vehicle maker as the split supply page lists it, made when planning (from every
    link), so that rendering the page looks up only the makers themselves."""

    maker_id: str
    tier1: int
    tier2: int
    links: int
    has_tier2_table: bool   # its company page shows the network table (else its suppliers table)


def maker_rows(all_networks: list[Network]) -> tuple[MakerRow, ...]:
    return tuple(MakerRow(n.maker.id, len(n.suppliers_at(1)), len(n.suppliers_at(2)), len(n.rows),
                          bool(n.tier(INDIRECT))) for n in all_networks)


def network_path(row: MakerRow) -> str:
    """Where a maker's whole network is shown: its company page's network table, or for
    a maker with no tier-2 supplier its suppliers table, which is then the network."""
    return record_path("company", row.maker_id) + ("#supply-network" if row.has_tier2_table
                                                    else "#suppliers")


@dataclass(frozen=True)
class SupplyTotals:
    """What the split supply page shows about every link, made when planning."""

    tier_counts: tuple[tuple[int, int], ...]    # (tier, how many links)
    makers: tuple[MakerRow, ...]
    pages: tuple[Pager, ...]                   # the pages of links


def split_supply_pages(link_count: int) -> tuple[Pager, ...]:
    return pagers(link_count, SUPPLY_PAGE_LINKS, SUPPLY_LINKS_PATHS)


def supply_totals(atlas: Atlas, tiers: dict[int, int]) -> SupplyTotals:
    counts = tuple((tier, sum(1 for t in tiers.values() if t == tier))
                   for tier in (DIRECT, INDIRECT, NOT_VEHICLE))
    return SupplyTotals(counts, maker_rows(networks(atlas)), split_supply_pages(len(atlas.links)))


def supply_links_context(atlas: Atlas, pager: Pager, own_tiers: dict[int, int]) -> dict:
    """A page of the split supply links: only its own links (so a change to a link or a
    company re-renders only the pages that show it)."""
    return dict(links=[atlas.links[i] for i in pager.indexes], link_tiers=own_tiers,
                sort_value=sort_value, pager=pager)


def supply_split_context(atlas: Atlas, totals: SupplyTotals) -> dict:
    """The split supply page itself: the counts, the vehicle makers (each linked to where
    its network is shown) and the pages of links. It looks up only the makers."""
    return dict(tier_counts=dict(totals.tier_counts), link_pages=totals.pages,
                makers=[(row, atlas.companies[row.maker_id]) for row in totals.makers],
                network_path=network_path)


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



# --- Long lists, split into pages ----------------------------------------------------
# Above this many rows a list (the companies, clusters and parks, a browse group, the
# places inside a supply circle's rings) is split into numbered pages. A row of these
# lists weighs 350-750 bytes, so a page stays under about 225 KB however large the atlas
# (at 10,000 companies the companies list alone weighed 3.4 MB) and a phone sorts its
# table at once; the real atlas's longest list (one circle's rings, 245 rows) stays whole.
LIST_PAGE_ROWS = 300
TABLE_OF_KIND = {"cluster": "clusters", "company": "companies", "park": "parks"}


def list_is_split(row_count: int) -> bool:
    return row_count > LIST_PAGE_ROWS


def list_page_paths(path: str) -> str:
    """Where the later pages of the list at `path` are ({n}: the number), e.g.
    `companies/index/page-2.html`: in a folder named after the list's page, so no
    record's page can take the name (a record id holds no '/')."""
    return path.removesuffix(".html") + "/page-{n}.html"


def list_pagers(path: str, row_count: int) -> tuple[Pager, ...]:
    """The pages of the list at `path`: page 1 stays at `path`."""
    return pagers(row_count, LIST_PAGE_ROWS, list_page_paths(path), path)


def record_refs(records) -> tuple[tuple[str, str], ...]:
    """(kind, id) of each record: what a page of a list is given, so that a change to
    a record it does not show leaves it as it is."""
    return tuple((r.kind_name, r.id) for r in records)


def looked_up(atlas: Atlas, refs) -> list[Record]:
    return [getattr(atlas, TABLE_OF_KIND[kind])[ident] for kind, ident in refs]


@dataclass(frozen=True)
class GroupCount:
    """A browse group as a page of a split list names it (its name, page and counts),
    made when planning, so that showing it looks up none of its records."""

    dimension: str
    key: str
    name: str
    name_en: str
    count: int
    kind_counts: tuple[tuple[str, int], ...]

    @property
    def path(self) -> str:
        return group_path(self.dimension, self.key)

    def count_of(self, kind_name: str) -> int:
        return dict(self.kind_counts).get(kind_name, 0)


def group_count(group: Group) -> GroupCount:
    return GroupCount(group.dimension, group.key, group.name, group.name_en, group.count,
                      tuple((kind, group.count_of(kind)) for kind in KIND_ORDER))


def company_order(atlas: Atlas) -> list[Company]:
    """The companies in the order of their list: by role as the role list gives them, then id."""
    return [c for g in groups(atlas, "role") for c in g.records]


def cluster_order(atlas: Atlas) -> list[Cluster]:
    """The clusters in the order of their list: by kind (as Jinja's sort, which keeps
    the atlas's order among equals)."""
    return sorted(atlas.clusters.values(), key=lambda c: c.kind.lower())


def park_order(atlas: Atlas) -> list:
    return sorted(atlas.parks.values(), key=lambda p: p.name_en.lower())


def companies_page_context(atlas: Atlas, role_groups: tuple[GroupCount, ...], pager: Pager,
                           refs: tuple) -> dict:
    """A page of the split companies list: every role with its count (made when
    planning), and only this page's companies."""
    return dict(browse_links=dimension_links(), sort_value=sort_value, role_groups=role_groups,
                companies=looked_up(atlas, refs), pager=pager)


def clusters_page_context(atlas: Atlas, pager: Pager, refs: tuple) -> dict:
    """A page of the split clusters list (page 1 also draws the charts comparing every cluster)."""
    return dict(browse_links=dimension_links(), sort_value=sort_value,
                clusters=looked_up(atlas, refs), pager=pager)


def parks_page_context(atlas: Atlas, pager: Pager, refs: tuple) -> dict:
    return dict(browse_links=dimension_links(), parks=looked_up(atlas, refs), pager=pager)


def group_page_context(atlas: Atlas, group: GroupCount, pager: Pager, refs: tuple) -> dict:
    """A page of a split browse group: the group's counts (made when planning) and only
    this page's records."""
    return dict(dimension=group.dimension, group=group, index_path=browse_path(""),
                dimension_path=browse_path(group.dimension),
                rows=[record_row(r, atlas) for r in looked_up(atlas, refs)], pager=pager)
