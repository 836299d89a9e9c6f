"""Stage 4, plan: decide every page of the site in one place: its path, template and context."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Callable

from . import browse, maps, tracking
from .i18n import DEFAULT, LANGUAGES, lang_path
from .model import Atlas, Circle, Cluster, Company, Fact, Park, Record
from .urls import browse_path, page_path, record_path, section_path


@dataclass(frozen=True)
class PlannedPage:
    """One page to render. Its context is made when the page is rendered (in a render
    worker, so planning stays cheap and the parent small), by `make_context`, or given
    as a dict for pages whose context costs nothing."""

    path: str
    template: str
    make_context: Callable[[], dict] | dict
    lang: str = DEFAULT

    @property
    def context(self) -> dict:
        if isinstance(self.make_context, dict):
            return self.make_context
        return _made(self.make_context)


_last_made: tuple = (None, None, ())


def _made(make: Callable[[], dict]) -> dict:
    """The context `make` returns, made once for the consecutive pages that share it
    (one page in each language): only the last one is kept. What making it looked up
    in the atlas counts as looked up by every page that uses it."""
    global _last_made
    if _last_made[0] is not make:
        with tracking.Watch() as looked_up:
            context = make()
        _last_made = (make, context, frozenset(looked_up))
    tracking.note_again(_last_made[2])
    return _last_made[1]


def in_every_language(pages: list[PlannedPage]) -> list[PlannedPage]:
    """Each planned page once per language (English under en/), one after the other, so
    both are rendered from one context made once."""
    return [replace(page, path=lang_path(lang, page.path), lang=lang)
            for page in pages for lang in LANGUAGES]


# A company's role in both languages (singular: it names what one company is).
ROLE_LABELS = {
    "vehicle-maker": ("整车企业", "Vehicle maker"),
    "tier1-supplier": ("一级供应商", "Tier-1 supplier"),
    "tier2-supplier": ("二级供应商", "Tier-2 supplier"),
    "supplier": ("零部件供应商（层级未说明）", "Supplier (tier not stated)"),
    "manufacturer": ("制造企业", "Manufacturer"),
    "research-institute": ("研究机构", "Research institute"),
    "university": ("高校", "University"),
    "bank": ("银行", "Bank"),
    "investor": ("投资机构", "Investor"),
    "platform": ("平台", "Platform"),
    "hospital": ("医院", "Hospital"),
    "government": ("政府部门", "Government body"),
    "association": ("协会", "Association"),
    "other": ("其他", "Other"),
}
CLUSTER_KIND_LABELS = {"cluster": ("产业集群", "Cluster"), "programme": ("集群计划", "Programme"),
                       "chain": ("产业链", "Industry chain"), "industry": ("区域产业", "Regional industry")}
PARK_KIND_LABELS = {"industrial-park": ("产业园", "Industrial park"),
                    "science-park": ("科技园", "Science park"),
                    "development-zone": ("开发区", "Development zone"),
                    "new-town": ("产业新城", "Industrial new town"),
                    "bonded-zone": ("保税区", "Bonded zone"),
                    "business-district": ("商务区", "Business district"),
                    "port": ("港口", "Port"), "base": ("基地", "Base")}


# Up to this many places the map page lists every one (and what lies in each circle)
# beneath the map; beyond it the page would weigh megabytes on a phone, and the
# browse pages list them instead.
MAP_PLACE_LIST_LIMIT = 500

# Above this many clusters (sources) the home page shows only the largest clusters (the
# newest sources) and links to the whole list: at 500 clusters and 200 sources its
# table, their notes and the sources weighed 550 KB. Above this many disagreements the
# about page links to their own list pages (browse.LIST_PAGE_ROWS a page) instead of
# listing them: at 862 they weighed 720 KB with their notes. The real atlas (32
# clusters, 5 sources, 2 disagreements) stays under all three.
HOME_CLUSTERS = 40
HOME_SOURCES = 10
ABOUT_DISAGREEMENTS = 50


def facts_of(record: Record, metric: str, kind: str = "actual") -> list[Fact]:
    """Every fact of one metric, all sources kept (a table cell shows each, never one picked)."""
    return [f for f in record.facts if f.metric == metric and f.kind == kind]


def disagreements(atlas: Atlas) -> list[list[Fact]]:
    """Groups of facts about the same thing (record, metric, subject) from different
    sources with different values: the site shows every one of them side by side."""
    groups: dict[tuple, list[Fact]] = {}
    for fact in atlas.all_facts():
        if fact.owner_kind != "link":
            groups.setdefault((fact.owner_kind, fact.owner_id, fact.metric, fact.subject,
                               fact.kind), []).append(fact)
    found = []
    for facts in groups.values():
        sources = {f.source_id for f in facts}
        values = {(f.value, f.value_max, f.unit, f.qualifier) for f in facts}
        if len(sources) > 1 and len(values) > 1:
            found.append(facts)
    return found


def _company_context(company: Company, atlas: Atlas, path: str, mapper: maps.MapMaker) -> dict:
    supplies = [atlas.links[i] for i in company.supplies]
    supplied_by = [atlas.links[i] for i in company.supplied_by]
    related = [atlas.companies[l.customer] for l in supplies] + \
              [atlas.companies[l.supplier] for l in supplied_by]
    park = atlas.parks.get(company.park)
    return dict(
        record=company, park=park, district=atlas.districts.get(company.district),
        clusters=[atlas.clusters[c] for c in company.clusters],
        parent=atlas.companies.get(company.parent),
        subsidiaries=[atlas.companies[s] for s in sorted(company.subsidiaries)],
        customers=supplies, suppliers=supplied_by,
        map=mapper.small([company], ([park] if park else []) + related, path,
                         supplies + supplied_by))


def _cluster_context(cluster: Cluster, atlas: Atlas, path: str, mapper: maps.MapMaker) -> dict:
    companies = [atlas.companies[c] for c in sorted(cluster.companies)]
    parks = [atlas.parks[p] for p in cluster.parks]
    focus = parks or companies
    return dict(record=cluster, companies=companies, parks=parks,
                parent=atlas.clusters.get(cluster.parent),
                children=[atlas.clusters[c] for c in sorted(cluster.children)],
                district=atlas.districts.get(cluster.district),
                map=mapper.small(focus, companies, path))


def _park_context(park: Park, atlas: Atlas, path: str, mapper: maps.MapMaker) -> dict:
    companies = [atlas.companies[c] for c in sorted(park.companies)]
    children = [atlas.parks[c] for c in sorted(park.children)]
    return dict(record=park, companies=companies, children=children,
                parent=atlas.parks.get(park.parent),
                clusters=[atlas.clusters[c] for c in sorted(park.clusters)],
                circles=[c for c in atlas.circles.values() if c.centre == park.id],
                district=atlas.districts.get(park.district),
                map=mapper.small([park], children + companies, path))


def _circle_context(circle, atlas: Atlas) -> dict:
    rings = [dict(km=km, label=label, stated=stated,
                  inside=maps.places_inside(circle, atlas, km))
             for km, label, stated in maps.circle_rings(circle)]
    return dict(record=circle, centre=atlas.parks.get(circle.centre), rings=rings,
                partners=[atlas.districts[d] for d in circle.partners])


def _circle_pages(circle, atlas: Atlas) -> list[PlannedPage]:
    """A circle's page; above browse.LIST_PAGE_ROWS places inside its rings (counted
    once per ring), numbered pages that list them ring by ring, in order, and page 1
    that also keeps the circle's summary. Each page is given only its own places."""
    path = record_path("circle", circle.id)
    rings = [(km, label, stated, maps.places_inside(circle, atlas, km))
             for km, label, stated in maps.circle_rings(circle)]
    rows = [(n, place.kind_name, place.id, km) for n, ring in enumerate(rings) for place, km in ring[3]]
    if not browse.list_is_split(len(rows)):
        return [PlannedPage(path, "circle.html", partial(_circle_context, circle, atlas))]
    pagers = browse.list_pagers(path, len(rows))
    per_page, start, totals = pagers[0].per_page, 0, []
    for km, label, stated, inside in rings:
        pages = (start // per_page + 1, (start + len(inside) - 1) // per_page + 1) if inside else ()
        totals.append((km, label, stated, len(inside), pages))
        start += len(inside)
    return [PlannedPage(pager.path(pager.number), "circle.html",
                        partial(_circle_page_context, circle, atlas, tuple(totals), pager, pager.rows(rows)))
            for pager in pagers]


def _circle_page_context(circle, atlas: Atlas, rings: tuple, pager: browse.Pager, rows: tuple) -> dict:
    """A page of a split circle: every ring with its count and the pages that list its
    places (made when planning), and only this page's places; page 1 also the summary."""
    mine: dict[int, list] = {}
    for ring, kind, ident, km in rows:
        mine.setdefault(ring, []).append((browse.looked_up(atlas, [(kind, ident)])[0], km))
    context = dict(record=circle, pager=pager,
                   rings=[dict(km=km, label=label, stated=stated, inside=mine.get(n, []),
                               total=count, pages=pages)
                          for n, (km, label, stated, count, pages) in enumerate(rings)])
    if pager.number == 1:
        context.update(centre=atlas.parks.get(circle.centre),
                       partners=[atlas.districts[d] for d in circle.partners])
    return context


def links_by_source(atlas: Atlas) -> dict[str, list]:
    found: dict[str, list] = {}
    for link in atlas.links:
        found.setdefault(link.source_id, []).append(link)
    return found


def _source_context(source, atlas: Atlas, links: list) -> dict:
    """`links`: the supply links this source states."""
    by_owner: dict[tuple[str, str], list[Fact]] = {}
    for fact in source.facts:
        by_owner.setdefault((fact.owner_kind, fact.owner_id), []).append(fact)
    records = sorted(set(source.cited_by))
    return dict(record=source, facts_by_owner=sorted(by_owner.items()), links=links,
                records=records)


def _is_headline(cluster: Cluster) -> bool:
    """The region's whole car industry, whose output the home page shows first."""
    return cluster.kind == "industry" and cluster.region == "jjj"


def _home_context(atlas: Atlas, mapper: maps.MapMaker) -> dict:
    return dict(map=mapper.overview("index.html", collapsed_controls=True),
                sort_value=browse.sort_value,
                headline_clusters=[c for c in atlas.clusters.values() if _is_headline(c)])


def largest_clusters(atlas: Atlas) -> list[Cluster]:
    """The clusters by the largest number of companies an article states for each, most
    first, then by id (those with no such figure last, by id)."""
    def order(cluster: Cluster) -> tuple:
        stated = [f.value * browse.unit_scale(f.unit) for f in facts_of(cluster, "companies")]
        return (not stated, -max(stated, default=0), cluster.id)
    return sorted(atlas.clusters.values(), key=order)


def newest_sources(atlas: Atlas) -> list:
    """The sources by date, newest first, then by id."""
    by_id = sorted(atlas.sources.values(), key=lambda s: s.id)
    return sorted(by_id, key=lambda s: s.date, reverse=True)   # a stable sort: ids stay in order


def _home_page(atlas: Atlas, mapper: maps.MapMaker) -> PlannedPage:
    """The home page. Above HOME_CLUSTERS clusters or HOME_SOURCES sources it shows the
    largest clusters and the newest sources, chosen when planning, so that it looks up
    only the records it shows (the clusters of its headline too)."""
    if len(atlas.clusters) <= HOME_CLUSTERS and len(atlas.sources) <= HOME_SOURCES:
        return PlannedPage("index.html", "home.html", partial(_home_context, atlas, mapper))
    headline = tuple(c.id for c in atlas.clusters.values() if _is_headline(c))
    clusters = largest_clusters(atlas)[:HOME_CLUSTERS] if len(atlas.clusters) > HOME_CLUSTERS \
        else browse.cluster_order(atlas)
    sources = newest_sources(atlas)[:HOME_SOURCES] if len(atlas.sources) > HOME_SOURCES \
        else atlas.sources.values()
    return PlannedPage("index.html", "home.html", partial(
        _home_shown_context, atlas, mapper, headline, tuple(c.id for c in clusters),
        tuple(s.id for s in sources)))


def _home_shown_context(atlas: Atlas, mapper: maps.MapMaker, headline: tuple[str, ...],
                        clusters: tuple[str, ...], sources: tuple[str, ...]) -> dict:
    """The home page of a large atlas: the clusters and sources given (ids), and the
    clusters of its headline; the totals are the tables' lengths."""
    return dict(map=mapper.overview("index.html", collapsed_controls=True),
                sort_value=browse.sort_value,
                headline_clusters=[atlas.clusters[i] for i in headline],
                shown_clusters=[atlas.clusters[i] for i in clusters], shown_sources=sources)


def _map_context(atlas: Atlas, mapper: maps.MapMaker) -> dict:
    return dict(map=mapper.overview(page_path("map")),
                circles=[_circle_context(c, atlas) for c in atlas.circles.values()],
                places=sorted(maps.located(atlas), key=lambda r: (r.kind_name, r.id)),
                place_list_limit=MAP_PLACE_LIST_LIMIT, browse_links=browse.dimension_links(),
                networks=mapper.networks_data(browse.networks(atlas)))


def _text_page_context(page, atlas: Atlas) -> dict:
    extra = dict(disagreements=disagreements(atlas), circles=circles_in_disagreement(atlas)) \
        if page.id == "about" else {}
    return dict(page=page, **extra)


def circles_in_disagreement(atlas: Atlas) -> list:
    """The circles the articles give more than one radius."""
    return [c for c in atlas.circles.values() if len(c.radii) > 1]


def _text_pages(page, atlas: Atlas) -> list[PlannedPage]:
    """A Markdown page. Above ABOUT_DISAGREEMENTS disagreements the about page says how
    many there are and links to their list: numbered pages of browse.LIST_PAGE_ROWS
    (the circles first, as the about page lists them), each given only its own rows."""
    path = page_path(page.id)
    whole = PlannedPage(path, "page.html", partial(_text_page_context, page, atlas))
    if page.id != "about":
        return [whole]
    rows = [*circles_in_disagreement(atlas), *disagreements(atlas)]
    if len(rows) <= ABOUT_DISAGREEMENTS:
        return [whole]
    first = disagreements_path(page.id)
    return [PlannedPage(path, "page.html", partial(_about_split_context, page, len(rows), first))] + \
        [PlannedPage(pager.path(pager.number), "disagreements.html",
                     partial(_disagreements_page_context, page, pager, pager.rows(rows)))
         for pager in browse.list_pagers(first, len(rows))]


def disagreements_path(page_id: str) -> str:
    """Page 1 of the disagreements' list, in a folder named after the page (no record or
    Markdown page can take the name: their ids hold no '/')."""
    return f"{page_id}/disagreements.html"


def _about_split_context(page, count: int, first: str) -> dict:
    return dict(page=page, disagreements_listed=dict(count=count, path=first))


def _disagreements_page_context(page, pager: browse.Pager, rows: tuple) -> dict:
    """A page of the disagreements' list: its circles (with several radii) and groups
    of facts, given when planning."""
    return dict(about=page, about_path=page_path(page.id), pager=pager,
                circles=[r for r in rows if isinstance(r, Circle)],
                disagreements=[r for r in rows if not isinstance(r, Circle)])


def _company_page_context(company: Company, atlas: Atlas, path: str, mapper: maps.MapMaker,
                          tiers: dict[int, int]) -> dict:
    return {**_company_context(company, atlas, path, mapper),
            **browse.company_supply_context(company, atlas, tiers)}


def _supply_pages(atlas: Atlas, tiers: dict[int, int]) -> list[PlannedPage]:
    """The supply page; above browse.SUPPLY_PAGE_LINKS links, the supply page and pages
    of links that each get only their own links' tiers (a page is made again when an
    argument changes, and looks up only the records it shows)."""
    if not browse.supply_is_split(len(atlas.links)):
        return [PlannedPage(page_path("supply"), "supply.html", partial(browse.supply_context, atlas))]
    totals = browse.supply_totals(atlas, tiers)
    return [PlannedPage(page_path("supply"), "supply.html",
                        partial(browse.supply_split_context, atlas, totals))] + \
        [PlannedPage(pager.path(pager.number), "supply_links.html",
                     partial(browse.supply_links_context, atlas, pager,
                             {i: tiers[i] for i in pager.indexes}))
         for pager in totals.pages]


def _list_pages(path: str, template: str, records: list, whole: Callable[[], dict],
                page_context: Callable) -> list[PlannedPage]:
    """The list of `records` at `path`, made by `whole`; above browse.LIST_PAGE_ROWS
    records, numbered pages in the list's order (page 1 at `path`), each made by
    `page_context(pager, its records' refs)` and so looking up only its own records."""
    if not browse.list_is_split(len(records)):
        return [PlannedPage(path, template, whole)]
    refs = browse.record_refs(records)
    return [PlannedPage(pager.path(pager.number), template, partial(page_context, pager, pager.rows(refs)))
            for pager in browse.list_pagers(path, len(records))]


def _section_lists(atlas: Atlas) -> list[PlannedPage]:
    """The clusters, companies and parks lists."""
    role_groups = tuple(browse.group_count(g) for g in browse.groups(atlas, "role"))
    return [
        *_list_pages(section_path("cluster"), "clusters.html", browse.cluster_order(atlas),
                     partial(browse.list_page_context, atlas, "cluster"),
                     partial(browse.clusters_page_context, atlas)),
        *_list_pages(section_path("company"), "companies.html", browse.company_order(atlas),
                     partial(browse.list_page_context, atlas, "company"),
                     partial(browse.companies_page_context, atlas, role_groups)),
        *_list_pages(section_path("park"), "parks.html", browse.park_order(atlas),
                     partial(browse.list_page_context, atlas, "park"),
                     partial(browse.parks_page_context, atlas)),
    ]


def plan_site(atlas: Atlas, mapper: maps.MapMaker) -> list[PlannedPage]:
    """Every page of the site, in a stable order. Contexts are made when rendered."""
    tiers = browse.link_tiers(atlas)
    pages = [
        _home_page(atlas, mapper),
        PlannedPage(page_path("map"), "map.html", partial(_map_context, atlas, mapper)),
        *_supply_pages(atlas, tiers),
        *_section_lists(atlas),
        PlannedPage(section_path("source"), "sources.html", {}),
        PlannedPage("404.html", "404.html", {}),
        # data.html lists the open data's files: planned once they are written (opendata.data_pages)
        PlannedPage(page_path("search"), "search.html", {}),  # site search: atlas/search.py
        PlannedPage(browse_path(""), "browse.html", partial(browse.browse_index_context, atlas)),
    ]
    pages += [PlannedPage(browse_path(d), "browse_dimension.html",
                          partial(browse.dimension_context, atlas, d)) for d in browse.DIMENSIONS]
    for g in browse.group_pages(atlas):
        pages += _list_pages(browse_path(g.dimension, g.key), "browse_group.html", list(g.records),
                             partial(browse.group_context, atlas, g),
                             partial(browse.group_page_context, atlas, browse.group_count(g)))
    for page in atlas.pages.values():
        pages += _text_pages(page, atlas)
    for ident, cluster in atlas.clusters.items():
        path = record_path("cluster", ident)
        pages.append(PlannedPage(path, "cluster.html", partial(_cluster_context, cluster, atlas, path, mapper)))
    for ident, company in atlas.companies.items():
        path = record_path("company", ident)
        # Only its own links' tiers: a page is made again when an argument changes.
        own_tiers = {i: tiers[i] for i in (*company.supplies, *company.supplied_by)}
        pages.append(PlannedPage(path, "company.html",
                                 partial(_company_page_context, company, atlas, path, mapper, own_tiers)))
    for ident, park in atlas.parks.items():
        path = record_path("park", ident)
        pages.append(PlannedPage(path, "park.html", partial(_park_context, park, atlas, path, mapper)))
    for circle in atlas.circles.values():
        pages += _circle_pages(circle, atlas)
    links_of = links_by_source(atlas)
    for ident, source in atlas.sources.items():
        pages.append(PlannedPage(record_path("source", ident), "source.html",
                                 partial(_source_context, source, atlas, links_of.get(ident, []))))
    return in_every_language(pages)
