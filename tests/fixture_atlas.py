"""A tiny but complete content tree for validator tests, written into tmp_path.

`FILES` maps a path inside `content/` to the file's text. Line numbers matter:
tests point at them, so each file lists its numbered lines in a comment above it.
`make_content(tmp_path, {path: new_text_or_bytes_or_None})` writes the tree with
some files replaced (None deletes one); `edit(path, old, new)` returns a file's
text with one exact substring replaced.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from atlas.problems import ContentError, Problem
from atlas.validate import validate

SOURCE = "tjrb-2025-09-clusters"

# The article text. The link's quote runs across the line break after 公司.
SOURCE_TXT = """\
宁河区汽车配件产业集群年产值达27亿元，集聚企业120家。
天津华翔汽车金属部件有限公司
为北京奔驰供应白车身结构件，周边50公里内可完成配套。
北京奔驰订单约占其业务总量的80%。
"""

# 1 outlet / 3 date / 4 date_inferred / 5 date_clue / 7 headlines / 8 title / 11 text
SOURCE_YAML = """\
outlet: 天津日报
outlet_en: Tianjin Daily
date: "2025-09"
date_inferred: true
date_clue: reports events of September 2025
sections: [区域热点]
headlines:
  - title: 特色产业集群织密"创新网"
    title_en: Characteristic clusters weave an innovation net
    reporters: [宁广靖]
text: tjrb-2025-09-clusters.txt
"""

# 1 id ninghe / 6 centre / 7 id wuqing / 12 centre
DISTRICTS = """\
- id: ninghe
  name: 宁河区
  name_en: Ninghe District
  province: tianjin
  level: district
  centre: {lat: 39.33, lon: 117.82}
- id: wuqing
  name: 武清区
  name_en: Wuqing District
  province: tianjin
  level: district
  centre: {lat: 39.38, lon: 117.04}
"""

# 1 output / 2 companies / 3 share
METRICS = """\
- {id: output, name: 产值, name_en: Output value}
- {id: companies, name: 企业数量, name_en: Companies}
- {id: share, name: 占比, name_en: Share}
"""

# 1 auto-parts / 2 automotive
INDUSTRIES = """\
- {id: auto-parts, name: 汽车零部件, name_en: Auto parts}
- {id: automotive, name: 汽车整车, name_en: Vehicles}
"""

# 1 name / 3 kind / 4 industry / 6 district / 7 parks / 9 facts
# 10 first fact (metric) / 11 value / 12 unit / 13 period / 14 kind / 15 source / 16 quote
# 17 second fact (metric) / 18 value / 20 as_of / 22 source / 23 quote / 24 sources
CLUSTER = """\
name: 宁河区汽车配件产业集群
name_en: Ninghe District Auto Parts Cluster
kind: cluster
industry: auto-parts
region: tianjin
district: ninghe
parks: [ninghe-future-tech-city]
summary: 宁河区的汽车配件企业集群。
facts:
  - metric: output
    value: 27
    unit: 亿元
    period: "2024"
    kind: actual
    source: tjrb-2025-09-clusters
    quote: 年产值达27亿元
  - metric: companies
    value: 120
    unit: 家
    as_of: "2025-09"
    kind: actual
    source: tjrb-2025-09-clusters
    quote: 集聚企业120家
sources: [tjrb-2025-09-clusters]
"""

# 1 name / 2 name_en / 3 aliases / 4 role / 5 industry / 6 district / 7 park / 8 clusters
# 9 products / 10 product item / 12 location / 13 lat / 14 lon / 15 datum / 16 precision
# 17 note / 18 summary / 19 sources
HUAXIANG = """\
name: 天津华翔汽车金属部件有限公司
name_en: Tianjin Huaxiang Automotive Metal Parts Co., Ltd.
aliases: [华翔]
role: tier1-supplier
industry: auto-parts
district: ninghe
park: ninghe-future-tech-city
clusters: [ninghe-auto-parts]
products:
  - name: 白车身结构件
    name_en: body-in-white structural parts
location:
  lat: 39.33
  lon: 117.82
  datum: wgs84
  precision: exact
  note: set by hand from the district map
summary: 宁河区的汽车金属部件企业。
sources: [tjrb-2025-09-clusters]
"""

# 1 name / 3 role / 4 industry / 5 sources
BENZ = """\
name: 北京奔驰汽车有限公司
name_en: Beijing Benz Automotive Co., Ltd.
role: vehicle-maker
industry: automotive
sources: [tjrb-2025-09-clusters]
"""

# 1 name / 3 kind / 4 district / 5 location / 6 lat / 7 lon / 8 datum / 11 sources
PARK = """\
name: 宁河未来科技城
name_en: Ninghe Future Technology City
kind: new-town
district: ninghe
location:
  lat: 39.35
  lon: 117.80
  datum: gcj02
  precision: park
  note: copied from a Chinese map service
