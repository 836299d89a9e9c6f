"""The validation stage: every way a curator can get the content wrong is reported
as `file:line: message (hint)`, all at once, and a correct tree passes.

Each test breaks the tiny valid tree of fixture_atlas.py in one way and checks the
exact file, line, message and hint. Line numbers refer to the numbered comments
above each file in fixture_atlas.py.
"""
from __future__ import annotations

import time

import pytest

from atlas import geo
from atlas.load import Mapping, Sequence, parse_yaml
from atlas.model import Where
from atlas.problems import ContentError, Problem, Problems
from atlas.validate import validate
from fixture_atlas import (ABOUT, BENZ, BZ, CIRCLES, CLU, DISTRICTS, FILES, HUAXIANG, HX, LINKS,
                           METRICS, PARK, PK, SOURCE, SOURCE_TXT, SRC, edit, make_content,
                           one_problem, problems_of, where)

TXT = f"content/sources/{SOURCE}.txt"
LNK = "content/links.yaml"
CIR = "content/circles.yaml"
DIS = "content/districts.yaml"
MET = "content/metrics.yaml"
ABT = "content/pages/about.md"

C_CLU = "clusters/ninghe-auto-parts.yaml"
C_HX = "companies/tianjin-huaxiang.yaml"
C_BZ = "companies/beijing-benz.yaml"
C_PK = "parks/ninghe-future-tech-city.yaml"
C_SRC = f"sources/{SOURCE}.yaml"
C_TXT = f"sources/{SOURCE}.txt"


def in_file(problems: list[Problem], path: str) -> list[Problem]:
    return [p for p in problems if p.path == path]


def assert_problem(p: Problem, path: str, line: int, *words: str, hint: str | None = None):
    assert (p.path, p.line) == (path, line), str(p)
    for word in words:
        assert word in p.message, f"{word!r} not in {p}"
    if hint is not None:
        assert p.hint == hint, str(p)


# --- the valid fixture -------------------------------------------------------

def test_the_fixture_tree_is_valid_and_read_into_the_expected_records(tmp_path):
    atlas = validate(make_content(tmp_path))

    assert list(atlas.sources) == [SOURCE]
    source = atlas.sources[SOURCE]
    assert (source.outlet, source.outlet_en, source.date) == ("天津日报", "Tianjin Daily", "2025-09")
    assert source.date_inferred is True and source.date_clue == "reports events of September 2025"
    assert source.sections == ["区域热点"]
    assert [(h.title, h.reporters) for h in source.headlines] == [('特色产业集群织密"创新网"', ["宁广靖"])]
    assert source.text_file == f"{SOURCE}.txt" and source.text == SOURCE_TXT
    assert source.where == Where(SRC, 1)

    assert sorted(atlas.districts) == ["ninghe", "wuqing"]
    ninghe = atlas.districts["ninghe"]
    assert (ninghe.name, ninghe.province, ninghe.level, ninghe.lat, ninghe.lon) == \
        ("宁河区", "tianjin", "district", 39.33, 117.82)
    assert list(atlas.metrics) == ["output", "companies", "share"]
    assert atlas.metrics["share"].name == "占比"
    assert list(atlas.industries) == ["auto-parts", "automotive"]

    cluster = atlas.clusters["ninghe-auto-parts"]
    assert list(atlas.clusters) == ["ninghe-auto-parts"]
    assert (cluster.kind, cluster.industry, cluster.region, cluster.district, cluster.parks) == \
        ("cluster", "auto-parts", "tianjin", "ninghe", ["ninghe-future-tech-city"])
    assert cluster.source_ids == [SOURCE] and cluster.parent == ""
    output, companies = cluster.facts
    assert (output.metric, output.value, output.unit, output.period, output.as_of, output.kind,
            output.qualifier, output.quote, output.where) == \
        ("output", 27, "亿元", "2024", "", "actual", "exact", "年产值达27亿元", Where(CLU, 10))
    assert (companies.metric, companies.value, companies.as_of, companies.where) == \
        ("companies", 120, "2025-09", Where(CLU, 17))

    assert sorted(atlas.companies) == ["beijing-benz", "tianjin-huaxiang"]
    huaxiang = atlas.companies["tianjin-huaxiang"]
    assert (huaxiang.role, huaxiang.industry, huaxiang.district, huaxiang.park, huaxiang.clusters,
            huaxiang.aliases, huaxiang.parent) == \
        ("tier1-supplier", "auto-parts", "ninghe", "ninghe-future-tech-city",
         ["ninghe-auto-parts"], ["华翔"], "")
    assert [(p.name, p.name_en) for p in huaxiang.products] == \
        [("白车身结构件", "body-in-white structural parts")]
    loc = huaxiang.location
    assert (loc.lat, loc.lon, loc.precision, loc.datum_given) == (39.33, 117.82, "exact", "wgs84")
    assert atlas.companies["beijing-benz"].location is None

    park = atlas.parks["ninghe-future-tech-city"]
    assert (park.kind, park.district, park.parent) == ("new-town", "ninghe", "")
    # GCJ-02 input is stored as WGS-84, a few hundred metres south-west of what was written.
    expected = geo.gcj02_to_wgs84(39.35, 117.80)
    assert (park.location.lat, park.location.lon) == (round(expected[0], 6), round(expected[1], 6))
    assert park.location.datum_given == "gcj02" and park.location.precision == "park"
    assert 0.1 < geo.distance_km((39.35, 117.80), (park.location.lat, park.location.lon)) < 0.8

    [link] = atlas.links
    assert (link.index, link.supplier, link.customer, link.product, link.source_id, link.where) == \
        (0, "tianjin-huaxiang", "beijing-benz", "白车身结构件", SOURCE, Where(LNK, 1))
    [share] = link.facts
    assert (share.metric, share.value, share.qualifier, share.unit, share.subject) == \
        ("share", 80, "about", "%", "北京奔驰订单占其业务总量")

    circle = atlas.circles["ninghe-parts-circle"]
    assert (circle.kind, circle.centre, circle.partners, circle.source_ids) == \
        ("supply", "ninghe-future-tech-city", ["ninghe", "wuqing"], [SOURCE])
    assert [(r.value, r.unit, r.km, r.quote) for r in circle.radii] == \
        [(50, "km", 50, "周边50公里内可完成配套")]
    assert circle.assumed_radius_km is None

    page = atlas.pages["about"]
    assert (page.title, page.title_en, page.where) == ("关于本图谱", "About the atlas", Where(ABT, 1))
    assert "测试用的图谱" in page.body and "title:" not in page.body


def test_optional_id_field_equal_to_the_file_name_is_accepted(tmp_path):
    atlas = validate(make_content(tmp_path, {C_BZ: BENZ + "id: beijing-benz\n"}))
    assert "beijing-benz" in atlas.companies


def test_a_company_and_a_park_may_share_an_id(tmp_path):
    # Ids are unique per kind: pages live in different sections (companies/, parks/).
    content = make_content(tmp_path, {"companies/ninghe-future-tech-city.yaml": BENZ})
    atlas = validate(content)
    assert "ninghe-future-tech-city" in atlas.companies and "ninghe-future-tech-city" in atlas.parks


# --- reading files: encoding, YAML syntax, shape -----------------------------

