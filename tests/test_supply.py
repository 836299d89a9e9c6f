"""The supply chain: every stated relation on the supply page with its quote cited, by
tier, with share and delivery time ("not reported" where the article gives none); each
vehicle maker's network with its tier-2 suppliers; the filter by vehicle maker on the
supply page and on the map, in a real Chromium."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from atlas import Project, browse
from atlas.maps import located
from atlas.urls import record_path
from browser_kit import needs_chromium
from test_browse import linked_ids, read_page
from browser_kit import PageWatch

ROOT = Path(__file__).resolve().parent.parent
MERCEDES = "beijing-benz"   # content/companies/beijing-benz.yaml: 北京奔驰, Mercedes-Benz's Beijing plant


@pytest.fixture(scope="module")
def stated_links() -> list[dict]:
    """content/links.yaml as written, read without the atlas's own loader."""
    return yaml.safe_load((ROOT / "content/links.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def atlas():
    from atlas import load_atlas
    return load_atlas(Project(ROOT))


def _roles() -> dict[str, str]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))["role"]
            for p in (ROOT / "content/companies").glob("*.yaml")}


def test_mercedes_network_is_its_suppliers_and_their_suppliers(atlas, stated_links):
    tier1 = {l["supplier"] for l in stated_links if l["customer"] == MERCEDES}
    tier2 = {l["supplier"] for l in stated_links if l["customer"] in tier1} - {MERCEDES}
    network = browse.maker_network(atlas, MERCEDES)
    assert set(network.suppliers_at(1)) == tier1
    assert set(network.suppliers_at(2)) == tier2
    assert tier2, "the content names tier-2 suppliers of Beijing Benz (Taizheng's core suppliers)"
    via = {row.link.supplier: row.via for row in network.tier(2)}
    assert all(via[s] in tier1 for s in tier2)
    assert len(network.rows) == sum(1 for l in stated_links
                                    if l["customer"] == MERCEDES or l["customer"] in tier1)


def test_link_tier_follows_the_customer(atlas, stated_links):
    roles = _roles()
    makers = {c for c, r in roles.items() if r == "vehicle-maker"}
    supplies_maker = {l["supplier"] for l in stated_links if l["customer"] in makers}
    tiers = browse.link_tiers(atlas)
    for index, link in enumerate(stated_links):
        expected = 1 if link["customer"] in makers else 2 if link["customer"] in supplies_maker else 0
        assert tiers[index] == expected, link


def test_networks_cover_every_maker_with_a_supplier(atlas, stated_links):
    makers = {c for c, r in _roles().items() if r == "vehicle-maker"}
    supplied = {l["customer"] for l in stated_links} & makers
    assert {n.maker.id for n in browse.networks(atlas)} == supplied


def _figure_text(link: dict, metric: str) -> str | None:
    facts = [f for f in link.get("facts", []) if f["metric"] == metric]
    return f"{facts[0]['value']:g}" if facts else None


def test_supply_page_lists_every_stated_link_with_its_quote_cited(built_site, stated_links):
    page = read_page(built_site / "supply.html")
    table = next(t for t in page.tables if t.attrs.get("id") == "all-links-table")
    heads = [c.text.strip() for c in table.head[0]]
    assert heads == ["供应商", "客户", "层级", "产品", "份额", "运输时间", "其他数据"]
    assert len(table.body) == len(stated_links)
    rows = {(linked_ids(cells[0], "companies")[0], linked_ids(cells[1], "companies")[0],
             cells[3].text.split("[")[0].strip()): cells for _, cells in table.body}
    for link in stated_links:
        cells = rows[(link["supplier"], link["customer"], link["product"])]
        notes = [h.split("#")[1] for h in cells[3].hrefs if "#note-" in h]
        assert len(notes) == 1 and link["quote"] in page.notes[notes[0]], link
        for metric, column in (("share", 4), ("delivery_time", 5)):
            value = _figure_text(link, metric)
            if value is None:
                assert cells[column].text.strip() == "未报道", (link, metric)
            else:
                assert value in cells[column].text and cells[column].attrs["data-sort"], (link, metric)


def test_filter_is_an_enhancement_and_every_network_has_its_own_section(built_site, atlas):
    text = (built_site / "supply.html").read_text(encoding="utf-8")
    page = read_page(built_site / "supply.html")
    # Without the script the filter would do nothing, so it starts hidden; the sections stay.
    assert re.search(r'<form class="maker-filter"[^>]*\shidden>', text)
    for network in browse.networks(atlas):
        assert f"maker-{network.maker.id}" in page.ids
    mercedes = next(t for t in page.tables if "network-table" in t.attrs.get("class", "")
                    and "北京奔驰" in t.caption)
    suppliers = {linked_ids(cells[0], "companies")[0] for _, cells in mercedes.body}
    assert suppliers == set(browse.maker_network(atlas, MERCEDES).suppliers)
    districts = {cells[6].text.strip() for _, cells in mercedes.body}
    assert "武清区" in districts   # "who supplies Mercedes-Benz from Wuqing" has an answer


