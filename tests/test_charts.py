"""Charts drawn at build time: what they compare, that they say it honestly (every value,
its source, one unit per axis), and that they are readable SVG with the same figures in a
table beside them."""
from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from atlas import Project, charts, load_atlas
from atlas.charts import split_unit
from atlas.i18n import load_catalogues
from atlas.resolve import resolve
from atlas.validate import validate
from fixture_atlas import CLUSTER, SOURCE, SOURCE_TXT, SOURCE_YAML, make_content

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>&\"'"
WORDS = {lang: charts.words_from(lang, text)
         for lang, text in load_catalogues(ROOT / "i18n").items()}

# A second article and a second cluster. Its output is given in 万元 by one article and
# in 亿元 by the other, and the two disagree (5000 万元 = 0.5 亿元, not 0.6).
SOURCE2 = "test-2026-01-wuqing"
SOURCE2_TXT = "武清区汽车零部件集群年产值达5000万元，集聚企业35家。\n"
SOURCE_TXT_PLUS = SOURCE_TXT + "武清区汽车零部件集群年产值约0.6亿元。\n"
WUQING = """\
name: 武清区汽车零部件集群
name_en: Wuqing Auto Parts Cluster
kind: cluster
industry: auto-parts
region: tianjin
district: wuqing
summary: 武清区的汽车零部件企业集群。
facts:
  - metric: output
    value: 5000
    unit: 万元
    period: "2025"
    kind: actual
    source: test-2026-01-wuqing
    quote: 年产值达5000万元
  - metric: output
    value: 0.6
    qualifier: about
    unit: 亿元
    period: "2025"
    kind: actual
    source: tjrb-2025-09-clusters
    quote: 武清区汽车零部件集群年产值约0.6亿元
  - metric: companies
    value: 35
    unit: 家
    as_of: "2026-01"
    kind: actual
    source: test-2026-01-wuqing
    quote: 集聚企业35家
sources: [test-2026-01-wuqing, tjrb-2025-09-clusters]
"""
TWO_CLUSTERS = {
    f"sources/{SOURCE}.txt": SOURCE_TXT_PLUS,
    f"sources/{SOURCE2}.yaml": SOURCE_YAML.replace(SOURCE, SOURCE2).replace('"2025-09"', '"2026-01"'),
    f"sources/{SOURCE2}.txt": SOURCE2_TXT,
    "clusters/wuqing-auto-parts.yaml": WUQING,
}
# The fixture cluster with a target beside its actual output, and its output a year earlier.
TARGET = """\
  - metric: output
    value: 37
    unit: 亿元
    period: "2027"
    kind: target
    source: tjrb-2025-09-clusters
    quote: 2027年产值达到37亿元
  - metric: output
    value: 20
    unit: 亿元
    period: "2023"
    kind: actual
    source: tjrb-2025-09-clusters
    quote: 2023年产值20亿元
"""
WITH_PLAN = {
    f"sources/{SOURCE}.txt": SOURCE_TXT + "到2027年产值达到37亿元。2023年产值20亿元。\n",
    "clusters/ninghe-auto-parts.yaml": CLUSTER.replace("sources: [", TARGET + "sources: [", 1),
}


@pytest.fixture(scope="module")
def content_atlas():
    """The real content, loaded without building the site."""
    return load_atlas(Project(ROOT))


def fixture_atlas(tmp_path: Path, changes: dict | None = None):
    return resolve(validate(make_content(tmp_path, changes)))


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def bars_of(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}rect[@class='bar-value']")


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")
            if cls is None or t.get("class") == cls]


def every_chart(atlas):
    found = charts.cluster_comparisons(atlas)
    for record in atlas.records():
        found += charts.record_charts(record)
    return found


# ---- what is compared -----------------------------------------------------------------

def test_real_clusters_are_compared_by_output_and_company_count(content_atlas):
    compared = {(c.metric, c.unit) for c in charts.cluster_comparisons(content_atlas)}
    assert ("output", "亿元") in compared and ("companies", "家") in compared


def test_every_reported_cluster_figure_is_a_bar_and_no_other(content_atlas):
    """Nothing picked: each actual figure of a compared metric is drawn exactly once,
    including both of two sources that disagree."""
    for chart in charts.cluster_comparisons(content_atlas):
        base = split_unit(chart.unit)[1]
        expected = sorted(f.anchor for c in content_atlas.clusters.values() for f in c.facts
                          if f.metric == chart.metric and f.kind == "actual"
                          and split_unit(f.unit)[1] == base)
        assert sorted(b.fact.anchor for b in chart.bars) == expected


def _owners(chart) -> list[str]:
    return list(dict.fromkeys(b.fact.owner_id for b in chart.bars))