@pytest.mark.parametrize("text, line, words", [
    pytest.param(BENZ.replace("name_en:", "  name_en:"), 2,
                 ["YAML syntax error", "mapping values are not allowed"], id="indented-key"),
    pytest.param(HUAXIANG.replace("    name_en: body", "   name_en: body"), 11,
                 ["YAML syntax error"], id="list-item-misindented"),
    pytest.param(BENZ.replace("sources: [tjrb-2025-09-clusters]", "sources: [tjrb-2025-09-clusters")
                 + "extra: 1\n", 6, ["YAML syntax error", "']'"], id="unclosed-bracket"),
])
def test_yaml_syntax_error_is_reported_at_its_line(tmp_path, text, line, words):
    problems = problems_of(make_content(tmp_path, {C_BZ: text}))
    [p] = in_file(problems, BZ)
    assert_problem(p, BZ, line, *words,
                   hint="check indentation, colons and closing quotes on this line and the one before")


def test_unclosed_quote_is_a_syntax_error_and_only_that_file_is_skipped(tmp_path):
    problems = problems_of(make_content(tmp_path, {C_BZ: BENZ.replace("name_en: B", 'name_en: "B')}))
    [p] = in_file(problems, BZ)
    assert "YAML syntax error" in p.message and "end of stream" in p.message
    # The file is skipped; the link to it is then reported (and nothing else).
    assert [(q.path, q.line) for q in problems if q.path != BZ] == [(LNK, 2)]
    assert "unknown company `beijing-benz`" in in_file(problems, LNK)[0].message


def test_unclosed_quote_is_reported_at_the_line_where_the_quote_opens(tmp_path):
    problems = problems_of(make_content(tmp_path, {C_BZ: BENZ.replace("name_en: B", 'name_en: "B')}))
    [p] = in_file(problems, BZ)
    assert_problem(p, BZ, 2, "YAML syntax error")


def test_tab_indentation_is_reported_at_its_line(tmp_path):
    text = HUAXIANG.replace("  - name: 白车身结构件", "\t- name: 白车身结构件")
    problems = problems_of(make_content(tmp_path, {C_HX: text}))
    [p] = in_file(problems, HX)
    assert_problem(p, HX, 10, "tab used for indentation", hint="indent with spaces")


@pytest.mark.parametrize("rel, path, text, line, message", [
    pytest.param(C_BZ, BZ, BENZ + "role: supplier\n", 6,
                 "duplicate key `role` (first given on line 3)", id="top-level"),
    pytest.param(C_HX, HX, edit(C_HX, "  lon: 117.82\n", "  lon: 117.82\n  lat: 39.3\n"), 15,
                 "duplicate key `lat` (first given on line 13)", id="nested"),
])
def test_duplicate_key(tmp_path, rel, path, text, line, message):
    problems = problems_of(make_content(tmp_path, {rel: text}))
    [p] = in_file(problems, path)
    assert_problem(p, path, line, message, hint="remove one of them")


@pytest.mark.parametrize("text, message", [
    ("", "file is empty"),
    ("\n   \n\n", "file is empty"),
    ("# to be written\n", "file holds no data"),
])
def test_empty_file(tmp_path, text, message):
    problems = problems_of(make_content(tmp_path, {"companies/acme.yaml": text}))
    [p] = problems
    assert_problem(p, "content/companies/acme.yaml", 1, message,
                   hint="write the record, or delete the file")


def test_comment_only_file_with_bom_is_reported_as_holding_no_data(tmp_path):
    problems = problems_of(make_content(tmp_path, {"companies/acme.yaml": b"\xef\xbb\xbf# todo\n"}))
    assert [p.message for p in problems] == ["file holds no data",
                                             "file starts with a byte-order mark"]


def test_a_list_where_a_record_mapping_belongs(tmp_path):
    problems = problems_of(make_content(tmp_path, {"companies/acme.yaml": "- name: x\n- role: y\n"}))
    [p] = problems
    assert_problem(p, "content/companies/acme.yaml", 1,
                   "a company file must be a mapping (key: value lines), not a list",
                   hint="see content/README.md for the shape")


def test_a_mapping_where_a_list_file_belongs(tmp_path):
    problems = problems_of(make_content(tmp_path, {"links.yaml": "supplier: tianjin-huaxiang\n"}))
    [p] = problems
    assert_problem(p, LNK, 1, "links.yaml must be a list of supply links (lines starting with `- `)")


@pytest.mark.parametrize("rel, path, old, new, line, message", [
    pytest.param(C_HX, HX, "location:\n  lat: 39.33\n  lon: 117.82\n  datum: wgs84\n"
                 "  precision: exact\n  note: set by hand from the district map\n",
                 "location: [39.33, 117.82]\n", 12,
                 "`location` must be a mapping (key: value lines), not a list", id="location"),
    pytest.param(C_CLU, CLU, "facts:\n  - metric: output", "facts:\n  - output\n  - metric: output",
                 10, "each item of `facts` must be a mapping, not text", id="fact-item"),
    pytest.param("links.yaml", LNK, LINKS, LINKS + "- tianjin-huaxiang supplies beijing-benz\n",
                 17, "each supply link must be a mapping", id="link-item"),
])
def test_wrong_shape_inside_a_record(tmp_path, rel, path, old, new, line, message):
    problems = problems_of(make_content(tmp_path, {rel: edit(rel, old, new)}))
    assert where(problems) == [(path, line)], problems
    assert_problem(problems[0], path, line, message)


def test_text_where_a_list_belongs_hints_at_the_list(tmp_path):
    text = edit(C_BZ, "sources: [tjrb-2025-09-clusters]", "sources: tjrb-2025-09-clusters")
    p = one_problem(make_content(tmp_path, {C_BZ: text}))
    assert_problem(p, BZ, 5, "`sources` must be a list", hint="write `sources: [tjrb-2025-09-clusters]`")


def test_not_utf8_is_reported_with_the_line_of_the_bad_byte(tmp_path):
    data = "role: vehicle-maker\nindustry: automotive\n".encode() + \
        "name: 北京奔驰汽车有限公司\n".encode("gbk") + b"name_en: Beijing Benz\nsources: [x]\n"
    problems = problems_of(make_content(tmp_path, {C_BZ: data}))
    [p] = in_file(problems, BZ)
    assert_problem(p, BZ, 3, "not valid UTF-8 (byte 0xb1)", hint="save the file as UTF-8")


def test_not_utf8_article_text(tmp_path):
    p = one_problem(make_content(tmp_path, {C_TXT: SOURCE_TXT.encode("gb18030")}))
    assert_problem(p, TXT, 1, "not valid UTF-8", hint="save the file as UTF-8")


@pytest.mark.parametrize("rel, path", [(C_BZ, BZ), ("pages/about.md", ABT), (C_TXT, TXT)])
def test_byte_order_mark_is_reported_and_the_file_still_read(tmp_path, rel, path):
    p = one_problem(make_content(tmp_path, {rel: b"\xef\xbb\xbf" + FILES[rel].encode()}))
    assert_problem(p, path, 1, "file starts with a byte-order mark",
                   hint="save it as UTF-8 without BOM")


# --- fields: unknown, missing, empty, wrong type ------------------------------

