"""How figures, periods and qualifiers read on the page: the one place that formats a fact."""
from __future__ import annotations

import re

from .model import Fact

QUALIFIER_ZH = {"about": ("约", ""), "over": ("超", ""), "nearly": ("近", ""),
                "at-least": ("", "以上"), "under": ("不足", ""), "exact": ("", "")}
QUALIFIER_EN = {"about": "about", "over": "over", "nearly": "nearly", "at-least": "at least",
                "under": "under", "exact": ""}
KIND_ZH = {"actual": "", "target": "目标", "estimate": "预计"}
KIND_EN = {"actual": "", "target": "target", "estimate": "estimate"}
PRECISION_ZH = {"exact": "精确位置", "park": "园区级位置", "district": "区县中心",
                "city": "城市中心"}
PRECISION_EN = {"exact": "exact site", "park": "within the park", "district": "district centre",
                "city": "city centre"}


def number(value: float) -> str:
    """27.0 -> '27', 410.85 -> '410.85', 1224.78 -> '1,224.78'."""
    if float(value).is_integer():
        text = f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    else:
        text = f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) >= 10000 \
            else f"{value:.4f}".rstrip("0").rstrip(".")
    return text


def fact_value(fact: Fact) -> str:
    """The figure as a reader sees it: '超 100 亿元', '1–2 家', '5 个以上'."""
    before, after = QUALIFIER_ZH.get(fact.qualifier, ("", ""))
    value = number(fact.value)
    if fact.value_max is not None:
        value = f"{value}–{number(fact.value_max)}"
    return f"{before}{value}{'' if fact.unit == '%' else ' '}{fact.unit}{after}".strip()


_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _date_zh(value: str) -> str:
    match = _MONTH.match(value)
    if match:
        year, month, day = match.groups()
        return f"{year}年{int(month)}月" + (f"{int(day)}日" if day else "")
    return f"{value}年" if re.fullmatch(r"\d{4}", value) else value


def _period_part_zh(part: str) -> str:
    if re.fullmatch(r"\d{4}-H[12]", part):
        return f"{part[:4]}年{'上' if part.endswith('1') else '下'}半年"
    if re.fullmatch(r"\d{4}-Q[1-4]", part):
        return f"{part[:4]}年第{'一二三四'[int(part[-1]) - 1]}季度"
    return _date_zh(part)


def period_zh(fact: Fact) -> str:
    """'2024年', '2025年上半年', '2025年1月–8月', '截至2025年7月'."""
    parts = []
    if fact.period:
        start, _, end = fact.period.partition("/")
        text = _period_part_zh(start)
        if end:
            end_text = _period_part_zh(end)
            if end[:4] == start[:4]:
                end_text = end_text[5:]
            text = f"{text}–{end_text}"
        parts.append(text)
    if fact.as_of:
        parts.append(f"截至{_date_zh(fact.as_of)}")
    return "，".join(parts)


def date_zh(value: str) -> str:
    return _date_zh(value)
