"""Charts drawn at build time as inline SVG: which figures a chart compares, and how it looks.

Three kinds, each a horizontal bar chart (labels of any length fit a 360 px phone):
  compare  one metric across clusters, actual figures only
  time     one record's figure for one metric and subject, in time order
  plan     one record's targets and estimates beside its actual figures

Every fact is its own bar: where sources disagree each value is drawn and labelled
with its source. A chart never mixes units: figures in 万元 and 亿元 share an axis only
after an exact decimal conversion; anything else becomes a separate chart, or none.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Mapping

from markupsafe import Markup, escape

from . import format as fmt
from .model import Atlas, Fact, Record

# Metrics where a bigger bar means a bigger cluster. Rates (growth, share) are left out:
# percentages of different bases do not compare as lengths, and `count` holds unlike things.
COMPARED_METRICS = ("output", "revenue", "companies", "suppliers", "patents",
                    "invention_patents", "platforms", "standards", "investment")
FORWARD_KINDS = ("target", "estimate")
# Chinese magnitude prefixes of a unit, longest first: 万亿元 = 10^4 亿元.
UNIT_SCALES = tuple((prefix, Decimal(scale)) for prefix, scale in fmt.MAGNITUDES)
MIN_BARS = 2
# A comparison shows at most this many clusters, the largest: past a few dozen bars a
# chart is a wall on a phone (and at 500 clusters the list page was 1.6 MB of charts).
# Every figure is still in the clusters table and in data/facts.csv.
COMPARE_MOST_CLUSTERS = 40


@dataclass(frozen=True)
class Bar:
    fact: Fact
    value: Decimal                 # in the chart's unit
    value_max: Decimal | None
    converted: bool                # the fact was given in another unit of the same family


@dataclass(frozen=True)
class Chart:
    kind: str                      # compare | time | plan
    metric: str
    unit: str
    bars: tuple[Bar, ...]
    owner: str = ""                # "<kind>:<id>" of a time or plan chart's record
    reporting: int = 0             # compare: clusters that report it, when more than are shown

    @property
    def key(self) -> str:
        """A stable id for this chart's elements, unique on a page."""
        text = f"{self.kind}|{self.metric}|{self.unit}|{self.owner}|{self.bars[0].fact.subject}"
        return "chart-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]

    @property
    def top(self) -> Decimal:
        return max(b.value_max if b.value_max is not None else b.value for b in self.bars)


# ---- picking the data ---------------------------------------------------------------

def split_unit(unit: str) -> tuple[Decimal, str]:
    """'万元' -> (10000, '元'); '家' -> (1, '家')."""
    for prefix, scale in UNIT_SCALES:
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return scale, unit[len(prefix):]
    return Decimal(1), unit


def chart_unit(facts: list[Fact]) -> str:
    """The unit most of the facts use (ties: the larger one), so most labels stay as printed."""
    counts: dict[str, int] = {}
    for f in facts:
        counts[f.unit] = counts.get(f.unit, 0) + 1
    return max(sorted(counts), key=lambda u: (counts[u], split_unit(u)[0]))


def to_unit(value: float, unit: str, target: str) -> Decimal:
    """Exact decimal conversion between units of one family (410.85 亿元 stays 410.85)."""
    return Decimal(repr(float(value))) * split_unit(unit)[0] / split_unit(target)[0]


def bars_in_unit(facts: list[Fact], unit: str) -> tuple[Bar, ...]:
    return tuple(Bar(f, to_unit(f.value, f.unit, unit),
                     None if f.value_max is None else to_unit(f.value_max, f.unit, unit),
                     f.unit != unit) for f in facts)


def by_unit_family(facts: list[Fact]) -> list[list[Fact]]:
    """Facts split by the unit they can share an axis in, in a stable order."""
    families: dict[str, list[Fact]] = {}
    for f in facts:
        families.setdefault(split_unit(f.unit)[1], []).append(f)
    return [families[base] for base in sorted(families)]


_HALF = {"H1": "01", "H2": "07", "Q1": "01", "Q2": "04", "Q3": "07", "Q4": "10"}