@pytest.mark.parametrize("rel, path, old, new, line, message, hint", [
    pytest.param(C_BZ, BZ, "name_en:", "nmae_en:", 2, "unknown field `nmae_en` in company",
                 "did you mean `name_en`?", id="company"),
    pytest.param(C_CLU, CLU, "    unit: 亿元", "    units: 亿元", 12,
                 "unknown field `units` in an item of `facts`", "did you mean `unit`?", id="fact"),
    pytest.param(C_SRC, SRC, "outlet_en:", "outlet_english:", 2, "unknown field `outlet_english` "
                 "in source", "did you mean `outlet_en`?", id="source"),
    pytest.param("circles.yaml", CIR, "  partners:", "  partner:", 6,
                 "unknown field `partner` in circle", "did you mean `partners`?", id="circle"),
])
def test_unknown_field_with_did_you_mean(tmp_path, rel, path, old, new, line, message, hint):
    problems = problems_of(make_content(tmp_path, {rel: edit(rel, old, new)}))
    matching = [p for p in problems if "unknown field" in p.message]
    assert len(matching) == 1, problems
    assert_problem(matching[0], path, line, message, hint=hint)


def test_unknown_field_without_a_close_match_lists_the_choices(tmp_path):
    text = edit(C_HX, "  lat: 39.33", "  latitude: 39.33")
    problems = problems_of(make_content(tmp_path, {C_HX: text}))
    assert where(problems) == [(HX, 13), (HX, 13)]
    unknown = next(p for p in problems if "unknown" in p.message)
    missing = next(p for p in problems if "missing" in p.message)
    assert_problem(unknown, HX, 13, "unknown field `latitude` in `location`",
                   hint="expected one of: datum, lat, lon, note, precision")
    assert_problem(missing, HX, 13, "missing field `lat` in `location`")


@pytest.mark.parametrize("rel, path, old, line, message", [
    pytest.param(C_BZ, BZ, "role: vehicle-maker\n", 1, "missing field `role` in company", id="role"),
    pytest.param(C_CLU, CLU, "kind: cluster\n", 1, "missing field `kind` in cluster", id="kind"),
    pytest.param(C_CLU, CLU, "    unit: 亿元\n", 10, "missing field `unit` in an item of `facts`",
                 id="fact-unit"),
    pytest.param(C_SRC, SRC, "text: tjrb-2025-09-clusters.txt\n", 1, "missing field `text` in source",
                 id="source-text"),
    pytest.param("circles.yaml", CIR, "  name_en: Ninghe 50 km supply circle\n", 1,
                 "missing field `name_en` in circle", id="circle-name-en"),
])
def test_missing_required_field(tmp_path, rel, path, old, line, message):
    field = message.split("`")[1]
    p = one_problem(make_content(tmp_path, {rel: edit(rel, old, "")}))
    assert_problem(p, path, line, message, hint=f"add `{field}:`; see content/README.md")


def test_empty_value_is_an_error(tmp_path):
    p = one_problem(make_content(tmp_path, {C_HX: edit(C_HX, "summary: 宁河区的汽车金属部件企业。", "summary:")}))
    assert_problem(p, HX, 18, "field `summary` is empty", hint="give it a value, or remove the line")


def test_empty_sources_list_is_an_error(tmp_path):
    text = edit(C_BZ, "sources: [tjrb-2025-09-clusters]", "sources: []")
    p = one_problem(make_content(tmp_path, {C_BZ: text}))
    assert_problem(p, BZ, 5, "field `sources` is empty")


@pytest.mark.parametrize("bad, hint", [
    ("27亿元", "write `value: 27` and the unit in `unit:`"),
    ("27.5亿元", "write `value: 27.5` and the unit in `unit:`"),
    ("约27亿元", "write the number alone and put the unit in `unit:`"),
])
def test_text_in_a_number_field_hints_at_the_number(tmp_path, bad, hint):
    p = one_problem(make_content(tmp_path, {C_CLU: edit(C_CLU, "value: 27\n", f"value: {bad}\n")}))
    assert_problem(p, CLU, 11, f"`value` must be a number, got text '{bad}'", hint=hint)


def test_number_with_thousands_separator_gets_the_whole_number_as_hint(tmp_path):
    p = one_problem(make_content(tmp_path, {C_CLU: edit(C_CLU, "value: 120\n", "value: 1,200家\n")}))
    assert_problem(p, CLU, 18, "`value` must be a number", hint="write `value: 1200` and the unit in `unit:`")


def test_a_list_in_a_number_field(tmp_path):
    p = one_problem(make_content(tmp_path, {C_HX: edit(C_HX, "lon: 117.82", "lon: [117.82]")}))
    assert_problem(p, HX, 14, "`lon` must be a number, not a list",
                   hint="write the number alone")


@pytest.mark.parametrize("rel, path, old, new, line, message", [
    pytest.param(C_BZ, BZ, "name_en: Beijing Benz Automotive Co., Ltd.", "name_en: no", 2,
                 "`name_en` must be text, not true/false", id="yaml-1.1-no"),
    pytest.param(C_CLU, CLU, "unit: 亿元", "unit: true", 12, "`unit` must be text, not true/false",
                 id="fact-unit"),
    pytest.param(C_HX, HX, "aliases: [华翔]", "aliases: [华翔, yes]", 3,
                 "each item of `aliases` must be text, not true/false", id="list-item"),
])
def test_a_boolean_where_text_belongs(tmp_path, rel, path, old, new, line, message):
    p = one_problem(make_content(tmp_path, {rel: edit(rel, old, new)}))
    assert_problem(p, path, line, message)


def test_text_where_a_boolean_belongs(tmp_path):
    p = one_problem(make_content(tmp_path, {C_SRC: edit(C_SRC, "date_inferred: true",
                                                         'date_inferred: "yes"')}))
    assert_problem(p, SRC, 4, "`date_inferred` must be true or false, got 'yes'")


def test_unknown_choice_with_did_you_mean(tmp_path):
    p = one_problem(make_content(tmp_path, {C_BZ: edit(C_BZ, "role: vehicle-maker", "role: vehiclemaker")}))
    assert_problem(p, BZ, 3, "`role: vehiclemaker` is not a known value", hint="did you mean `vehicle-maker`?")


def test_every_bad_field_of_a_fact_is_reported_in_one_run(tmp_path):
    text = edit(C_CLU, "    value: 27\n", "    value: 27亿元\n    time_inferred: 是\n")
    problems = problems_of(make_content(tmp_path, {C_CLU: text}))
    assert where(problems) == [(CLU, 11), (CLU, 12)]
    assert "`time_inferred` must be true or false" in problems[1].message


# --- ids ---------------------------------------------------------------------

@pytest.mark.parametrize("stem, suggestion", [
    ("Bad_Name", "bad-name"),
    ("中文", "x-name"),
    ("has space", "has-space"),
    ("1st-parts", "x-1st-parts"),
    ("trailing-", "trailing"),
    ("a" * 65, "a" * 65),
])
def test_unsafe_file_name(tmp_path, stem, suggestion):
    p = one_problem(make_content(tmp_path, {f"companies/{stem}.yaml": BENZ}))
    assert_problem(p, f"content/companies/{stem}.yaml", 1, f"file name `{stem}.yaml` is not a safe id",
                   hint=f"use lowercase ASCII letters, digits and hyphens, e.g. `{suggestion}.yaml`")


@pytest.mark.parametrize("stem", ["index", "map", "about", "search", "static", "data", "en"])
def test_reserved_file_name(tmp_path, stem):
    p = one_problem(make_content(tmp_path, {f"parks/{stem}.yaml": PARK}))
    assert_problem(p, f"content/parks/{stem}.yaml", 1, f"`{stem}` is a reserved name and cannot be an id",
                   hint="choose a more specific name")


