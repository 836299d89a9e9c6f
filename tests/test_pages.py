"""How text reads on the page: Markdown, figures, periods and links."""
from __future__ import annotations

from atlas.format import fact_value, number, period_zh
from atlas.model import Fact, Where
from atlas.pages import render_markdown
from atlas.urls import relative


def test_bold_closed_by_cjk_punctuation_stays_bold():
    """CommonMark engines leave **中文。** unbolded; the atlas's summaries rely on it."""
    assert "<strong>中文。</strong>" in render_markdown("这是**中文。**后文")


def test_markdown_keeps_safe_links_and_drops_script():
    html = render_markdown('[a](https://example.org) [b](../x.html) [c](javascript:alert(1)) '
                           '<script>alert(2)</script> <img src="https://cdn.example/x.png">')
    assert 'href="https://example.org"' in html and 'href="../x.html"' in html
    assert "javascript:" not in html and "<script" not in html and "<img" not in html


def _fact(**kw) -> Fact:
    base = dict(metric="output", value=27.0, unit="亿元", kind="actual", source_id="s",
                quote="q", where=Where("x", 1))
    base.update(kw)
    return Fact(**base)


def test_figures_keep_their_qualifiers_and_ranges():
    assert fact_value(_fact(qualifier="over", value=140, unit="万辆")) == "超140 万辆"
    assert fact_value(_fact(qualifier="nearly", value=30, unit="%")) == "近30%"
    assert fact_value(_fact(value=1, value_max=2, unit="家")) == "1–2 家"
    assert fact_value(_fact(qualifier="at-least", value=5, unit="个")) == "5 个以上"
    assert number(1224.78) == "1224.78" and number(12000) == "12,000"


def test_periods_read_as_chinese_dates():
    assert period_zh(_fact(period="2025-H1")) == "2025年上半年"
    assert period_zh(_fact(period="2025-01/2025-08")) == "2025年1月–8月"
    assert period_zh(_fact(as_of="2025-07")) == "截至2025年7月"
    assert period_zh(_fact(period="2024", as_of="2025-09")) == "2024年，截至2025年9月"


def test_links_are_relative_to_the_page():
    assert relative("companies/a.html", "clusters/b.html") == "../clusters/b.html"
    assert relative("index.html", "map.html#one-hour") == "map.html#one-hour"
    assert relative("companies/a.html", "companies/a.html#fact-1") == "a.html#fact-1"
