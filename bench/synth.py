#!/usr/bin/env python3
"""A synthetic, valid atlas project of any size, for benchmarks.

    python bench/synth.py --companies 1000 --out /tmp/atlas-1k

writes a complete project tree (content/, templates/, static/, atlas.toml) that
`build.py --root DIR` validates and builds. Everything follows content/README.md:

- `companies` companies, companies/20 clusters, companies/50 parks (at least one each),
  3 supply links per company (see "limits" below), 2-4 facts per record;
- one source article per 50 companies (at least 20); each fact's and link's quote is
  written verbatim into its source's text (some across a line break, as printed pages do);
- Chinese and English names, Markdown summaries (some with **bold** and CJK punctuation);
- every point lies inside its district: the district centre from content/districts.yaml
  plus an offset of at most ~1 km (the validator allows 1.5 km past an edge, and the
  centres lie inside their boundary); most companies have no point of their own and
  are placed via their park or district;
- districts.yaml, metrics.yaml and industries.yaml are copied from the real content;
- templates/ and static/ are symlinks to the real ones (or copies, `--copy-assets`).

The output depends only on (companies, seed): the same arguments give the same bytes.

Limits: the loader refuses any one file over `atlas.load.MAX_FILE_BYTES` or with more than
`atlas.load.MAX_EXPANDED_NODES` YAML values (hostile-input guards). At large sizes 3 links
per company do not fit in one file: with fit_limits (the default) links.yaml is filled up
to the limits and the rest go to content/links/part-NNN.yaml, which the build reads after
it. Without fit_limits every link goes to links.yaml (which the build then refuses).
The limits are read from atlas.load at run time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
from pathlib import Path

MAIN = Path(__file__).resolve().parent.parent

# --- name material ------------------------------------------------------------

# (character, pinyin): distinct pinyin, so ids derived from them stay readable.
BRAND = [("华", "hua"), ("鑫", "xin"), ("瑞", "rui"), ("泰", "tai"), ("恒", "heng"),
         ("达", "da"), ("宏", "hong"), ("安", "an"), ("盛", "sheng"), ("通", "tong"),
         ("远", "yuan"), ("海", "hai"), ("天", "tian"), ("金", "jin"), ("诚", "cheng"),
         ("德", "de"), ("凯", "kai"), ("博", "bo"), ("力", "li"), ("新", "xing"),
         ("中", "zhong"), ("广", "guang"), ("明", "ming"), ("兴", "xinn"), ("嘉", "jia"),
         ("佳", "jiaa"), ("锦", "jinn"), ("众", "zhongg"), ("和", "he"), ("航", "hang"),
         ("创", "chuang"), ("科", "ke"), ("晟", "shengg"), ("翔", "xiang"), ("峰", "feng"),
         ("辰", "chen"), ("捷", "jie"), ("润", "run"), ("昊", "hao"), ("聚", "ju"),
         ("益", "yi"), ("丰", "fengg"), ("永", "yong"), ("腾", "teng"), ("弘", "hongg"),
         ("誉", "yu"), ("铭", "mingg"), ("正", "zheng")]

# industry id -> (name part, short word, English part, English short, id slug, products)
TRADES = {
    "auto-parts": ("汽车零部件", "零部件", "Auto Parts", "Auto Parts", "auto-parts",
                   [("白车身结构件", "body-in-white parts"), ("线束", "wiring harnesses"),
                    ("座椅骨架", "seat frames"), ("车用地毯", "car carpets"),
                    ("制动盘", "brake discs"), ("车灯", "vehicle lamps")]),
    "automotive": ("汽车", "汽车", "Automobile", "Motors", "motors",
                   [("新能源乘用车", "new-energy passenger cars"), ("轻型卡车", "light trucks")]),
    "power-equipment": ("电气设备", "电气", "Electric Equipment", "Electric", "electric",
                        [("开关柜", "switchgear"), ("变压器", "transformers")]),
    "energy-storage": ("储能科技", "储能", "Energy Storage Technology", "Energy", "energy",
                       [("储能电池", "storage batteries"), ("电池管理系统", "battery management systems")]),
    "biomedicine": ("生物医药", "医药", "Biopharmaceutical", "Pharma", "pharma",
                    [("疫苗", "vaccines"), ("诊断试剂", "diagnostic reagents")]),
    "new-materials": ("新材料", "材料", "New Materials", "Materials", "materials",
                      [("碳纤维复合材料", "carbon-fibre composites"), ("特种合金", "special alloys")]),
    "machine-tools": ("精密机械", "精工", "Precision Machinery", "Precision", "precision",
                      [("数控机床", "CNC machine tools"), ("精密刀具", "precision cutting tools")]),
    "integrated-circuits": ("微电子", "微电子", "Microelectronics", "Micro", "micro",
                            [("功率芯片", "power chips"), ("封装测试服务", "packaging and test services")]),
    "information-technology": ("信息技术", "信息", "Information Technology", "IT", "it",
                               [("工业软件", "industrial software"), ("服务器", "servers")]),
    "robotics": ("智能装备", "智能", "Intelligent Equipment", "Robotics", "robotics",
                 [("工业机器人", "industrial robots"), ("减速器", "reducers")]),
    "hydrogen": ("氢能科技", "氢能", "Hydrogen Technology", "Hydrogen", "hydrogen",
                 [("燃料电池电堆", "fuel-cell stacks"), ("储氢瓶", "hydrogen tanks")]),
    "electronics": ("电子", "电子", "Electronics", "Electronics", "electronics",
                    [("传感器", "sensors"), ("连接器", "connectors")]),
    "aerospace": ("航空科技", "航空", "Aviation Technology", "Aviation", "aviation",
                  [("机身部件", "airframe parts"), ("航电设备", "avionics")]),
    "logistics": ("供应链管理", "物流", "Supply Chain Management", "Logistics", "logistics",
                  [("零部件循环取货", "milk-run parts pickup"), ("仓储配送", "warehousing and delivery")]),
}
TRADE_IDS = list(TRADES)
TRADE_WEIGHTS = [30, 4, 6, 5, 6, 6, 8, 4, 6, 6, 3, 6, 3, 3]

ROLES = [("tier1-supplier", 25), ("tier2-supplier", 20), ("supplier", 12), ("manufacturer", 28),
         ("vehicle-maker", 3), ("research-institute", 3), ("platform", 3), ("investor", 2),
         ("university", 1), ("bank", 1), ("association", 1), ("other", 1)]

PROVINCE_PREFIX = {"tianjin": ("天津", "Tianjin"), "beijing": ("北京", "Beijing")}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国立新"
TITLES = [("总经理", "General Manager"), ("董事长", "Chairman"), ("厂长", "Plant Manager"),
          ("技术总监", "Technical Director"), ("党委书记", "Party Secretary")]

OUTLETS = [("天津日报", "Tianjin Daily"), ("经济日报", "Economic Daily"),
           ("河北日报", "Hebei Daily"), ("北京日报", "Beijing Daily")]
SECTIONS = ["区域热点", "津报智库", "产业观察", "京津冀协同", "经济新闻"]
LEADS = ["", "据介绍，", "记者了解到，", "数据显示，", "目前，", "企业负责人表示，"]
TAILS = ["。", "，发展势头良好。", "，比上年有所提高。", "。“我们对未来很有信心。”", "；"]

PARK_KINDS = ["industrial-park", "science-park", "development-zone", "new-town", "base"]
PARK_WORDS = {"industrial-park": ("产业园", "Industrial Park"), "science-park": ("科技园", "Science Park"),
              "development-zone": ("经济开发区", "Economic Development Zone"),
              "new-town": ("产业新城", "Industrial New Town"), "base": ("产业基地", "Industrial Base")}

# --- YAML writing ----------------------------------------------------------------

_PLAIN = re.compile(r"[^\s:#\[\]{},&*!|>'\"%@`?\-][^:#\[\]{},&*!|>'\"%@`]*")
_NOT_PLAIN = re.compile(r"^(true|false|yes|no|on|off|null|~|[-+.\d][\d._eE+-]*)$", re.I)


def q(text: str) -> str:
    """A YAML scalar for `text`: plain where that is safe, else double-quoted (JSON syntax)."""
    if _PLAIN.fullmatch(text) and not _NOT_PLAIN.match(text) and text == text.strip():
        return text
    return json.dumps(text, ensure_ascii=False)


def num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def block(key: str, text: str, indent: str = "") -> list[str]:
    return [f"{indent}{key}: |"] + [f"{indent}  {line}" for line in text.splitlines()]


class Budget:
    """Bytes and YAML values of one file, against the loader's limits."""

    def __init__(self) -> None:
        try:
            sys.path.insert(0, str(MAIN))
            from atlas import load as _load  # noqa: PLC0415 - optional, read at run time
            self.max_bytes = int(getattr(_load, "MAX_FILE_BYTES", 2_000_000))
            self.max_nodes = int(getattr(_load, "MAX_EXPANDED_NODES", 200_000))
        except Exception:  # noqa: BLE001 - the generator works without the package
            self.max_bytes, self.max_nodes = 2_000_000, 200_000
        finally:
            if sys.path and sys.path[0] == str(MAIN):
                sys.path.pop(0)