def test_company_tables_show_tier_share_and_delivery_time(built_site, stated_links):
    supplier = "aorui-auto-parts-tianjin"
    page = read_page(built_site / record_path("company", supplier))
    table = next(t for t in page.tables if [c.text.strip() for c in t.head[0]][:1] == ["客户"])
    assert [c.text.strip() for c in table.head[0]] == ["客户", "层级", "产品", "份额", "运输时间", "其他数据"]
    mine = [l for l in stated_links if l["supplier"] == supplier]
    assert len(table.body) == len(mine)
    for _, cells in table.body:
        customer = linked_ids(cells[0], "companies")[0]
        link = next(l for l in mine if l["customer"] == customer)
        for metric, column in (("share", 3), ("delivery_time", 4)):
            value = _figure_text(link, metric)
            assert (value in cells[column].text) if value else cells[column].text.strip() == "未报道"
    maker_page = read_page(built_site / record_path("company", MERCEDES))
    assert "supply-network" in maker_page.ids


# --- In Chromium -------------------------------------------------------------------------

@needs_chromium
def test_choosing_mercedes_shows_only_its_supply_network(server, browser, atlas):
    network = browse.maker_network(atlas, MERCEDES)
    watch = PageWatch(browser, server)
    try:
        watch.open("supply.html")
        page = watch.page
        all_rows = page.locator("#all-links-table tbody tr").count()
        page.select_option("#maker-select", MERCEDES)
        visible = page.eval_on_selector_all(
            "#all-links-table tbody tr",
            "rows => rows.filter(r => r.offsetParent !== null).map(r => "
            "Array.from(r.cells[0].querySelectorAll('a'), a => a.getAttribute('href')).concat("
            "Array.from(r.cells[1].querySelectorAll('a'), a => a.getAttribute('href'))))")
        assert len(visible) == len(network.rows) < all_rows
        suppliers = {hrefs[0].split("/")[-1][:-5] for hrefs in visible}
        customers = {hrefs[1].split("/")[-1][:-5] for hrefs in visible}
        assert suppliers == set(network.suppliers)
        assert customers <= set(network.members)
        sections = page.eval_on_selector_all(
            "section[data-maker]", "s => s.filter(x => !x.hidden).map(x => x.dataset.maker)")
        assert sections == [MERCEDES]
        assert "北京奔驰" in page.locator(".filter-status").inner_text()
        assert page.locator(".filter-map").get_attribute("href").endswith(f"map.html?maker={MERCEDES}")
        # Back to everything.
        page.select_option("#maker-select", "")
        assert page.eval_on_selector_all("#all-links-table tbody tr",
                                         "rows => rows.filter(r => !r.hidden).length") == all_rows
        # The address preselects a maker.
        watch.open(f"supply.html?maker={MERCEDES}")
        assert page.locator("#maker-select").input_value() == MERCEDES
        assert page.eval_on_selector_all("#all-links-table tbody tr",
                                         "rows => rows.filter(r => !r.hidden).length") == len(network.rows)
        assert not watch.errors and not watch.outside
    finally:
        watch.close()


def _marker_names(page) -> list[str]:
    return page.evaluate("""() => {
        const names = [];
        for (const key of Object.keys(window)) {
            const v = window[key];
            if (v && v instanceof L.MarkerClusterGroup)
                v.eachLayer(m => names.push(m.atlasPath));
        }
        return names.sort();
    }""")


@needs_chromium
def test_map_with_the_maker_filter_shows_only_that_network(server, browser, atlas):
    network = browse.maker_network(atlas, MERCEDES)
    expected = sorted(record_path("company", c) for c in network.members
                      if atlas.companies[c].location)
    watch = PageWatch(browser, server)
    try:
        watch.open(f"map.html?maker={MERCEDES}")
        page = watch.page
        page.wait_for_selector(".map-network-notice")
        assert _marker_names(page) == expected
        lines = page.evaluate("""() => {
            const maps = new Set(Object.values(window).filter(v => v instanceof L.Map));
            let n = 0;
            maps.forEach(map => map.eachLayer(l => { if (l instanceof L.Polyline
                && !(l instanceof L.Polygon) && l.getTooltip && l.getTooltip()) n += 1; }));
            return n;
        }""")
        def drawable(link):
            a, b = atlas.companies[link.supplier].location, atlas.companies[link.customer].location
            return a and b and (a.lat, a.lon) != (b.lat, b.lon)
        assert lines == sum(1 for row in network.rows if drawable(row.link)) > 0
        # Without the filter, the map shows everything.
        watch.open("map.html")
        assert len(_marker_names(watch.page)) == len(located(atlas))
        assert watch.page.locator(".map-network-notice").count() == 0
        assert not watch.errors and not watch.outside
    finally:
        watch.close()