def test_a_64_character_id_is_allowed(tmp_path):
    stem = "a" * 64
    assert stem in validate(make_content(tmp_path, {f"companies/{stem}.yaml": BENZ})).companies


def test_id_field_disagreeing_with_the_file_name(tmp_path):
    p = one_problem(make_content(tmp_path, {C_BZ: BENZ + "id: beijing-benz-auto\n"}))
    assert_problem(p, BZ, 6, "`id: beijing-benz-auto` does not match the file name `beijing-benz.yaml`",
                   hint="rename the file to `beijing-benz-auto.yaml` or remove the `id:` line")


@pytest.mark.parametrize("rel, path, text, line, message", [
    pytest.param("circles.yaml", CIR, CIRCLES + CIRCLES, 13,
                 "duplicate circle id `ninghe-parts-circle`", id="circles"),
    pytest.param("metrics.yaml", MET, METRICS + "- {id: output, name: 产出, name_en: Output}\n", 4,
                 "duplicate id `output` in metrics.yaml", id="metrics"),
    pytest.param("districts.yaml", DIS, DISTRICTS + DISTRICTS.split("- id: wuqing")[0], 13,
                 "duplicate district id `ninghe`", id="districts"),
])
def test_duplicate_id_in_a_shared_list(tmp_path, rel, path, text, line, message):
    p = one_problem(make_content(tmp_path, {rel: text}))
    assert_problem(p, path, line, message)


def test_unsafe_circle_id(tmp_path):
    text = edit("circles.yaml", "id: ninghe-parts-circle", "id: Ninghe_Circle")
    p = one_problem(make_content(tmp_path, {"circles.yaml": text}))
    assert_problem(p, CIR, 1, "`Ninghe_Circle` is not a safe id")


# --- references --------------------------------------------------------------

REFERENCES = [
    # (file, old, new, path, line, message, hint)
    pytest.param(C_HX, "clusters: [ninghe-auto-parts]", "clusters: [ninghe-auto-part]", HX, 8,
                 "`clusters` names unknown cluster `ninghe-auto-part`",
                 "did you mean `ninghe-auto-parts`?", id="company-cluster"),
    pytest.param(C_HX, "park: ninghe-future-tech-city", "park: ninghe-future-city", HX, 7,
                 "`park` names unknown park `ninghe-future-city`",
                 "did you mean `ninghe-future-tech-city`?", id="company-park"),
    pytest.param(C_HX, "sources: [", "parent: beijing-bens\nsources: [", HX, 19,
                 "`parent` names unknown company `beijing-bens`", "did you mean `beijing-benz`?",
                 id="company-parent"),
    pytest.param(C_HX, "district: ninghe", "district: ninhe", HX, 6,
                 "`district` names unknown district `ninhe`", "did you mean `ninghe`?",
                 id="company-district"),
    pytest.param(C_CLU, "sources: [", "parent: jjj-programme\nsources: [", CLU, 24,
                 "`parent` names unknown cluster `jjj-programme`", "expected one of: ninghe-auto-parts",
                 id="cluster-parent"),
    pytest.param(C_CLU, "parks: [ninghe-future-tech-city]", "parks: [ninghe-tech-city]", CLU, 7,
                 "`parks` names unknown park `ninghe-tech-city`",
                 "did you mean `ninghe-future-tech-city`?", id="cluster-parks"),
    pytest.param(C_CLU, "district: ninghe", "district: wuqin", CLU, 6,
                 "`district` names unknown district `wuqin`", "did you mean `wuqing`?",
                 id="cluster-district"),
    pytest.param(C_PK, "sources: [", "parent: ninghe-economic-zone\nsources: [", PK, 11,
                 "`parent` names unknown park `ninghe-economic-zone`",
                 "expected one of: ninghe-future-tech-city", id="park-parent"),
    pytest.param("links.yaml", "supplier: tianjin-huaxiang", "supplier: tianjin-huaxang", LNK, 1,
                 "`supplier` names unknown company `tianjin-huaxang`", "did you mean `tianjin-huaxiang`?",
                 id="link-supplier"),
    pytest.param("links.yaml", "customer: beijing-benz", "customer: beijing-mercedes", LNK, 2,
                 "`customer` names unknown company `beijing-mercedes`", "did you mean `beijing-benz`?",
                 id="link-customer"),
    pytest.param("links.yaml", "  source: tjrb-2025-09-clusters\n  quote: 天津",
                 "  source: tjrb-2025-09-cluster\n  quote: 天津", LNK, 5,
                 "`source` names unknown source `tjrb-2025-09-cluster`",
                 "did you mean `tjrb-2025-09-clusters`?", id="link-source"),
    pytest.param("circles.yaml", "centre: ninghe-future-tech-city", "centre: wuqing-eco-port", CIR, 5,
                 "`centre` names unknown park `wuqing-eco-port`",
                 "expected one of: ninghe-future-tech-city", id="circle-centre"),
    pytest.param("circles.yaml", "partners: [ninghe, wuqing]", "partners: [ninghe, wuqin]", CIR, 6,
                 "`partners` names unknown district `wuqin`", "did you mean `wuqing`?",
                 id="circle-partners"),
    pytest.param(C_CLU, "    source: tjrb-2025-09-clusters\n    quote: 年产值达27亿元",
                 "    source: tjrb-2025-09-cluster\n    quote: 年产值达27亿元", CLU, 15,
                 "`source` names unknown source `tjrb-2025-09-cluster`",
                 "did you mean `tjrb-2025-09-clusters`?", id="fact-source"),
    pytest.param(C_BZ, "sources: [tjrb-2025-09-clusters]", "sources: [tjrb-2025-10-auto-chain]", BZ, 5,
                 "`sources` names unknown source `tjrb-2025-10-auto-chain`",
                 "expected one of: tjrb-2025-09-clusters", id="sources-list"),
]


@pytest.mark.parametrize("rel, old, new, path, line, message, hint", REFERENCES)
def test_unknown_reference(tmp_path, rel, old, new, path, line, message, hint):
    p = one_problem(make_content(tmp_path, {rel: edit(rel, old, new)}))
    assert_problem(p, path, line, message, hint=hint)


def test_unknown_reference_of_a_person_to_a_source(tmp_path):
    text = HUAXIANG + ("people:\n  - name: 彭旭亮\n    title: 总经理\n    title_en: General Manager\n"
                       "    source: tjrb-2025-09\n")
    p = one_problem(make_content(tmp_path, {C_HX: text}))
    assert_problem(p, HX, 24, "`source` names unknown source `tjrb-2025-09`",
                   hint="did you mean `tjrb-2025-09-clusters`?")


def test_unknown_reference_in_a_block_list_points_at_the_item(tmp_path):
    text = edit(C_BZ, "sources: [tjrb-2025-09-clusters]",
                "sources:\n  - tjrb-2025-09-clusters\n  - tjrb-2025-09-cluster")
    p = one_problem(make_content(tmp_path, {C_BZ: text}))
    assert_problem(p, BZ, 7, "`sources` names unknown source `tjrb-2025-09-cluster`")


def test_a_company_cannot_supply_itself(tmp_path):
    text = edit("links.yaml", "customer: beijing-benz", "customer: tianjin-huaxiang")
    p = one_problem(make_content(tmp_path, {"links.yaml": text}))
    assert_problem(p, LNK, 2, "`tianjin-huaxiang` cannot supply itself",
                   hint="a link needs two different companies")


