"""How figures, periods and qualifiers read on the page: the one place that formats a fact."""
from __future__ import annotations

import functools
import re
from decimal import Decimal

from .model import Fact

QUALIFIER_ZH = {"about": ("约", ""), "over": ("超", ""), "nearly": ("近", ""),
                "at-least": ("", "以上"), "under": ("不足", ""), "exact": ("", "")}
QUALIFIER_EN = {"about": "about", "over": "over", "nearly": "nearly", "at-least": "at least",
                "under": "under", "exact": ""}
KIND_ZH = {"actual": "", "target": "目标", "estimate": "预计"}
KIND_EN = {"actual": "", "target": "target", "estimate": "estimate"}


def number(value: float) -> str:
    """27.0 -> '27', 410.85 -> '410.85', 1224.78 -> '1,224.78'."""
    if float(value).is_integer():
        text = f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    else:
        text = f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) >= 10000 \
            else f"{value:.4f}".rstrip("0").rstrip(".")
    return text


# A page shows a figure several times (its table, a chart, the chart's text) and most
# periods and dates are common: the texts below are made once for each set of values
# (typed, so 3 and 3.0 stay apart).
_remembered = functools.lru_cache(maxsize=8192, typed=True)


def fact_value(fact: Fact) -> str:
    """The figure as a reader sees it: '超 100 亿元', '1–2 家', '5 个以上'."""
    return _fact_value(fact.qualifier, fact.value, fact.value_max, fact.unit)


@_remembered
def _fact_value(qualifier: str, low: float, high: float | None, unit: str) -> str:
    before, after = QUALIFIER_ZH.get(qualifier, ("", ""))
    value = number(low)
    if high is not None:
        value = f"{value}–{number(high)}"
    return f"{before}{value}{'' if unit == '%' else ' '}{unit}{after}".strip()


_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_YEAR = re.compile(r"\d{4}")
_HALF = re.compile(r"\d{4}-H[12]")
_QUARTER = re.compile(r"\d{4}-Q[1-4]")


def _date_zh(value: str) -> str:
    match = _MONTH.match(value)
    if match:
        year, month, day = match.groups()
        return f"{year}年{int(month)}月" + (f"{int(day)}日" if day else "")
    return f"{value}年" if _YEAR.fullmatch(value) else value


def _period_part_zh(part: str) -> str:
    if _HALF.fullmatch(part):
        return f"{part[:4]}年{'上' if part.endswith('1') else '下'}半年"
    if _QUARTER.fullmatch(part):
        return f"{part[:4]}年第{'一二三四'[int(part[-1]) - 1]}季度"
    return _date_zh(part)


def period_zh(fact: Fact) -> str:
    """'2024年', '2025年上半年', '2025年1月–8月', '截至2025年7月'."""
    return _period_zh(fact.period, fact.as_of)


@_remembered
def _period_zh(period: str, as_of: str) -> str:
    parts = []
    if period:
        start, _, end = period.partition("/")
        text = _period_part_zh(start)
        if end:
            end_text = _period_part_zh(end)
            if end[:4] == start[:4]:
                end_text = end_text[5:]
            text = f"{text}–{end_text}"
        parts.append(text)
    if as_of:
        parts.append(f"截至{_date_zh(as_of)}")
    return "，".join(parts)


@_remembered
def date_zh(value: str) -> str:
    return _date_zh(value)


# --- English -------------------------------------------------------------------------

# Chinese magnitude words in front of a unit, and what they multiply by.
MAGNITUDES = (("万亿", 10 ** 12), ("亿", 10 ** 8), ("万", 10 ** 4))
# Units in English: (before the number, after it). Measure words that only count
# (家, 个, 项 ...) have no English word: the metric's name says what is counted.
UNIT_EN = {
    "元": ("CNY ", ""), "%": ("", "%"), "家": ("", ""), "个": ("", ""), "项": ("", ""),
    "条": ("", ""), "种": ("", ""), "件": ("", ""), "类": ("", ""), "例": ("", ""),
    "组": ("", ""), "场": ("", ""), "架": ("", " aircraft"), "名": ("", " people"),
    "位": ("", " people"), "人次": ("", " person-visits"), "小时": ("", " hours"),
    "分钟": ("", " minutes"), "秒": ("", " seconds"), "年": ("", " years"), "月": ("", " months"),
    "天": ("", " days"), "周": ("", " weeks"), "倍": ("", " times"),
    "个百分点": ("", " percentage points"), "辆": ("", " vehicles"), "吨": ("", " tonnes"),
    "台": ("", " units"), "台套": ("", " sets"), "台份": ("", " vehicle sets"), "套": ("", " sets"),
    "标准箱": ("", " TEU"), "平方公里": ("", " km²"), "平方米": ("", " m²"), "米": ("", " m"),
    "公里": ("", " km"), "亩": ("", " mu"), "千瓦": ("", " kW"), "趟/周": ("", " trips a week"),
    "km": ("", " km"), "GWh": ("", " GWh"), "Ah": ("", " Ah"), "℃": ("", " °C"), "P": ("", " P"),
}
_SINGULAR = {" hours": " hour", " minutes": " minute", " seconds": " second", " years": " year",
             " months": " month", " days": " day", " weeks": " week", " people": " person",
             " vehicles": " vehicle", " tonnes": " tonne", " units": " unit", " sets": " set"}