def test_a_comparison_of_many_clusters_shows_the_largest_and_says_so(content_atlas, monkeypatch):
    full = max(charts.cluster_comparisons(content_atlas), key=lambda c: len(_owners(c)))
    owners = _owners(full)
    assert len(owners) > 3 and full.reporting == 0   # the real atlas is never cut
    monkeypatch.setattr(charts, "COMPARE_MOST_CLUSTERS", 3)
    cut = next(c for c in charts.cluster_comparisons(content_atlas)
               if (c.metric, c.unit) == (full.metric, full.unit))
    assert _owners(cut) == owners[:3] and cut.reporting == len(owners)
    assert [b.fact.anchor for b in cut.bars] == \
        [b.fact.anchor for b in full.bars if b.fact.owner_id in owners[:3]]
    for lang, said in (("zh", f"{len(owners)} 个集群中最大的 3 个"),
                       ("en", f"the 3 largest of the {len(owners)} clusters")):
        assert said in charts.chart_title(cut, content_atlas, WORDS[lang])
        assert "最大" not in charts.chart_title(full, content_atlas, WORDS[lang])


def test_disagreeing_sources_are_both_drawn_and_labelled(tmp_path):
    atlas = fixture_atlas(tmp_path, TWO_CLUSTERS)
    output = next(c for c in charts.cluster_comparisons(atlas) if c.metric == "output")
    wuqing = [b for b in output.bars if b.fact.owner_id == "wuqing-auto-parts"]
    assert sorted(float(b.value) for b in wuqing) == [0.5, 0.6]
    root = parse(charts.chart_svg(output, atlas, WORDS["zh"]))
    labels = " ".join(texts(root))
    assert "天津日报 2025年9月" in labels and "天津日报 2026年1月" in labels
    assert "约0.6 亿元" in labels and "5000 万元（= 0.5 亿元）" in labels


def test_units_are_never_mixed_on_one_axis(content_atlas, tmp_path):
    atlas = fixture_atlas(tmp_path, TWO_CLUSTERS)
    for chart in every_chart(atlas) + every_chart(content_atlas):
        for bar in chart.bars:
            assert split_unit(bar.fact.unit)[1] == split_unit(chart.unit)[1]
            assert bar.converted == (bar.fact.unit != chart.unit)
            if bar.converted:   # drawn in the chart's unit and labelled so
                assert f"{chart.unit}）" in charts.value_text(bar, chart.unit)
    # 家 and 个 are different units: one cluster each is no comparison at all.
    atlas = fixture_atlas(tmp_path / "b", {**TWO_CLUSTERS, "clusters/wuqing-auto-parts.yaml":
                                           WUQING.replace("unit: 家", "unit: 个")})
    assert [c.metric for c in charts.cluster_comparisons(atlas)] == ["output"]


def test_conversion_between_wan_and_yi_is_exact():
    assert charts.to_unit(410.85, "亿元", "亿元") == charts.Decimal("410.85")
    assert charts.to_unit(1234.5, "万元", "亿元") == charts.Decimal("0.12345")
    assert charts.to_unit(2.3, "万亿元", "亿元") == charts.Decimal("23000")


@pytest.mark.parametrize("text", ["武清区 Auto Parts（2024年）", "abc", "", "产值·Output value 12,000 亿元",
                                  "ｆｕｌｌ　ｗｉｄｔｈ and half", "e\u0301 \u00a0x"])
@pytest.mark.parametrize("size", [13, 14, 13.5])
def test_text_width_is_each_character_added_in_turn(text, size):
    """Labels wrap where the widths add up: the width table must give the very same float
    (same terms, same order) as adding each character's width, or lines would move."""
    expected = 0
    for ch in text:
        expected += size if charts.unicodedata.east_asian_width(ch) in "WF" else size * 0.62
    assert charts.text_width(text, size) == expected


def test_nothing_is_drawn_from_fewer_than_two_values(tmp_path):
    atlas = fixture_atlas(tmp_path)          # one cluster, one figure per metric
    assert charts.cluster_comparisons(atlas) == []
    assert all(charts.record_charts(r) == [] for r in atlas.records())


def test_figures_over_time_keep_one_subject_in_time_order(tmp_path, content_atlas):
    atlas = fixture_atlas(tmp_path, WITH_PLAN)
    [series] = charts.time_series(atlas.clusters["ninghe-auto-parts"])
    assert [float(b.value) for b in series.bars] == [20, 27]       # 2023, then 2024
    assert all(b.fact.kind == "actual" for b in series.bars)
    # Two different things counted at two times are not a series.
    for record in content_atlas.records():
        for chart in charts.time_series(record):
            assert len({b.fact.subject for b in chart.bars}) == 1
            keys = [charts.time_key(b.fact) for b in chart.bars]
            assert keys == sorted(keys) and len(set(keys)) >= 2