def time_key(fact: Fact) -> str:
    """When a figure applies, as a sortable string: '2025-07' for 2025-H2, '2024' for 2024."""
    start = (fact.period.partition("/")[0] if fact.period else fact.as_of)
    return re.sub(r"-(H[12]|Q[1-4])$", lambda m: "-" + _HALF[m.group(1)], start)


def fact_order(fact: Fact) -> tuple:
    return (time_key(fact), fact.source_id, fact.subject, fact.value)


def cluster_comparisons(atlas: Atlas) -> list[Chart]:
    """One chart per compared metric and unit that at least two clusters report."""
    charts = []
    for metric in COMPARED_METRICS:
        facts = [f for c in atlas.clusters.values() for f in c.facts
                 if f.metric == metric and f.kind == "actual"]
        for family in by_unit_family(facts):
            if len({f.owner_id for f in family}) < MIN_BARS:
                continue
            unit = chart_unit(family)
            bars = bars_in_unit(family, unit)
            largest: dict[str, Decimal] = {}
            for b in bars:
                largest[b.fact.owner_id] = max(largest.get(b.fact.owner_id, b.value), b.value)
            ordered = sorted(bars, key=lambda b: (-largest[b.fact.owner_id], b.fact.owner_id,
                                                  fact_order(b.fact)))
            shown = sorted(largest, key=lambda owner: (-largest[owner], owner))
            reporting = 0
            if len(shown) > COMPARE_MOST_CLUSTERS:
                reporting, kept = len(shown), set(shown[:COMPARE_MOST_CLUSTERS])
                ordered = [b for b in ordered if b.fact.owner_id in kept]
            charts.append(Chart("compare", metric, unit, tuple(ordered), reporting=reporting))
    return charts


def time_series(record: Record) -> list[Chart]:
    """A record's actual figures for one metric and subject given for two or more times."""
    groups: dict[tuple, list[Fact]] = {}
    for f in record.facts:
        if f.kind == "actual":
            groups.setdefault((f.metric, f.subject, split_unit(f.unit)[1]), []).append(f)
    charts = []
    for key in sorted(groups):
        facts = sorted(groups[key], key=fact_order)
        if len({time_key(f) for f in facts}) < MIN_BARS:
            continue
        unit = chart_unit(facts)
        charts.append(Chart("time", key[0], unit, bars_in_unit(facts, unit),
                            owner=f"{record.kind_name}:{record.id}"))
    return charts


def targets_and_actuals(record: Record) -> list[Chart]:
    """A record's targets and estimates beside its actual figures for the same metric."""
    groups: dict[tuple, list[Fact]] = {}
    for f in record.facts:
        groups.setdefault((f.metric, split_unit(f.unit)[1]), []).append(f)
    charts = []
    for key in sorted(groups):
        facts = groups[key]
        actual = sorted((f for f in facts if f.kind == "actual"), key=fact_order)
        ahead = sorted((f for f in facts if f.kind in FORWARD_KINDS), key=fact_order)
        if not actual or not ahead:
            continue
        unit = chart_unit(facts)
        charts.append(Chart("plan", key[0], unit, bars_in_unit(actual + ahead, unit),
                            owner=f"{record.kind_name}:{record.id}"))
    return charts


_last_charts: tuple = (None, [])


def record_charts(record: Record) -> list[Chart]:
    """A record's time series and plan charts. Made once for the record's page in both
    languages (rendered one after the other); a record with no metric given twice has none."""
    global _last_charts
    if _last_charts[0] is record:
        return list(_last_charts[1])
    metrics = [f.metric for f in record.facts]
    # Either kind of chart needs two figures for one metric.
    found = time_series(record) + targets_and_actuals(record) \
        if len(set(metrics)) < len(metrics) else []
    _last_charts = (record, found)
    return list(found)


# ---- labels -------------------------------------------------------------------------