def test_parent_cycle_between_two_companies(tmp_path):
    content = make_content(tmp_path, {C_HX: HUAXIANG + "parent: beijing-benz\n",
                                      C_BZ: BENZ + "parent: tianjin-huaxiang\n"})
    problems = problems_of(content)
    bz_line = (content / "companies/beijing-benz.yaml").read_text().splitlines().index(
        "parent: tianjin-huaxiang") + 1
    hx_line = (content / "companies/tianjin-huaxiang.yaml").read_text().splitlines().index(
        "parent: beijing-benz") + 1
    assert where(problems) == [(BZ, bz_line), (HX, hx_line)]
    assert_problem(problems[0], BZ, bz_line, "company `beijing-benz` is its own ancestor through "
                   "`parent`: beijing-benz -> tianjin-huaxiang -> beijing-benz",
                   hint="a parent chain must end")
    assert_problem(problems[1], HX, hx_line, "tianjin-huaxiang -> beijing-benz -> tianjin-huaxiang")


def test_a_parent_chain_that_runs_into_a_cycle_reports_only_the_cycle(tmp_path):
    # beijing-benz -> tianjin-huaxiang -> acme -> tianjin-huaxiang; beta -> beijing-benz
    content = make_content(tmp_path, {C_BZ: BENZ + "parent: tianjin-huaxiang\n",
                                      C_HX: HUAXIANG + "parent: acme\n",
                                      "companies/acme.yaml": BENZ + "parent: tianjin-huaxiang\n",
                                      "companies/beta.yaml": BENZ + "parent: beijing-benz\n"})
    problems = problems_of(content)
    hx_line = HUAXIANG.count("\n") + 1
    assert where(problems) == [("content/companies/acme.yaml", 6), (HX, hx_line)]
    assert_problem(problems[0], "content/companies/acme.yaml", 6, "company `acme` is its own "
                   "ancestor through `parent`: acme -> tianjin-huaxiang -> acme",
                   hint="a parent chain must end")
    assert_problem(problems[1], HX, hx_line, "tianjin-huaxiang -> acme -> tianjin-huaxiang")


def test_a_park_that_is_its_own_parent(tmp_path):
    content = make_content(tmp_path, {C_PK: PARK + "parent: ninghe-future-tech-city\n"})
    line = (content / "parks/ninghe-future-tech-city.yaml").read_text().splitlines().index(
        "parent: ninghe-future-tech-city") + 1
    p = one_problem(content)
    assert_problem(p, PK, line, "park `ninghe-future-tech-city` is its own ancestor",
                   "ninghe-future-tech-city -> ninghe-future-tech-city")


# --- locations ---------------------------------------------------------------

def _huaxiang_at(lat, lon) -> str:
    return edit(C_HX, "lat: 39.33\n  lon: 117.82", f"lat: {lat}\n  lon: {lon}")


@pytest.mark.parametrize("lat, lon", [(239.33, 117.82), (39.33, 217.82), (-91, 117.82)])
def test_coordinates_out_of_range(tmp_path, lat, lon):
    p = one_problem(make_content(tmp_path, {C_HX: _huaxiang_at(lat, lon)}))
    assert_problem(p, HX, 13, f"coordinates ({lat}, {lon}) are out of range",
                   hint="latitude lies within ±90 and longitude within ±180")


def test_swapped_coordinates_are_rejected_at_the_lat_line(tmp_path):
    p = one_problem(make_content(tmp_path, {C_HX: _huaxiang_at(117.82, 39.33)}))
    assert_problem(p, HX, 13, "(117.82, 39.33)")


def test_swapped_coordinates_get_the_swap_hint(tmp_path):
    p = one_problem(make_content(tmp_path, {C_HX: _huaxiang_at(117.82, 39.33)}))
    assert_problem(p, HX, 13, "latitude and longitude look swapped (117.82, 39.33)",
                   hint="write `lat: 39.33` and `lon: 117.82`")


def test_point_outside_the_region(tmp_path):
    p = one_problem(make_content(tmp_path, {C_HX: _huaxiang_at(31.23, 121.47)}))
    assert_problem(p, HX, 13, "(31.23, 121.47) lies outside the Beijing-Tianjin-Hebei region",
                   hint="the region spans latitude 36.0–42.7 and longitude 113.4–119.9")


def test_district_centre_outside_the_region(tmp_path):
    text = edit("districts.yaml", "{lat: 39.38, lon: 117.04}", "{lat: 117.04, lon: 39.38}")
    p = one_problem(make_content(tmp_path, {"districts.yaml": text}))
    assert_problem(p, DIS, 12, "centre (117.04, 39.38) lies outside the region",
                   hint="check the coordinates; lat and lon may be swapped")


def test_unknown_datum(tmp_path):
    p = one_problem(make_content(tmp_path, {C_PK: edit(C_PK, "datum: gcj02", "datum: bd09")}))
    assert_problem(p, PK, 8, "`datum: bd09` is not a known value", hint="expected one of: gcj02, wgs84")


# --- quotes and facts --------------------------------------------------------

@pytest.mark.parametrize("bad", ["年产值达28亿元", "年产值达27亿元,集聚企业120家"])
def test_quote_not_in_its_source(tmp_path, bad):
    text = edit(C_CLU, "quote: 年产值达27亿元", f"quote: {bad}")
    p = one_problem(make_content(tmp_path, {C_CLU: text}))
    assert_problem(p, CLU, 16, f"quote not found in source `{SOURCE}`: '{bad}'",
                   hint=f"copy it verbatim from content/sources/{SOURCE}.txt")


@pytest.mark.parametrize("quote", ["年产值达 27 亿元", "年产值达27亿元，集聚企业120家",
                                   '"年产值达27亿元， 集聚企业\n      120家"',
                                   "集聚企业120家。天津华翔"])
def test_quote_matching_once_whitespace_is_removed_passes(tmp_path, quote):
    text = edit(C_CLU, "quote: 年产值达27亿元", f"quote: {quote}")
    validate(make_content(tmp_path, {C_CLU: text}))


def test_link_quote_is_checked_too(tmp_path):
    text = edit("links.yaml", "quote: 天津华翔", "quote: 天津华祥")
    p = one_problem(make_content(tmp_path, {"links.yaml": text}))
    assert_problem(p, LNK, 6, "quote not found in source")


def test_radius_quote_is_checked_too(tmp_path):
    text = edit("circles.yaml", "quote: 周边50公里", "quote: 周边60公里")
    p = one_problem(make_content(tmp_path, {"circles.yaml": text}))
    assert_problem(p, CIR, 11, "quote not found in source")


def test_empty_article_text_is_reported(tmp_path):
    content = make_content(tmp_path, {C_TXT: "",
                                      C_CLU: edit(C_CLU, "quote: 年产值达27亿元", "quote: 年产值达99亿元")})
    problems = problems_of(content)
    assert any((p.path, p.line) in ((SRC, 11), (TXT, 1)) for p in problems), problems


def test_fact_without_source(tmp_path):
    text = edit(C_CLU, "    source: tjrb-2025-09-clusters\n    quote: 年产值达27亿元",
                "    quote: 年产值达27亿元")
    problems = problems_of(make_content(tmp_path, {C_CLU: text}))
    assert where(problems) == [(CLU, 10)], "one clear problem, not two for the same mistake"
    assert problems[0].message == "fact has no `source`"
    assert problems[0].hint == "every figure needs the source it came from and a verbatim `quote`"