def test_target_is_drawn_beside_the_actual_and_looks_different(tmp_path):
    atlas = fixture_atlas(tmp_path, WITH_PLAN)
    [plan] = charts.targets_and_actuals(atlas.clusters["ninghe-auto-parts"])
    root = parse(charts.chart_svg(plan, atlas, WORDS["zh"]))
    target = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar bar-target"]
    actual = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar bar-actual"]
    assert len(target) == 1 and len(actual) == 2
    assert target[0].find(f"{SVG}rect").get("fill").startswith("url(#")     # hatched
    assert not actual[0].find(f"{SVG}rect").get("fill").startswith("url(")
    assert "目标 37 亿元" in texts(target[0]) and any("2027" in t for t in texts(target[0]))
    en = parse(charts.chart_svg(plan, atlas, WORDS["en"]))
    assert any(t.startswith("target ") for t in texts(en, "bar-label"))


# ---- how it is drawn --------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_is_labelled_scalable_svg(content_atlas, lang):
    drawn = every_chart(content_atlas)
    assert len(drawn) >= 5
    for chart in drawn:
        root = parse(charts.chart_svg(chart, content_atlas, WORDS[lang]))
        assert root.get("role") == "img" and root.get("width") == "100%"
        assert re.fullmatch(r"0 0 \d+ [\d.]+", root.get("viewBox"))
        title_id, desc_id = root.get("aria-labelledby").split()
        title = root.find(f"{SVG}title[@id='{title_id}']")
        desc = root.find(f"{SVG}desc[@id='{desc_id}']")
        assert title.text == charts.chart_title(chart, content_atlas, WORDS[lang])
        assert len(desc.text) > len(chart.bars) * 4
        # Text fits inside the drawing: no label runs past the right edge.
        width = float(root.get("viewBox").split()[2])
        for node in root.iter(f"{SVG}text"):
            x, size = float(node.get("x")), float(node.get("font-size"))
            run = charts.text_width(node.text, size)
            left = x - run if node.get("text-anchor") == "end" else x
            assert 0 <= left and left + run <= width + 0.5, node.text
            assert size >= 13


def test_ids_are_unique_across_the_charts_of_a_page(content_atlas):
    keys = [c.key for c in charts.cluster_comparisons(content_atlas)]
    assert len(keys) == len(set(keys))
    for record in content_atlas.records():
        keys = [c.key for c in charts.record_charts(record)]
        assert len(keys) == len(set(keys))


def test_bar_length_is_proportional_to_the_value(content_atlas):
    for chart in every_chart(content_atlas):
        root = parse(charts.chart_svg(chart, content_atlas, WORDS["zh"]))
        rects = root.findall(f".//{SVG}rect[@data-value]")
        top = max(float(r.get("data-value")) for r in rects)
        plot = charts.WIDTH - 2 * charts.PAD
        for rect in rects:
            start = float(rect.get("x")) - charts.PAD
            end = start + float(rect.get("width"))
            assert end == pytest.approx(float(rect.get("data-value")) / top * plot, abs=0.02)
        assert max(float(r.get("x")) + float(r.get("width")) for r in rects) == \
            pytest.approx(charts.PAD + plot, abs=0.02)


def test_a_range_shows_its_upper_end_as_a_dashed_box(content_atlas):
    plan = next(c for c in charts.targets_and_actuals(content_atlas.clusters["ninghe-auto-parts"])
                if c.metric == "companies")
    root = parse(charts.chart_svg(plan, content_atlas, WORDS["zh"]))
    ranges = root.findall(f".//{SVG}rect[@class='bar-range']")
    assert sorted(r.get("data-value") for r in ranges) == ["15", "2"]
    assert all(r.get("stroke-dasharray") for r in ranges)
    assert "目标 1–2 家" in texts(root, "bar-label")


def test_hostile_names_are_escaped(tmp_path):
    changes = dict(TWO_CLUSTERS)
    changes["clusters/wuqing-auto-parts.yaml"] = WUQING.replace(
        "name: 武清区汽车零部件集群", "name: '" + HOSTILE.replace("'", "''") + "'")
    atlas = fixture_atlas(tmp_path, changes)
    output = next(c for c in charts.cluster_comparisons(atlas) if c.metric == "output")
    svg = str(charts.chart_svg(output, atlas, WORDS["zh"]))
    assert "<script" not in svg and "&lt;script&gt;" in svg
    root = parse(svg)                               # still well-formed XML
    assert HOSTILE in texts(root) or any(HOSTILE in t for t in texts(root))
    assert HOSTILE in root.find(f"{SVG}desc").text