# --- the generator ------------------------------------------------------------------


class Synth:
    def __init__(self, companies: int, seed: int, fit_limits: bool = True,
                 sources: int | None = None):
        import yaml  # noqa: PLC0415

        self.n = companies
        self.n_sources = sources if sources else max(20, companies // 50)
        self.rng = random.Random(seed)
        self.fit_limits = fit_limits
        self.districts = yaml.safe_load((MAIN / "content/districts.yaml").read_text(encoding="utf-8"))
        self.district_by_id = {d["id"]: d for d in self.districts}
        # Tianjin's districts are the atlas's focus; weight them up.
        self.district_weights = [5 if d["province"] == "tianjin" else 2 for d in self.districts]
        self.source_ids: list[str] = []
        self.sentences: dict[str, list[str]] = {}
        self.files: dict[str, str] = {}
        self.facts = 0
        self.used_names: set[tuple[str, str]] = set()
        self.used_ids: set[str] = set()

    # -- small helpers --

    def pick_district(self) -> dict:
        return self.rng.choices(self.districts, self.district_weights)[0]

    def near(self, district: dict) -> tuple[float, float]:
        """The district's centre moved by at most ~0.9 km north-south and east-west."""
        lat = district["centre"]["lat"] + self.rng.uniform(-0.006, 0.006)
        lon = district["centre"]["lon"] + self.rng.uniform(-0.008, 0.008)
        return round(lat, 5), round(lon, 5)

    def place_prefix(self, district: dict) -> tuple[str, str]:
        if district["province"] in PROVINCE_PREFIX:
            return PROVINCE_PREFIX[district["province"]]
        name = re.sub(r"(市|县|区|新区)$", "", district["name"])
        return name, district["name_en"].split(" ")[0]

    def say(self, source: str, quote: str) -> None:
        """Put a sentence carrying `quote` verbatim into the source's text; one in ten
        quotes runs across a line break, as on a printed page."""
        if len(quote) > 6 and self.rng.random() < 0.1:
            cut = self.rng.randrange(2, len(quote) - 2)
            quote = quote[:cut] + "\n" + quote[cut:]
        self.sentences[source].append(self.rng.choice(LEADS) + quote + self.rng.choice(TAILS))

    def unique_id(self, base: str, extra: str) -> str:
        for candidate in (base, f"{extra}-{base}"):
            if candidate not in self.used_ids and len(candidate) <= 64:
                self.used_ids.add(candidate)
                return candidate
        n = 2
        while f"{base}-{n}" in self.used_ids:
            n += 1
        self.used_ids.add(f"{base}-{n}")
        return f"{base}-{n}"

    def brand(self, trade: str) -> tuple[str, str]:
        for length in (2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4):
            chars = self.rng.sample(BRAND, length)
            zh = "".join(c for c, _ in chars)
            if (zh, trade) not in self.used_names:
                self.used_names.add((zh, trade))
                return zh, "".join(p for _, p in chars)
        raise RuntimeError("ran out of brand names")

    # -- facts --

    def fact(self, short: str, owner: str, sources: list[str], metric: str | None = None,
             source: str | None = None) -> list[str]:
        """One fact as YAML lines (list item at 2 spaces), its quote said in its source."""
        rng = self.rng
        source = source or rng.choice(sources)
        choices = {"company": ["output", "revenue", "staff", "patents", "growth", "share",
                               "capacity", "investment"],
                   "cluster": ["output", "companies", "growth", "revenue", "patents"],
                   "park": ["companies", "area", "investment", "output", "projects"],
                   "circle": ["vehicle_makers"]}[owner]
        metric = metric or rng.choice(choices)
        qualifier, qword, qafter = rng.choice([("exact", "达", ""), ("exact", "为", ""),
                                               ("over", "超", ""), ("about", "约", ""),
                                               ("nearly", "近", ""), ("at-least", "达", "以上")])
        kind = "actual"
        value_max = None
        period, as_of = "", ""
        year = rng.choice(["2024", "2025"])
        if metric in ("output", "revenue", "investment"):
            value = round(rng.uniform(0.5, 300), 1)
            unit = "亿元"
            word = {"output": "年产值", "revenue": "营业收入", "investment": "总投资"}[metric]
            if metric == "investment":
                period = year
                quote = f"{short}{word}{qword}{num(value)}{unit}{qafter}"
            elif rng.random() < 0.15:
                kind, qualifier, qword, qafter = "target", "exact", "将达", ""
                period = "2027"
                quote = f"到2027年，{short}{word}{qword}{num(value)}{unit}"
            else:
                period = rng.choice([year, f"{year}-H1", f"{year}-01/{year}-08"])
                quote = f"{short}{word}{qword}{num(value)}{unit}{qafter}"
        elif metric in ("companies", "vehicle_makers"):
            value = rng.randint(3, 400) if metric == "companies" else rng.randint(5, 25)
            unit = "家"
            as_of = f"{year}-{rng.randint(1, 12):02d}"
            if rng.random() < 0.1:
                value_max = value + rng.randint(1, 20)
                qualifier, qword, qafter = "exact", "", ""
                quote = f"{short}集聚企业{value}至{value_max}家"
            else:
                quote = f"{short}集聚企业{qword}{value}家{qafter}"
        elif metric == "staff":
            value, unit, as_of = rng.randint(20, 9000), "人", f"{year}-{rng.randint(1, 12):02d}"
            quote = f"{short}现有员工{qword}{value}人{qafter}"
        elif metric == "patents":
            value, unit, as_of = rng.randint(5, 900), "项", f"{year}-{rng.randint(1, 12):02d}"
            quote = f"{short}累计获得专利{qword}{value}项{qafter}"
        elif metric == "growth":
            value, unit, period = round(rng.uniform(-8, 60), 1), "%", year
            qualifier, qafter = ("exact", "") if qualifier == "at-least" else (qualifier, qafter)
            qword = qword if qualifier != "exact" else ""
            quote = f"{short}{year}年同比增长{qword}{num(value)}%" if value >= 0 else \
                f"{short}{year}年同比下降{num(-value)}%"
        elif metric == "share":
            value, unit, as_of = round(rng.uniform(1, 95), 1), "%", f"{year}-{rng.randint(1, 12):02d}"
            quote = f"{short}产品占国内市场份额{qword}{num(value)}%{qafter}"
        elif metric == "capacity":
            value, unit, period = rng.randint(1, 500), "万台套", year
            if rng.random() < 0.2:
                kind, qualifier, qword, qafter = "estimate", "about", "约", ""
                quote = f"预计{short}年产能约{value}万台套"
            else:
                quote = f"{short}年产能{qword}{value}万台套{qafter}"
        elif metric == "area":
            value, unit, as_of = round(rng.uniform(1, 80), 1), "平方公里", year
            quote = f"{short}规划面积{qword}{num(value)}平方公里{qafter}"
        else:  # projects
            value, unit, as_of = rng.randint(3, 120), "个", f"{year}-{rng.randint(1, 12):02d}"
            quote = f"{short}累计落地项目{qword}{value}个{qafter}"
        lines = [f"  - metric: {metric}", f"    value: {num(value)}"]
        if value_max is not None:
            lines.append(f"    value_max: {num(value_max)}")
        if qualifier != "exact":
            lines.append(f"    qualifier: {qualifier}")
        lines.append(f"    unit: {q(unit)}")
        if period:
            lines.append(f'    period: "{period}"')
        if as_of:
            lines.append(f'    as_of: "{as_of}"')
        if rng.random() < 0.1:
            lines.append("    time_inferred: true")
        lines.append(f"    kind: {kind}")
        lines += [f"    source: {source}", f"    quote: {q(quote)}"]
        self.say(source, quote)
        self.facts += 1
        return lines

    def facts_block(self, short: str, owner: str, sources: list[str]) -> list[str]:
        lines = ["facts:"]
        first = self.fact(short, owner, sources)
        lines += first
        for _ in range(self.rng.randint(1, 3)):
            lines += self.fact(short, owner, sources)
        # One record in twenty has a disagreement: the same figure, another source, another value.
        if len(sources) > 1 and self.rng.random() < 0.05:
            metric = first[0].split(": ")[1]
            lines += self.fact(short, owner, sources, metric=metric, source=sources[-1])
        return lines

    def pick_sources(self) -> list[str]:
        k = 1 if self.rng.random() < 0.6 else 2
        return sorted(self.rng.sample(self.source_ids, k))

    # -- the records --

    def make_sources(self) -> None:
        for i in range(self.n_sources):
            month = 1 + i % 12
            ident = f"synth-{['tjrb', 'jjrb', 'hbrb', 'bjrb'][i % 4]}-{2024 + i % 2}-{month:02d}-{i + 1:03d}"
            self.source_ids.append(ident)
            self.sentences[ident] = []

    def write_sources(self) -> None:
        for i, ident in enumerate(self.source_ids):
            outlet, outlet_en = OUTLETS[i % len(OUTLETS)]
            year, month = ident.split("-")[2:4]
            inferred = i % 3 == 0
            headline = f"第{i + 1}期 京津冀产业协同“加速跑”"
            lines = [f"outlet: {outlet}", f"outlet_en: {outlet_en}",
                     f'date: "{year}-{month}"' if inferred else f'date: "{year}-{month}-{1 + i % 28:02d}"',
                     f"date_inferred: {'true' if inferred else 'false'}"]
            if inferred:
                lines.append(f'date_clue: "undated page; it reports events of {year}-{month} as recent"')
            lines += [f"sections: [{SECTIONS[i % len(SECTIONS)]}]", "headlines:",
                      f"  - title: {q(headline)}",
                      f"    title_en: {q(f'Issue {i + 1}: Beijing-Tianjin-Hebei industrial coordination speeds up')}",
                      f"    reporters: [{SURNAMES[i % len(SURNAMES)]}{GIVEN[i % len(GIVEN)]}]",
                      "  - title: 产业集群织密“创新网”",
                      "    title_en: Industrial clusters weave an innovation network",
                      f"text: {ident}.txt"]
            self.files[f"content/sources/{ident}.yaml"] = "\n".join(lines) + "\n"
            body = [outlet, "", headline, "", f"■ 记者 {SURNAMES[i % len(SURNAMES)]}{GIVEN[i % len(GIVEN)]}", ""]
            sentences = self.sentences[ident] or ["京津冀产业协同持续深化。"]
            for start in range(0, len(sentences), 4):
                body.append("".join(sentences[start:start + 4]))
                body.append("")
            self.files[f"content/sources/{ident}.txt"] = "\n".join(body)

    def make_parks(self) -> list[dict]:
        parks = []
        for i in range(max(1, self.n // 50)):
            district = self.pick_district()
            kind = self.rng.choice(PARK_KINDS)
            word, word_en = PARK_WORDS[kind]
            zh, py = self.brand("park")
            place, place_en = self.place_prefix(district)
            name = f"{place}{zh}{word}"
            ident = self.unique_id(f"{py}-{kind}", district["id"])
            sources = self.pick_sources()
            short = f"{zh}{word}"
            lat, lon = self.near(district)
            datum = "gcj02" if district["level"] == "city" else "wgs84"
            lines = [f"name: {q(name)}", f"name_en: {q(f'{place_en} {py.capitalize()} {word_en}')}"]
            if self.rng.random() < 0.4:
                lines.append(f"aliases: [{q(short)}]")
            lines += [f"kind: {kind}", f"district: {district['id']}"]
            parent = None
            siblings = [p for p in parks if p["district"] == district["id"] and not p["parent"]]
            if siblings and self.rng.random() < 0.3:
                parent = self.rng.choice(siblings)["id"]
                lines.append(f"parent: {parent}")
            lines += ["location:", f"  lat: {lat}", f"  lon: {lon}", f"  datum: {datum}",
                      "  precision: park",
                      "  note: Synthetic point near the district centre (benchmark data)."]
            lines += block("summary", f"{district['name']}的{word}，以{self.rng.choice(['汽车零部件', '新材料', '智能装备', '生物医药'])}"
                                      f"为主导产业，集聚了一批“专精特新”企业。")
            lines += block("summary_en", f"{'An' if word_en[0] in 'AEIOU' else 'A'} {word_en.lower()} in {district['name_en']}.")
            lines += self.facts_block(short, "park", sources)
            lines.append(f"sources: [{', '.join(sources)}]")
            self.files[f"content/parks/{ident}.yaml"] = "\n".join(lines) + "\n"
            parks.append(dict(id=ident, district=district["id"], parent=parent, sources=sources))
        return parks

    def make_clusters(self, parks: list[dict]) -> list[dict]:
        clusters = []
        count = max(1, self.n // 20)
        programme = None
        for i in range(count):
            sources = self.pick_sources()
            if i == 0 and count > 1:
                ident = self.unique_id("synth-jjj-programme", "jjj")
                programme = ident
                lines = ["name: 京津冀产业链协同计划（合成）", "name_en: Jing-Jin-Ji chain programme (synthetic)",
                         "kind: programme", "industry: manufacturing", "region: jjj"]
                lines += block("summary", "京津冀三地共同推进的**产业链协同计划**，包括多个集群与产业链。")
                lines += self.facts_block("协同计划", "cluster", sources)
                lines.append(f"sources: [{', '.join(sources)}]")
                self.files[f"content/clusters/{ident}.yaml"] = "\n".join(lines) + "\n"
                clusters.append(dict(id=ident, trade="auto-parts", district=None))
                continue
            trade = self.rng.choices(TRADE_IDS, TRADE_WEIGHTS)[0]
            word = TRADES[trade][0]
            district = self.pick_district()
            kind = "chain" if self.rng.random() < 0.15 else "cluster"
            suffix, suffix_en = ("产业链", "Chain") if kind == "chain" else ("产业集群", "Cluster")
            zh, py = self.brand("cluster")
            name = f"{district['name']}{zh}{word}{suffix}"
            ident = self.unique_id(f"{district['id']}-{py}-{TRADES[trade][4]}", "c")
            short = f"{district['name']}{zh}{word}{suffix}"
            lines = [f"name: {q(name)}",
                     f"name_en: {q(district['name_en'] + ' ' + py.capitalize() + ' ' + TRADES[trade][2] + ' ' + suffix_en)}",
                     f"kind: {kind}", f"industry: {trade}",
                     f"region: {district['province']}", f"district: {district['id']}"]
            if self.rng.random() < 0.3:
                year = self.rng.choice([2024, 2025])
                source = self.rng.choice(sources)
                quote = f"{short}入选{year}年度中小企业特色产业集群"
                self.say(source, quote)
                lines += ["designations:", f"  - list: {year}年度中小企业特色产业集群",
                          f"    list_en: {year} SME characteristic industrial clusters",
                          f"    year: {year}", f"    source: {source}", f"    quote: {q(quote)}"]
            if programme and self.rng.random() < 0.3:
                lines.append(f"parent: {programme}")
            here = [p["id"] for p in parks if p["district"] == district["id"]][:2]
            if here:
                lines.append(f"parks: [{', '.join(here)}]")
            bold = self.rng.random() < 0.5
            lines += block("summary", f"{district['name']}的{word}{suffix}，"
                           + (f"以**{TRADES[trade][5][0][0]}**为特色，" if bold else "")
                           + "产业链上下游企业协同配套、创新平台不断完善。")
            lines += block("summary_en", f"The {word} {suffix_en.lower()} of {district['name_en']}"
                           + (f", known for **{TRADES[trade][5][0][1]}**." if bold else "."))
            lines += self.facts_block(short, "cluster", sources)
            lines.append(f"sources: [{', '.join(sources)}]")
            self.files[f"content/clusters/{ident}.yaml"] = "\n".join(lines) + "\n"
            clusters.append(dict(id=ident, trade=trade, district=district["id"]))
        return clusters

    def make_companies(self, parks: list[dict], clusters: list[dict]) -> list[dict]:
        companies = []
        roles, weights = zip(*ROLES)
        for i in range(self.n):
            rng = self.rng
            role = rng.choices(roles, weights)[0]
            trade = "automotive" if role == "vehicle-maker" else rng.choices(TRADE_IDS, TRADE_WEIGHTS)[0]
            if trade == "automotive" and role != "vehicle-maker":
                trade = "auto-parts"
            word, short_word, word_en, short_en, slug, products = TRADES[trade]
            placement = rng.random()
            park = None
            if placement < 0.6:
                park = rng.choice(parks)
                district = self.district_by_id[park["district"]]
            elif placement < 0.98:
                district = self.pick_district()
            else:
                district = None  # listed, not mapped
            own_location = district is not None and rng.random() < 0.15
            zh, py = self.brand(trade)
            place, place_en = self.place_prefix(district or self.district_by_id["tianjin"])
            name = f"{place}{zh}{word}有限公司" if role not in ("research-institute", "university", "association") \
                else f"{place}{zh}{word}研究院"
            name_en = f"{place_en} {py.capitalize()} {word_en} " + \
                ("Co., Ltd." if name.endswith("公司") else "Research Institute")
            short = f"{zh}{short_word}"
            ident = self.unique_id(f"{py}-{slug}", (district or {"id": "jjj"})["id"])
            sources = self.pick_sources()
            lines = [f"name: {q(name)}", f"name_en: {q(name_en)}"]
            if rng.random() < 0.5:
                lines.append(f"aliases: [{q(short)}]")
            lines += [f"role: {role}", f"industry: {trade}"]
            if companies and rng.random() < 0.05:
                lines.append(f"parent: {rng.choice(companies)['id']}")
            if district:
                lines.append(f"district: {district['id']}")
            if park:
                lines.append(f"park: {park['id']}")
            mine = []
            if clusters and rng.random() < 0.75:
                mine = sorted({rng.choice(clusters)["id"] for _ in range(1 if rng.random() < 0.85 else 2)})
                lines.append(f"clusters: [{', '.join(mine)}]")
            made = rng.sample(products, min(len(products), rng.randint(1, 2)))
            lines.append("products:")
            for p_zh, p_en in made:
                lines += [f"  - name: {q(p_zh)}", f"    name_en: {q(p_en)}"]
            if rng.random() < 0.3:
                title, title_en = rng.choice(TITLES)
                lines += ["people:", f"  - name: {rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}",
                          f"    title: {title}", f"    title_en: {title_en}",
                          f"    source: {rng.choice(sources)}"]
            if own_location:
                lat, lon = self.near(district)
                lines += ["location:", f"  lat: {lat}", f"  lon: {lon}", "  datum: wgs84",
                          "  precision: exact",
                          "  note: Synthetic point near the district centre (benchmark data)."]
            where = district["name"] if district else "京津冀"
            style = rng.randrange(3)
            if style == 0:
                summary = f"**{short}**是位于{where}的{word}企业，主要产品为{made[0][0]}。"
                summary_en = f"**{short_en} maker {py.capitalize()}**, based in " \
                             f"{district['name_en'] if district else 'the region'}; it makes {made[0][1]}."
            elif style == 1:
                summary = f"{where}的{TRADES[trade][0]}企业，产品包括{'、'.join(p for p, _ in made)}；" \
                          f"近年来加快“智改数转”，与京津冀整车企业协同配套。"
                summary_en = f"A {word_en.lower()} company in {district['name_en'] if district else 'the region'}."
            else:
                summary = f"{short}（{name}）专注于{made[0][0]}的研发与生产。\n\n- 产品：{made[0][0]}\n- 所在地：{where}"
                summary_en = f"{name_en} develops and makes {made[0][1]}."
            lines += block("summary", summary)
            lines += block("summary_en", summary_en)
            lines += self.facts_block(short, "company", sources)
            lines.append(f"sources: [{', '.join(sources)}]")
            self.files[f"content/companies/{ident}.yaml"] = "\n".join(lines) + "\n"
            companies.append(dict(id=ident, short=short, role=role, products=made, sources=sources))
        return companies

    def make_links(self, companies: list[dict]) -> tuple[int, bool]:
        """Three links per company as supplier, in rounds; links.yaml holds as many as
        the loader's limits allow, content/links/part-NNN.yaml the rest."""
        budget = Budget()
        header = "# Synthetic supply links (benchmark data): supplier supplies customer.\n"
        size, nodes = len(header.encode()), 1
        chunks, files = [header], []
        customers = [c for c in companies if c["role"] in ("vehicle-maker", "tier1-supplier")] or companies
        pairs: set[tuple[str, str]] = set()
        count, capped = 0, False
        rng = self.rng
        for _round in range(3):
            for supplier in companies:
                if len(companies) < 2:
                    break
                for _try in range(10):
                    customer = rng.choice(customers if rng.random() < 0.7 else companies)
                    if customer is not supplier and (supplier["id"], customer["id"]) not in pairs:
                        break
                else:
                    continue
                source = rng.choice(supplier["sources"])
                product, product_en = rng.choice(supplier["products"])
                quote = f"{supplier['short']}为{customer['short']}配套供应{product}"
                lines = [f"- supplier: {supplier['id']}", f"  customer: {customer['id']}"]
                keys = 4
                if rng.random() < 0.5:
                    lines += [f"  product: {q(product)}", f"  product_en: {q(product_en)}"]
                    keys += 2
                lines += [f"  source: {source}", f"  quote: {q(quote)}"]
                said = [quote]
                link_nodes = 1 + 2 * keys
                if rng.random() < 0.1:
                    share = rng.randint(5, 90)
                    fact_quote = f"{customer['short']}订单约占{supplier['short']}业务总量的{share}%"
                    lines += ["  facts:", "    - metric: share",
                              f"      subject: {q(customer['short'] + '订单占其业务总量')}",
                              f"      value: {share}", "      qualifier: about", '      unit: "%"',
                              f'      as_of: "{source.split("-")[2]}-{source.split("-")[3]}"',
                              "      kind: actual", f"      source: {source}", f"      quote: {q(fact_quote)}"]
                    said.append(fact_quote)
                    link_nodes += 3 + 2 * 9  # facts key, list, mapping, 9 keys
                text = "\n".join(lines) + "\n"
                grow = len(text.encode())
                if self.fit_limits and (size + grow > budget.max_bytes - 1024
                                        or nodes + link_nodes > budget.max_nodes - 16):
                    # This file is full: the rest go to content/links/part-NNN.yaml.
                    files.append(chunks)
                    chunks = [header]
                    size, nodes = len(header.encode()), 1
                pairs.add((supplier["id"], customer["id"]))
                size, nodes = size + grow, nodes + link_nodes
                chunks.append(text)
                for s in said:
                    self.say(source, s)
                self.facts += len(said) - 1
                count += 1
        files.append(chunks)
        self.files["content/links.yaml"] = "".join(files[0]) if count else "[]\n"
        for number, more in enumerate(files[1:], 2):
            self.files[f"content/links/part-{number:03d}.yaml"] = "".join(more)
        return count, capped

    def make_circles(self, parks: list[dict]) -> None:
        lines = ["# Synthetic circles (benchmark data)."]
        tj = [d["id"] for d in self.districts if d["province"] == "tianjin"][:3]
        for i, (name, name_en, radius) in enumerate([("1小时零部件配套圈", "1-hour parts supply circle", 100),
                                                     ("2小时产业圈", "2-hour industry circle", 200)]):
            park = parks[i % len(parks)]
            source = self.source_ids[i]
            quote = f"周边{radius}公里半径内聚集了{12 + i}家整车企业"
            self.say(source, quote)
            lines += [f"- id: synth-circle-{i + 1}", f"  name: {name}", f"  name_en: {name_en}",
                      "  kind: supply", f"  centre: {park['id']}", f"  partners: [{', '.join(tj)}]",
                      "  radii:", f"    - value: {radius}", "      unit: km",
                      f"      source: {source}", f"      quote: {q(quote)}"]
            if i == 1:
                lines += ["  assumed_radius_km: 160", "  assumed_basis: about two hours' drive at ~80 km/h"]
            lines += [f"  summary: {q('京津冀整车企业周边的**配套圈**（合成数据）。')}"]
            lines += ["  facts:"] + ["  " + l for l in self.fact(f"{name}内", "circle", [source])]
            lines.append(f"  sources: [{source}]")
        self.files["content/circles.yaml"] = "\n".join(lines) + "\n"

    def make_static_tables(self) -> None:
        for name in ("districts.yaml", "metrics.yaml", "industries.yaml"):
            self.files[f"content/{name}"] = (MAIN / "content" / name).read_text(encoding="utf-8")
        self.files["content/pages/about.md"] = (
            "---\ntitle: 关于本图谱（合成基准数据）\ntitle_en: About this atlas (synthetic benchmark data)\n---\n\n"
            f"这是由 `bench/synth.py` 生成的**合成数据**，共{self.n}家企业，仅用于性能测试。\n\n"
            f"*Synthetic data made by `bench/synth.py` ({self.n} companies) for benchmarks only.*\n")
        self.files["atlas.toml"] = (
            "# Synthetic benchmark project (bench/synth.py).\n[site]\n"
            'name = "jjj-atlas-bench"\ntitle = "京津冀产业图谱（合成基准）"\n'
            'title_en = "Jing-Jin-Ji Industry Atlas (synthetic benchmark)"\nurl = ""\n'
            'build_date = "2025-01-01"\n\n[map]\ntiles = []\n')

    def run(self) -> dict:
        self.make_sources()
        self.make_static_tables()
        parks = self.make_parks()
        clusters = self.make_clusters(parks)
        companies = self.make_companies(parks, clusters)
        links, capped = self.make_links(companies)
        self.make_circles(parks)
        self.write_sources()
        return dict(companies=len(companies), clusters=len(clusters), parks=len(parks),
                    links=links, links_wanted=3 * len(companies) if len(companies) > 1 else 0,
                    links_capped=capped, sources=len(self.source_ids), facts=self.facts, circles=2)


def generate(root: Path, companies: int, seed: int = 1, *, assets: str = "symlink",
             fit_limits: bool = True, sources: int | None = None) -> dict:
    """Write a complete, valid project tree with `companies` companies at `root`
    (its content/ and atlas.toml are replaced). Returns the counts written.
    assets: "symlink" (templates/ and static/ link to the real ones) or "copy".
    sources: how many source articles (default: one per 50 companies, at least 20)."""
    if companies < 1:
        raise ValueError("companies must be at least 1")
    root = Path(root)
    synth = Synth(companies, seed, fit_limits, sources)
    stats = synth.run()
    if (root / "content").exists():
        shutil.rmtree(root / "content")
    root.mkdir(parents=True, exist_ok=True)
    for rel in sorted(synth.files):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(synth.files[rel].encode("utf-8"))
    for name in ("templates", "static", "i18n"):
        target = root / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        if assets == "copy":
            shutil.copytree(MAIN / name, target)
        else:
            os.symlink(MAIN / name, target, target_is_directory=True)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="project folder to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--copy-assets", action="store_true",
                        help="copy templates/ and static/ instead of symlinking them")
    parser.add_argument("--ignore-limits", action="store_true",
                        help="write 3 links per company even if links.yaml then breaks the loader's limits")
    args = parser.parse_args(argv)
    stats = generate(args.out, args.companies, args.seed,
                     assets="copy" if args.copy_assets else "symlink",
                     fit_limits=not args.ignore_limits)
    print(f"wrote {args.out}: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    if stats["links_capped"]:
        print(f"note: links capped at {stats['links']} of {stats['links_wanted']} to keep "
              "content/links.yaml within the loader's file limits (atlas.load)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