sources: [tjrb-2025-09-clusters]
"""

# 1 supplier / 2 customer / 5 source / 6 quote (across a line break of the text)
# 7 facts / 8 fact (metric share) / 10 value / 12 unit / 13 as_of / 15 source / 16 quote
LINKS = """\
- supplier: tianjin-huaxiang
  customer: beijing-benz
  product: 白车身结构件
  product_en: body-in-white structural parts
  source: tjrb-2025-09-clusters
  quote: 天津华翔汽车金属部件有限公司为北京奔驰供应白车身结构件
  facts:
    - metric: share
      subject: 北京奔驰订单占其业务总量
      value: 80
      qualifier: about
      unit: "%"
      as_of: "2025-09"
      kind: actual
      source: tjrb-2025-09-clusters
      quote: 北京奔驰订单约占其业务总量的80%
"""

# 1 id / 4 kind / 5 centre / 6 partners / 7 radii / 8 radius value / 11 quote / 12 sources
CIRCLES = """\
- id: ninghe-parts-circle
  name: 宁河50公里配套圈
  name_en: Ninghe 50 km supply circle
  kind: supply
  centre: ninghe-future-tech-city
  partners: [ninghe, wuqing]
  radii:
    - value: 50
      unit: km
      source: tjrb-2025-09-clusters
      quote: 周边50公里内可完成配套
  sources: [tjrb-2025-09-clusters]
"""

# 1 --- / 2 title / 3 title_en / 4 --- / 6 body
ABOUT = """\
---
title: 关于本图谱
title_en: About the atlas
---

这是一个测试用的图谱。
"""

FILES: dict[str, str] = {
    f"sources/{SOURCE}.yaml": SOURCE_YAML,
    f"sources/{SOURCE}.txt": SOURCE_TXT,
    "districts.yaml": DISTRICTS,
    "metrics.yaml": METRICS,
    "industries.yaml": INDUSTRIES,
    "clusters/ninghe-auto-parts.yaml": CLUSTER,
    "companies/tianjin-huaxiang.yaml": HUAXIANG,
    "companies/beijing-benz.yaml": BENZ,
    "parks/ninghe-future-tech-city.yaml": PARK,
    "links.yaml": LINKS,
    "circles.yaml": CIRCLES,
    "pages/about.md": ABOUT,
}

# Short names for the files tests break most often (relative to the project root,
# as problems name them).
SRC = f"content/sources/{SOURCE}.yaml"
CLU = "content/clusters/ninghe-auto-parts.yaml"
HX = "content/companies/tianjin-huaxiang.yaml"
BZ = "content/companies/beijing-benz.yaml"
PK = "content/parks/ninghe-future-tech-city.yaml"


def edit(rel: str, old: str, new: str) -> str:
    """FILES[rel] with `old` (which must occur exactly once) replaced by `new`."""
    text = FILES[rel]
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
    return text.replace(old, new)


def make_content(tmp_path: Path, changes: dict[str, str | bytes | None] | None = None) -> Path:
    """Write the fixture tree under tmp_path/content with `changes` applied; return it."""
    files: dict[str, str | bytes | None] = dict(FILES)
    files.update(changes or {})
    content = tmp_path / "content"
    for rel, text in files.items():
        if text is None:
            continue
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
    return content


def problems_of(content: Path) -> list[Problem]:
    """Every problem validate() reports for the tree, sorted (it must refuse the tree)."""
    with pytest.raises(ContentError) as info:
        validate(content)
    return info.value.problems.sorted()


def where(problems: list[Problem]) -> list[tuple[str, int]]:
    return [(p.path, p.line) for p in problems]


def one_problem(content: Path) -> Problem:
    """The single problem of a tree broken in exactly one way."""
    problems = problems_of(content)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def bench_synth():
    """bench/synth.py, the synthetic atlas generator (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "bench_synth", Path(__file__).resolve().parent.parent / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def built_with_small_pages(tmp_path_factory, name: str, limit: str, per_page: int,
                           companies: int):
    """A synthetic project built with atlas.browse's `limit` (rows or links a page) set to
    `per_page`, so a small atlas splits its lists: (project root, site, atlas)."""
    from atlas import Project, browse, build, load_atlas
    root = tmp_path_factory.mktemp(name)
    bench_synth().generate(root, companies, sources=10)
    site = root.parent / (root.name + "-site")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browse, limit, per_page)
        build(Project(root), site)
    return root, site, load_atlas(Project(root))