def test_english_charts_use_english_names(content_atlas):
    output = next(c for c in charts.cluster_comparisons(content_atlas) if c.metric == "output")
    root = parse(charts.chart_svg(output, content_atlas, WORDS["en"]))
    assert root.find(f"{SVG}title").text == "Output value: clusters compared (CNY 100 million)"
    assert all(not re.search(r"[\u4e00-\u9fff]", t) for t in texts(root, "bar-label"))
    names = {content_atlas.clusters[b.fact.owner_id].name_en for b in output.bars}
    drawn = " ".join(texts(root))
    assert all(name.split()[0] in drawn for name in names)


# ---- on the built pages -----------------------------------------------------------------

FIGURE = re.compile(r'<figure class="chart" id="(chart-[0-9a-f]+)">(.*?)</figure>', re.S)


def chart_figures(page: Path) -> list[tuple[str, str]]:
    """(id, inner HTML) of every chart figure on a built page."""
    return FIGURE.findall(page.read_text(encoding="utf-8"))


def table_rows(figure: str) -> list[str]:
    body = figure.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_clusters_page_shows_each_comparison_with_its_table(built_site, content_atlas):
    text = (built_site / "clusters/index.html").read_text(encoding="utf-8")
    figures = chart_figures(built_site / "clusters/index.html")
    assert len(figures) == len(charts.cluster_comparisons(content_atlas))
    notes = set(re.findall(r'<li id="(note-\d+)"', text))
    for key, figure in figures:
        root = ET.fromstring(re.search(r"<svg .*?</svg>", figure, re.S).group(0))
        assert root.get("aria-labelledby").startswith(key)
        rows = table_rows(figure)
        # The table lists the same figures as the chart, in the same order, each cited.
        values = [html.unescape(re.search(r'<span class="chart-value">(.*?)</span>', r).group(1))
                  for r in rows]
        assert values == [re.sub(r"^(目标|预计) ", "", t) for t in texts(root, "bar-label")]
        for row in rows:
            mark = re.search(r'<sup class="cite"><a href="#(note-\d+)"', row)
            assert mark and mark.group(1) in notes


def test_charts_appear_only_on_records_with_a_series_or_a_target(built_site, content_atlas):
    for record in content_atlas.records():
        folder = {"cluster": "clusters", "company": "companies", "park": "parks"}[record.kind_name]
        figures = chart_figures(built_site / folder / f"{record.id}.html")
        assert len(figures) == len(charts.record_charts(record)), record.id


def test_english_pages_carry_english_charts(built_site, content_atlas):
    page = built_site / "en/clusters/index.html"
    if not page.exists():
        pytest.skip("no English edition in this build")
    figures = chart_figures(page)
    assert figures and "<title" in figures[0][1]
    title = re.search(r"<title [^>]*>(.*?)</title>", figures[0][1]).group(1)
    assert title.startswith("Output value")


# ---- in a browser -------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("ATLAS_REQUIRE_BROWSER"),
                    reason="Debian's chromium is not installed")
def test_charts_fit_a_360_px_phone_and_pass_axe(built_site):
    """At 360 px every chart fits beside the page's padding, its smallest text renders at
    12 px or more, and axe finds nothing serious with the data tables open."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
    pages = ["clusters/index.html", "en/clusters/index.html", "clusters/ninghe-auto-parts.html",
             "parks/binhai-zhongguancun-park.html"]
    axe = Axe()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 360, "height": 740})
        try:
            for path in pages:
                if not (built_site / path).exists():
                    continue
                page.goto((built_site / path).as_uri())
                page.evaluate("document.querySelectorAll('details.chart-data')"
                              ".forEach(d => d.open = true)")
                found = page.evaluate("""() => [...document.querySelectorAll('svg.chart-svg')].map(svg => {
                    const box = svg.getBoundingClientRect();
                    const scale = box.width / svg.viewBox.baseVal.width;
                    const sizes = [...svg.querySelectorAll('text')].map(
                        t => parseFloat(t.getAttribute('font-size')) * scale);
                    const ends = [...svg.querySelectorAll('text')].map(t => {
                        const b = t.getBBox(); return [b.x, b.x + b.width]; });
                    return {left: box.left, right: box.right, smallest: Math.min(...sizes),
                            inside: ends.every(([a, b]) => a >= 0 && b <= svg.viewBox.baseVal.width)};
                })""")
                assert found, path
                for chart in found:
                    assert chart["left"] >= 0 and chart["right"] <= 360, (path, chart)
                    assert chart["smallest"] >= 12, (path, chart)
                    assert chart["inside"], (path, "a label runs past the chart's edge")
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
                violations = [v for v in axe.run(page).response["violations"]
                              if v["impact"] in ("serious", "critical")]
                assert not violations, (path, [(v["id"], v["help"]) for v in violations])
        finally:
            browser.close()