# The words a chart adds around the atlas's own texts: the `chart.*` keys of each
# edition's interface catalogue (i18n/<lang>.yaml).
WORD_KEYS = ("section", "compare", "time", "plan", "unit", "sep", "actual", "item", "desc_bars",
             "desc_kinds", "desc_table", "table", "heading_compare", "heading_time",
             "heading_plan", "value", "detail", "compare_most")


@dataclass(frozen=True)
class Words:
    """One edition's chart words, and its language for the figures' own formatting."""

    lang: str
    text: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.text[key]


def words_from(lang: str, catalogue: Mapping[str, str]) -> Words:
    """The chart words of a catalogue as atlas.i18n.load_catalogues reads it."""
    return Words(lang, {key: catalogue[f"chart.{key}"] for key in WORD_KEYS})


def decimal_text(value: Decimal) -> str:
    """Decimal(0.041085) -> '0.041085', Decimal(12000) -> '12,000' (never rounded)."""
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    if abs(value) >= 10000:
        whole = f"{int(whole):,}"
    return whole + ("." + frac if frac else "")


def unit_text(unit: str, lang: str) -> str:
    """The chart's unit as a reader of the edition knows it: '亿元', 'CNY 100 million'."""
    if lang != "en":
        return unit
    numbers, before, after = fmt.english_amount([1], unit)
    if split_unit(unit)[0] == 1:
        return (before + after).strip()
    return f"{before}{numbers[0]}{after}".strip()


def value_text(bar: Bar, unit: str, lang: str = "zh") -> str:
    """The figure as printed, with its qualifier and range; in Chinese a converted one
    also in the chart's unit (English words of magnitude need no conversion)."""
    if lang == "en":
        return fmt.fact_value_en(bar.fact)
    text = fmt.fact_value(bar.fact)
    if bar.converted:
        span = decimal_text(bar.value)
        if bar.value_max is not None:
            span += "–" + decimal_text(bar.value_max)
        text += f"（= {span} {unit}）"
    return text


def kind_text(fact: Fact, lang: str) -> str:
    """'' for an actual figure, else '目标' / 'target', '预计' / 'estimate'."""
    return (fmt.KIND_EN if lang == "en" else fmt.KIND_ZH)[fact.kind]


def period_text(fact: Fact, lang: str) -> str:
    return fmt.period_en(fact) if lang == "en" else fmt.period_zh(fact)


def source_text(atlas: Atlas, fact: Fact, lang: str) -> str:
    source = atlas.sources[fact.source_id]
    if lang == "en":
        return f"{source.outlet_en or source.outlet} {fmt.date_en(source.date)}"
    return f"{source.outlet} {fmt.date_zh(source.date)}"