def test_fact_without_period_or_as_of(tmp_path):
    p = one_problem(make_content(tmp_path, {C_CLU: edit(C_CLU, '    period: "2024"\n', "")}))
    assert_problem(p, CLU, 10, "fact has neither `period` nor `as_of`")
    assert "time_inferred: true" in p.hint


@pytest.mark.parametrize("bad", ["2025-13", "2025-02-30", "25-09", "1850", "2025/09", "2025-9"])
def test_source_date_that_is_not_a_date(tmp_path, bad):
    p = one_problem(make_content(tmp_path, {C_SRC: edit(C_SRC, 'date: "2025-09"', f'date: "{bad}"')}))
    assert_problem(p, SRC, 3, f"`date: {bad}` is not a date",
                   hint="write YYYY, YYYY-MM or YYYY-MM-DD, in quotes")


def test_unquoted_impossible_date_stays_text_and_is_rejected(tmp_path):
    p = one_problem(make_content(tmp_path, {C_SRC: edit(C_SRC, 'date: "2025-09"', "date: 2025-09-31")}))
    assert_problem(p, SRC, 3, "`date: 2025-09-31` is not a date")


def test_as_of_that_is_not_a_date(tmp_path):
    p = one_problem(make_content(tmp_path, {C_CLU: edit(C_CLU, 'as_of: "2025-09"', 'as_of: "2025-13"')}))
    assert_problem(p, CLU, 20, "`as_of: 2025-13` is not a date", hint="write YYYY, YYYY-MM or YYYY-MM-DD")


@pytest.mark.parametrize("bad", ["2025-H3", "2025-Q5", "2025-13", "2025-09-01", "24",
                                 "2025-01/2025-08/2025-09", "2025年"])
def test_period_that_is_not_a_period(tmp_path, bad):
    p = one_problem(make_content(tmp_path, {C_CLU: edit(C_CLU, 'period: "2024"', f'period: "{bad}"')}))
    assert_problem(p, CLU, 13, f"`period: {bad}` is not a period")
    assert "2025-01/2025-08" in p.hint


@pytest.mark.parametrize("good", ["2025", "2025-H1", "2025-Q4", "2025-07", "2025-01/2025-08",
                                  "2024/2025"])
def test_valid_periods_pass(tmp_path, good):
    atlas = validate(make_content(tmp_path, {C_CLU: edit(C_CLU, 'period: "2024"', f'period: "{good}"')}))
    assert atlas.clusters["ninghe-auto-parts"].facts[0].period == good


@pytest.mark.parametrize("value", [120, 100.5, -5])
def test_share_outside_0_to_100(tmp_path, value):
    p = one_problem(make_content(tmp_path, {"links.yaml": edit("links.yaml", "value: 80", f"value: {value}")}))
    assert_problem(p, LNK, 10, f"a share of {value}% is impossible", hint="a share lies between 0 and 100")


def test_a_percentage_that_is_not_a_share_may_exceed_100(tmp_path):
    text = edit(C_CLU, "value: 27\n    unit: 亿元", "value: 150\n    unit: \"%\"")
    atlas = validate(make_content(tmp_path, {C_CLU: text}))
    assert atlas.clusters["ninghe-auto-parts"].facts[0].value == 150


def test_share_range_top_over_100(tmp_path):
    text = edit("links.yaml", "value: 80\n", "value: 80\n      value_max: 120\n")
    p = one_problem(make_content(tmp_path, {"links.yaml": text}))
    assert_problem(p, LNK, 11, "120")


def test_value_max_below_value(tmp_path):
    text = edit(C_CLU, "value: 27\n", "value: 27\n    value_max: 20\n")
    p = one_problem(make_content(tmp_path, {C_CLU: text}))
    assert_problem(p, CLU, 12, "`value_max` is below `value`", hint="a range goes from value up to value_max")


def test_value_max_above_value_is_a_range(tmp_path):
    text = edit(C_CLU, "value: 27\n", "value: 27\n    value_max: 30\n")
    fact = validate(make_content(tmp_path, {C_CLU: text})).clusters["ninghe-auto-parts"].facts[0]
    assert (fact.value, fact.value_max) == (27, 30)


def test_unknown_metric(tmp_path):
    p = one_problem(make_content(tmp_path, {C_CLU: edit(C_CLU, "metric: output", "metric: outputs")}))
    assert_problem(p, CLU, 10, "unknown metric `outputs`",
                   hint="did you mean `output`?; or add it to metrics.yaml")


def test_unknown_industry(tmp_path):
    p = one_problem(make_content(tmp_path, {C_HX: edit(C_HX, "industry: auto-parts", "industry: auto-part")}))
    assert_problem(p, HX, 5, "unknown industry `auto-part`",
                   hint="did you mean `auto-parts`?; or add it to industries.yaml")


def test_a_broken_metrics_file_is_not_reported_as_missing(tmp_path):
    problems = problems_of(make_content(tmp_path, {"metrics.yaml": METRICS + "- {id: x, name: [\n"}))
    assert not any("missing metrics.yaml" in p.message for p in problems), problems


def test_a_missing_metrics_file_is_reported(tmp_path):
    problems = problems_of(make_content(tmp_path, {"metrics.yaml": None}))
    assert Problem(MET, 0, "missing metrics.yaml", "restore it from git") in problems
    # ...and every fact then names an unknown metric, at its own line.
    assert [(p.path, p.line, p.message) for p in problems if p.path != MET] == [
        (CLU, 10, "unknown metric `output`"), (CLU, 17, "unknown metric `companies`"),
        (LNK, 8, "unknown metric `share`")]


# --- circles -----------------------------------------------------------------

def test_circle_radius_without_a_centre(tmp_path):
    text = edit("circles.yaml", "  centre: ninghe-future-tech-city\n", "")
    p = one_problem(make_content(tmp_path, {"circles.yaml": text}))
    assert_problem(p, CIR, 6, "a circle with a radius needs a `centre`", hint="name the park at its centre")


def test_assumed_radius_needs_a_basis(tmp_path):
    text = CIRCLES + "  assumed_radius_km: 80\n"
    p = one_problem(make_content(tmp_path, {"circles.yaml": text}))
    assert_problem(p, CIR, 1, "missing field `assumed_basis` in circle")


def test_radius_must_be_above_zero(tmp_path):
    p = one_problem(make_content(tmp_path, {"circles.yaml": edit("circles.yaml", "value: 50", "value: 0")}))
    assert_problem(p, CIR, 8, "a radius must be above zero")


# --- pages -------------------------------------------------------------------

def test_page_without_front_matter(tmp_path):
    p = one_problem(make_content(tmp_path, {"pages/about.md": "# About\n\nText.\n"}))
    assert_problem(p, ABT, 1, "page has no front matter")


def test_front_matter_problems_point_at_the_file_line(tmp_path):
    text = ABOUT.replace("title_en: About the atlas\n", "title_en: About the atlas\ntitel: x\n")
    p = one_problem(make_content(tmp_path, {"pages/about.md": text}))
    assert_problem(p, ABT, 4, "unknown field `titel` in page front matter")