_LARGE = ((10 ** 12, " trillion"), (10 ** 9, " billion"), (10 ** 6, " million"))


def _split_unit(unit: str) -> tuple[int, str]:
    """'亿元' -> (10**8, '元'); '万辆' -> (10**4, '辆'); '家' -> (1, '家')."""
    if unit in UNIT_EN:
        return 1, unit
    for word, scale in MAGNITUDES:
        if unit.startswith(word) and unit[len(word):] in UNIT_EN:
            return scale, unit[len(word):]
    return 1, unit


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    whole = f"{int(whole):,}" if abs(int(whole)) >= 10000 else whole
    return whole + (f".{fraction}" if fraction else "")


def english_amount(values: list[float], unit: str) -> tuple[list[str], str, str]:
    """The numbers in English words of magnitude, exactly: (numbers, before, after).
    125 亿元 -> (['12.5'], 'CNY ', ' billion'); 3 万辆 -> (['30,000'], '', ' vehicles')."""
    scale, base = _split_unit(unit)
    before, after = UNIT_EN.get(base, ("", f" {unit}"))
    exact = [Decimal(repr(float(v))) * scale for v in values]
    word = ""
    if scale > 1:
        largest = max(abs(v) for v in exact)
        for size, name in _LARGE:
            if largest >= size:
                exact = [v / size for v in exact]
                word = name
                break
    numbers = [_decimal_text(v) for v in exact]
    if not word and len(values) == 1 and exact[0] == 1:
        after = _SINGULAR.get(after, after)
    return numbers, before, word + after


def fact_value_en(fact: Fact) -> str:
    """The figure in English: 'over CNY 10 billion', '1–2', 'at least 5', 'about 30%'."""
    return _fact_value_en(fact.qualifier, fact.value, fact.value_max, fact.unit)


@_remembered
def _fact_value_en(qualifier: str, low: float, high: float | None, unit: str) -> str:
    values = [low] + ([high] if high is not None else [])
    numbers, before, after = english_amount(values, unit)
    qualifier = QUALIFIER_EN.get(qualifier, "")
    return f"{qualifier} {before}{'–'.join(numbers)}{after}".strip()


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


@_remembered
def date_en(value: str) -> str:
    """'2025-07' -> 'July 2025', '2025-07-15' -> '15 July 2025', '2025' -> '2025'."""
    match = _MONTH.match(value)
    if match:
        year, month, day = match.groups()
        return (f"{int(day)} " if day else "") + f"{MONTHS_EN[int(month) - 1]} {year}"
    return value


def _period_part_en(part: str) -> str:
    if _HALF.fullmatch(part):
        return f"H{part[-1]} {part[:4]}"
    if _QUARTER.fullmatch(part):
        return f"Q{part[-1]} {part[:4]}"
    return date_en(part)


def period_en(fact: Fact) -> str:
    """'2024', 'H1 2025', 'January–August 2025', 'as of July 2025'."""
    return _period_en(fact.period, fact.as_of)


@_remembered
def _period_en(period: str, as_of: str) -> str:
    parts = []
    if period:
        start, _, end = period.partition("/")
        text = _period_part_en(start)
        if end:
            end_text = _period_part_en(end)
            if end[:4] == start[:4] and text.endswith(start[:4]):
                text = text[:-5]
            text = f"{text}–{end_text}"
        parts.append(text)
    if as_of:
        parts.append(f"as of {date_en(as_of)}")
    return ", ".join(parts)