def _pick(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" and en else zh


def record_name(atlas: Atlas, fact: Fact, lang: str) -> str:
    record = atlas.record(fact.owner_kind, fact.owner_id)
    return _pick(record.name, record.name_en, lang)


def subject_text(fact: Fact, lang: str) -> str:
    return _pick(fact.subject, fact.subject_en, lang)


def bar_heading(chart: Chart, bar: Bar, atlas: Atlas, words: Words) -> str:
    """What a bar is: the cluster (compare), the time (time), the kind and time (plan)."""
    f, lang = bar.fact, words.lang
    if chart.kind == "compare":
        return record_name(atlas, f, lang)
    if chart.kind == "time":
        return period_text(f, lang)
    when = period_text(f, lang)
    return (kind_text(f, lang) or words["actual"]) + (" " + when if when else "")


def bar_detail(chart: Chart, bar: Bar, atlas: Atlas, words: Words) -> str:
    f, lang = bar.fact, words.lang
    parts = {"compare": [subject_text(f, lang), period_text(f, lang)], "time": [],
             "plan": [subject_text(f, lang)]}[chart.kind]
    return " · ".join(p for p in parts + [source_text(atlas, f, lang)] if p)


def row_labels(chart: Chart, atlas: Atlas, words: Words) -> list[tuple[str, str]]:
    """(heading, detail) above each bar; a heading equal to the one before is left out."""
    rows, previous = [], None
    for bar in chart.bars:
        heading = bar_heading(chart, bar, atlas, words)
        rows.append(("" if heading == previous else heading, bar_detail(chart, bar, atlas, words)))
        previous = heading
    return rows


def chart_title(chart: Chart, atlas: Atlas, words: Words) -> str:
    """'各集群产值比较（亿元）', 'Output value: clusters compared (CNY 100 million)'."""
    lang = words.lang
    metric = atlas.metrics[chart.metric]
    title = words[chart.kind].format(metric=_pick(metric.name, metric.name_en, lang))
    if chart.kind == "time" and chart.bars[0].fact.subject:
        title += words["sep"] + subject_text(chart.bars[0].fact, lang)
    unit = unit_text(chart.unit, lang)
    title += words["unit"].format(unit=unit) if unit else ""
    if chart.reporting:
        title += words["compare_most"].format(n=COMPARE_MOST_CLUSTERS, total=chart.reporting)
    return title


def chart_desc(chart: Chart, atlas: Atlas, words: Words) -> str:
    """Every bar in words, for a reader who cannot see the chart. The sentences join
    as the catalogue writes them (the English ones begin with their space)."""
    items = [words["item"].format(heading=bar_heading(chart, b, atlas, words),
                                  value=value_text(b, chart.unit, words.lang),
                                  detail=bar_detail(chart, b, atlas, words))
             for b in chart.bars]
    text = words["desc_bars"].format(n=len(chart.bars), items=words["sep"].join(items))
    if any(b.fact.kind in FORWARD_KINDS or b.value_max is not None for b in chart.bars):
        text += words["desc_kinds"]
    return text + words["desc_table"]


# ---- drawing ------------------------------------------------------------------------

WIDTH = 340          # viewBox units; on a 360 px phone the chart is ~328 px wide
PAD = 4
FONT_HEADING = 14
FONT_DETAIL = 13
FONT_VALUE = 13
BAR_HEIGHT = 18
LINE = 1.3           # line height, in ems
INK = "#1f2328"
MUTED = "#4d545c"
FILL = "#1d6fa5"
OUTLINE = "#134d73"


class _CharWidths(dict):
    """The width of each character at one font size, looked up as it is first met."""

    def __init__(self, size: float):
        super().__init__()
        self.size = size

    def __missing__(self, ch: str) -> float:
        width = self[ch] = self.size if unicodedata.east_asian_width(ch) in "WF" else self.size * 0.62
        return width


_CHAR_WIDTHS: dict[float, _CharWidths] = {}


def text_width(text: str, size: float) -> float:
    """A generous estimate of rendered width: wide (CJK) characters one em, others 0.62
    (the same sum, term by term, as adding each character's width in turn)."""
    widths = _CHAR_WIDTHS.get(size)
    if widths is None:
        widths = _CHAR_WIDTHS[size] = _CharWidths(size)
    return sum(map(widths.__getitem__, text))


def _wrap_words(text: str, width: float, size: float) -> list[str]:
    """Break between words, or anywhere in CJK text; split a word longer than a line."""
    tokens = re.findall(r"\s+|[^\s\u2e80-\uffef]+|[\u2e80-\uffef]", text)
    lines, line = [], ""
    for token in tokens:
        if text_width(line + token, size) <= width or not line.strip():
            line += token
            while text_width(line, size) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and text_width(line[:cut], size) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


def wrap(text: str, width: float, size: float, sep: str = " · ") -> list[str]:
    """Lines no wider than `width`, keeping each `sep`-separated part on one line
    where it fits (a source's name and date are not split)."""
    lines: list[str] = []
    for part in text.split(sep):
        joined = lines[-1] + sep + part if lines else part
        if lines and text_width(joined, size) <= width:
            lines[-1] = joined
        elif text_width(part, size) <= width:
            lines.append(part)
        else:
            lines.extend(_wrap_words(part, width, size))
    return [line for line in lines if line]


def plain(value: Decimal) -> str:
    """Decimal('41.0') -> '41', for attributes a test or script can read back."""
    return format(value.normalize(), "f")


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, size: float, fill: str = INK, weight: str = "",
          anchor: str = "", cls: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{fill}"'
            + (f' font-weight="{weight}"' if weight else "")
            + (f' text-anchor="{anchor}"' if anchor else "")
            + (f' class="{cls}"' if cls else "")
            + f">{escape(text)}</text>")