@pytest.mark.parametrize("stem", ["index", "map", "404"])
def test_page_name_that_collides_with_a_site_page(tmp_path, stem):
    p = one_problem(make_content(tmp_path, {f"pages/{stem}.md": ABOUT}))
    assert_problem(p, f"content/pages/{stem}.md", 1, f"`{stem}.md` cannot be a page name")


def test_page_named_supply_is_rejected(tmp_path):
    p = one_problem(make_content(tmp_path, {"pages/supply.md": ABOUT}))
    assert_problem(p, "content/pages/supply.md", 1, "cannot be a page name")


def test_a_yml_record_is_not_silently_ignored(tmp_path):
    problems = problems_of(make_content(tmp_path, {"companies/acme.yml": BENZ}))
    assert any("acme.yml" in p.path for p in problems), problems


# --- many problems at once ---------------------------------------------------

def test_every_problem_of_a_broken_tree_is_reported_in_one_run_sorted(tmp_path):
    content = make_content(tmp_path, {
        C_HX: HUAXIANG.replace("industry: auto-parts", "industry: auto-part")
                      .replace("clusters: [ninghe-auto-parts]", "clusters: [ninghe-auto-part]")
                      .replace("lat: 39.33", "lat: 339.33"),
        C_CLU: edit(C_CLU, "value: 27\n", "value: 27亿元\n"),
        "links.yaml": edit("links.yaml", "customer: beijing-benz", "customer: tianjin-huaxiang"),
        C_SRC: edit(C_SRC, 'date: "2025-09"', 'date: "2025-13"'),
        "circles.yaml": edit("circles.yaml", "centre: ninghe-future-tech-city", "centre: nowhere"),
        C_BZ: "",
    })
    with pytest.raises(ContentError) as info:
        validate(content)
    problems = info.value.problems
    expected = [(CIR, 5), (CLU, 11), (BZ, 1), (HX, 5), (HX, 8), (HX, 13), (LNK, 2), (SRC, 3)]
    assert where(problems.sorted()) == expected
    report = problems.report().splitlines()
    assert report[-1] == "8 problems found; nothing was written."
    assert report[:-1] == [str(p) for p in problems.sorted()]
    assert report[0] == (f"{CIR}:5: `centre` names unknown park `nowhere` "
                         "(expected one of: ninghe-future-tech-city)")
    assert report[2] == f"{BZ}:1: file is empty (write the record, or delete the file)"
    assert str(info.value) == problems.report()


def test_problems_sort_numerically_by_line_and_report_counts():
    problems = Problems()
    problems.add("content/b.yaml", 2, "second")
    problems.add("content/a.yaml", 10, "ten")
    problems.add("content/a.yaml", 9, "nine", "a hint")
    problems.add("content/a.yaml", 9, "nine", "a hint")   # the same problem twice is shown once
    problems.add("content/c.yaml", 0, "no line")
    assert problems.report().splitlines() == [
        "content/a.yaml:9: nine (a hint)",
        "content/a.yaml:10: ten",
        "content/b.yaml:2: second",
        "content/c.yaml: no line",
        "4 problems found; nothing was written.",
    ]
    single = Problems()
    single.add("x", 1, "m")
    assert single.report().splitlines()[-1] == "1 problem found; nothing was written."


def test_missing_content_folder(tmp_path):
    with pytest.raises(ContentError) as info:
        validate(tmp_path / "nowhere")
    [p] = info.value.problems.sorted()
    assert p.message == "content folder not found" and p.line == 0


# --- atlas.load.parse_yaml ---------------------------------------------------

def _parse(text: str):
    problems = Problems()
    return parse_yaml(text, "t.yaml", problems), problems.sorted()


def test_parse_yaml_remembers_lines_of_nested_keys_and_list_items():
    data, problems = _parse(
        "name: x\n"                   # 1
        "location:\n"                 # 2
        "  lat: 39.3\n"               # 3
        "  lon: 117.8\n"              # 4
        "facts:\n"                    # 5
        "  - metric: output\n"        # 6
        "    value: 27\n"             # 7
        "  - metric: companies\n"     # 8
        "\n"                          # 9
        "    value: 3\n"              # 10
        "centre: {lat: 1, lon: 2}\n"  # 11
        "tags: [a, b]\n"              # 12
    )
    assert problems == []
    assert isinstance(data, Mapping) and data.line == 1
    assert [data.line_of(k) for k in ("name", "location", "facts", "centre", "tags")] == [1, 2, 5, 11, 12]
    assert data.line_of("absent") == 1
    location = data["location"]
    assert isinstance(location, Mapping) and location.line == 3 and location.line_of("lon") == 4
    facts = data["facts"]
    assert isinstance(facts, Sequence) and facts.line == 6
    assert [facts.line_of(0), facts.line_of(1), facts.line_of(5)] == [6, 8, 6]
    assert facts[1].line == 8 and facts[1].line_of("value") == 10
    assert data["centre"].line_of("lon") == 11
    assert data["tags"].item_lines == [12, 12]


def test_parse_yaml_alias_bomb_is_rejected_quickly():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8))
    started = time.perf_counter()
    data, problems = _parse(bomb)
    assert time.perf_counter() - started < 2
    assert data is None
    assert problems == [Problem("t.yaml", 6, "YAML too complex: aliases expand to too many values",
                                "write the values out plainly")]


def test_parse_yaml_small_aliases_are_fine():
    data, problems = _parse("a: &x [1, 2]\nb: *x\n")
    assert problems == [] and data["b"] == [1, 2]


@pytest.mark.parametrize("levels, line", [(30, 30), (1000, 122)])  # 122: the pre-scan stops at 4x the limit
def test_parse_yaml_deep_block_nesting_is_rejected(levels, line):
    text = "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"
    data, problems = _parse(text)
    assert data is None
    assert problems == [Problem("t.yaml", line, "YAML too complex: nesting deeper than 30 levels",
                                "write the values out plainly")]


def test_parse_yaml_nesting_up_to_the_limit_is_accepted():
    text = "".join("  " * i + f"k{i}:\n" for i in range(29)) + "  " * 29 + "v\n"
    data, problems = _parse(text)
    assert problems == [] and data.line_of("k0") == 1


@pytest.mark.parametrize("depth", [31, 100_000])
def test_parse_yaml_deep_flow_nesting_is_rejected_at_the_line_it_passes_the_limit(depth):
    # 20 levels open on line 3, the rest on line 4.
    text = "a: 1\nb: 2\nc: " + "[" * 20 + "\n  " + "[" * (depth - 20) + "]" * depth + "\n"
    data, problems = _parse(text)
    assert data is None
    assert problems == [Problem("t.yaml", 4, "YAML too complex: nesting deeper than 30 levels",
                                "write the values out plainly")]


def test_parse_yaml_many_flow_brackets_nested_shallowly_are_accepted():
    data, problems = _parse("a: [" + ", ".join(["[[1], {b: 2}]"] * 40) + "]\n")
    assert problems == [] and len(data["a"]) == 40 and data["a"][39] == [[1], {"b": 2}]


@pytest.mark.parametrize("number, length", [
    pytest.param("9" * 4_301, "4,301", id="decimal-over-4300-digits"),
    pytest.param("0x" + "f" * 3_572, "3,574", id="hex-over-4300-decimal-digits"),
    pytest.param("1" + ":00" * 2_000, "6,001", id="sexagesimal"),
])
def test_parse_yaml_number_too_long_is_reported_at_its_line(number, length):
    data, problems = _parse(f"a: 1\nb:\n  - {number}\n")
    assert data is None
    assert problems == [Problem("t.yaml", 3, f"`{number[:20]}…` is a number too long to read "
                                             f"({length} characters)",
                                "put it in quotes if it is text")]