def bar_length(chart: Chart, value: Decimal) -> float:
    plot = WIDTH - 2 * PAD
    return float(value / chart.top) * plot if chart.top > 0 else 0.0


def chart_svg(chart: Chart, atlas: Atlas, words: Words) -> Markup:
    """The chart as an inline, scalable, labelled SVG (every text escaped)."""
    key, lang = chart.key, words.lang
    title, desc = chart_title(chart, atlas, words), chart_desc(chart, atlas, words)
    body: list[str] = []
    y = PAD
    text_room = WIDTH - 2 * PAD
    for bar, (heading, detail) in zip(chart.bars, row_labels(chart, atlas, words)):
        forward = bar.fact.kind in FORWARD_KINDS
        body.append(f'<g class="bar bar-{bar.fact.kind}">')
        for line in wrap(heading, text_room, FONT_HEADING) if heading else []:
            y += FONT_HEADING * LINE
            body.append(_text(PAD, y - 4, line, FONT_HEADING, weight="bold"))
        for line in wrap(detail, text_room, FONT_DETAIL):
            y += FONT_DETAIL * LINE
            body.append(_text(PAD, y - 4, line, FONT_DETAIL, fill=MUTED))
        y += 3
        length = bar_length(chart, bar.value)
        fill = f"url(#{key}-hatch)" if forward else FILL
        body.append(f'<rect class="bar-value" x="{PAD}" y="{_num(y)}" width="{_num(length)}" '
                    f'height="{BAR_HEIGHT}" fill="{fill}" stroke="{OUTLINE}" stroke-width="1.5" '
                    f'data-value="{plain(bar.value)}"/>')
        end = PAD + length
        if bar.value_max is not None:
            upto = bar_length(chart, bar.value_max)
            body.append(f'<rect class="bar-range" x="{_num(end)}" y="{_num(y)}" '
                        f'width="{_num(upto - length)}" height="{BAR_HEIGHT}" fill="none" '
                        f'stroke="{OUTLINE}" stroke-width="1.5" stroke-dasharray="4 3" '
                        f'data-value="{plain(bar.value_max)}"/>')
            end = PAD + upto
        label = value_text(bar, chart.unit, lang)
        if forward:
            label = kind_text(bar.fact, lang) + " " + label
        room = text_width(label, FONT_VALUE) + 6
        baseline = y + BAR_HEIGHT - 4.5
        if end + room <= WIDTH - PAD:
            body.append(_text(end + 6, baseline, label, FONT_VALUE, cls="bar-label"))
            y += BAR_HEIGHT
        elif length >= room + 4 and not forward:
            body.append(_text(end - 6, baseline, label, FONT_VALUE, fill="#ffffff",
                              anchor="end", cls="bar-label"))
            y += BAR_HEIGHT
        else:   # a long bar with a long label: the label goes under it, in one piece
            y += BAR_HEIGHT + FONT_VALUE * LINE
            body.append(_text(PAD, y - 4, label, FONT_VALUE, cls="bar-label"))
        y += 12
        body.append("</g>")
    height = y + PAD
    axis = (f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{_num(height - PAD)}" '
            f'stroke="{INK}" stroke-width="1"/>')
    hatch = (f'<defs><pattern id="{key}-hatch" width="6" height="6" '
             f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
             f'<rect width="6" height="6" fill="#ffffff"/>'
             f'<line x1="0" y1="0" x2="0" y2="6" stroke="{FILL}" stroke-width="3"/>'
             f'</pattern></defs>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
           f'viewBox="0 0 {WIDTH} {_num(height)}" width="100%" '
           f'aria-labelledby="{key}-title {key}-desc">'
           f'<title id="{key}-title">{escape(title)}</title>'
           f'<desc id="{key}-desc">{escape(desc)}</desc>'
           f'{hatch}{"".join(body)}{axis}</svg>')
    return Markup(svg)