def test_parse_yaml_numbers_of_4300_digits_are_read():
    data, problems = _parse(f"a: {'9' * 4_300}\nb: 0x{'f' * 3_571}\nc: '{'9' * 5_000}'\n")
    assert problems == []
    assert data["a"] == 10 ** 4_300 - 1 and len(str(data["b"])) == 4_300
    assert data["c"] == "9" * 5_000


def test_parse_yaml_dates_stay_text():
    data, problems = _parse("date: 2025-09-01\nbad: 2025-09-31\nyear: 2025\nquoted: \"2025-09\"\n")
    assert problems == []
    assert data["date"] == "2025-09-01" and type(data["date"]) is str
    assert data["bad"] == "2025-09-31"
    assert data["year"] == 2025 and data["quoted"] == "2025-09"


def test_parse_yaml_duplicate_key_in_a_list_item():
    data, problems = _parse("- id: a\n  name: x\n  name: y\n")
    assert data is None
    assert problems == [Problem("t.yaml", 3, "duplicate key `name` (first given on line 2)",
                                "remove one of them")]


def test_parse_yaml_tab_inside_a_value_is_not_indentation():
    data, problems = _parse("name: a\tb\n")
    assert problems == [] and data["name"] == "a\tb"


def test_parse_yaml_tab_indentation_names_the_first_tabbed_line():
    data, problems = _parse("a:\n  b: 1\n\tc: 2\n\td: 3\n")
    assert data is None
    assert problems == [Problem("t.yaml", 3, "tab used for indentation", "indent with spaces")]


# --- atlas.geo ---------------------------------------------------------------

TIANJIN = (39.0842, 117.2009)
BEIJING = (39.9042, 116.4074)
POINTS = [TIANJIN, BEIJING, (38.0428, 114.5149), (39.33, 117.82), (41.0, 118.0)]


@pytest.mark.parametrize("point", POINTS)
def test_gcj02_round_trip(point):
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*point))
    assert abs(back[0] - point[0]) < 1e-6 and abs(back[1] - point[1]) < 1e-6


@pytest.mark.parametrize("point", POINTS)
def test_gcj02_offset_is_a_few_hundred_metres(point):
    shifted = geo.wgs84_to_gcj02(*point)
    assert 0.1 < geo.distance_km(point, shifted) < 0.8
    # GCJ-02 lies to the north-east of WGS-84 in this region.
    assert shifted[0] > point[0] - 0.01 and shifted[1] > point[1]


def test_to_wgs84_only_converts_gcj02():
    assert geo.to_wgs84(*TIANJIN, "wgs84") == TIANJIN
    assert geo.to_wgs84(*TIANJIN, "gcj02") == geo.gcj02_to_wgs84(*TIANJIN)
    assert geo.to_wgs84(*TIANJIN, "gcj02") != TIANJIN


def test_distance_beijing_tianjin():
    assert 110 < geo.distance_km(BEIJING, TIANJIN) < 120
    assert geo.distance_km(TIANJIN, TIANJIN) == 0
    assert geo.distance_km(BEIJING, TIANJIN) == pytest.approx(geo.distance_km(TIANJIN, BEIJING))


def test_in_region():
    assert geo.in_region(*TIANJIN) and geo.in_region(*BEIJING)
    assert geo.in_region(36.0, 113.4) and geo.in_region(42.7, 119.9)   # the corners are inside
    assert not geo.in_region(35.99, 117.0)        # south of Hebei
    assert not geo.in_region(31.23, 121.47)       # Shanghai
    assert not geo.in_region(117.2, 39.08)        # swapped


def test_looks_swapped():
    assert geo.looks_swapped(117.2009, 39.0842)
    assert not geo.looks_swapped(*TIANJIN)            # correct: inside
    assert not geo.looks_swapped(31.23, 121.47)       # outside both ways
    assert not geo.looks_swapped(121.47, 31.23)


# --- the district check against boundary data --------------------------------

def _square(lat0, lon0, lat1, lon1) -> dict:
    return {"type": "Feature", "properties": {"name": "宁河区", "level": "district"},
            "geometry": {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0],
                                                            [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}}


def test_a_point_inside_its_district_passes(tmp_path):
    content = make_content(tmp_path)
    validate(content, {"宁河区": _square(39.2, 117.6, 39.5, 117.9), "武清区": _square(39.3, 116.9, 39.6, 117.2)})


def test_a_point_outside_its_district_is_reported_with_the_distance(tmp_path):
    content = make_content(tmp_path)
    boundaries = {"宁河区": _square(39.2, 117.2, 39.5, 117.5), "武清区": _square(39.3, 116.9, 39.6, 117.2)}
    with pytest.raises(ContentError) as err:
        validate(content, boundaries)
    problems = err.value.problems.sorted()
    assert [p.path for p in problems] == ["content/companies/tianjin-huaxiang.yaml",
                                          "content/parks/ninghe-future-tech-city.yaml"]
    problem = problems[0]
    lines = (content / "companies/tianjin-huaxiang.yaml").read_text().splitlines()
    assert problem.line == lines.index("  lat: 39.33") + 1
    assert "lies 27.5 km outside 宁河区, the record's district" in problem.message
    assert "set `datum: gcj02`" in problem.hint
    assert "gcj02" not in problems[1].hint, "a point already given in GCJ-02 gets no datum hint"


def test_a_point_just_across_a_simplified_edge_is_tolerated(tmp_path):
    content = make_content(tmp_path)
    # 117.82 lies about 1 km east of an edge at 117.81: within the simplification tolerance.
    validate(content, {"宁河区": _square(39.2, 117.5, 39.5, 117.81), "武清区": _square(39.3, 116.9, 39.6, 117.2)})


def test_a_district_without_a_boundary_is_reported(tmp_path):
    with pytest.raises(ContentError) as err:
        validate(make_content(tmp_path), {"宁河区": _square(39.2, 117.6, 39.5, 117.9)})
    assert any("no boundary named `武清区`" in p.message for p in err.value.problems.sorted())


def test_links_split_over_several_files_are_read_in_order(tmp_path):
    """A large atlas keeps links in content/links/*.yaml beside links.yaml."""
    reversed_link = LINKS.replace("supplier: tianjin-huaxiang\n  customer: beijing-benz",
                                  "supplier: beijing-benz\n  customer: tianjin-huaxiang")
    atlas = validate(make_content(tmp_path, {"links/part-002.yaml": reversed_link}))
    assert [(l.index, l.supplier, l.customer) for l in atlas.links] == [
        (0, "tianjin-huaxiang", "beijing-benz"), (1, "beijing-benz", "tianjin-huaxiang")]
    assert atlas.links[1].where.path == "content/links/part-002.yaml"


def test_a_broken_split_link_file_is_named(tmp_path):
    problems = problems_of(make_content(tmp_path, {"links/part-002.yaml": LINKS.replace(
        "supplier: tianjin-huaxiang", "supplier: tianjin-huaxang")}))
    assert any(p.path == "content/links/part-002.yaml" and p.line == 1 and "tianjin-huaxang" in p.message
               for p in problems), problems
