"""The Markdown fast path (atlas/pages.py `_plain_markdown`) gives exactly what
Python-Markdown and nh3 give, for every text it takes; any other text goes through them."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atlas.pages import _converted_markdown, _plain_markdown, plain_text, render_markdown

# Characters a summary is made of, and the ones that are Markdown or HTML syntax.
TRICKY = list("*_`<>&#=+-:.!|~[](){}\\'\"%/;,?") + ["\t", "\r", "\u00a0", "\u3000", "\x02", "\x03"]
WORDS = ["天津", "汽车", "零部件", "中文。", "，", "、", "；", "“智改数转”", "（有限公司）", "《报告》",
         "Nankai", "District", "new-energy", "2024", "1.", "30%", "A320", "R&D", "a_b", "x*y",
         "http://example.org", "<b>", "&amp;", "Tier-1", "？", "！", "…", "—", "·"]

texts = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(TRICKY),
                           st.sampled_from([" ", "  ", "\n", "\n\n", "\n\n\n", "**", "*", "    "])),
                 max_size=25).map("".join)
# Texts the fast path should take: words and bold words in lines and paragraphs.
_word = st.sampled_from(["天津", "汽车零部件", "中文。", "，", "Nankai", "District", "new-energy",
                         "2024", "30%", "A320", "（有限公司）", "“智改数转”", "Tier-1", "it's", "a.b"])
_phrase = st.lists(_word, min_size=1, max_size=4).map(" ".join)
_piece = st.one_of(_phrase, _phrase.map(lambda p: f"**{p}**"))
_line = st.lists(_piece, min_size=1, max_size=4).map("".join)
plain_texts = st.lists(st.tuples(_line, st.sampled_from(["\n", "\n\n"])), min_size=1, max_size=4) \
    .map(lambda parts: "".join(line + sep for line, sep in parts)[:-1].rstrip("\n"))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("这是**中文。**后文")
@example("** x **")
@example("**a****b**")
@example("1. 第一\n2. 第二")
@example("- 产品：车灯\n- 所在地：北辰区")
@example("标题\n---")
@example("标题\n===")
@example("术语\n: 定义")
@example("行末两个空格  \n下一行")
@example("    缩进的代码")
@example("a\n\n\nb")
@example("\n开头的空行")
@example("R&D 与 <b>粗体</b>")
def test_fast_path_matches_the_converter(text):
    plain = _plain_markdown(text)
    if plain is not None:
        assert plain == _converted_markdown(text)


@settings(max_examples=500, deadline=None)
@given(plain_texts)
def test_paragraphs_and_bold_take_the_fast_path_with_the_same_html(text):
    plain = _plain_markdown(text)
    if "****" not in text:  # two bold phrases touching: left to the converter
        assert plain is not None, text
    if plain is not None:
        assert plain == _converted_markdown(text)


def test_text_with_markdown_syntax_goes_through_the_converter():
    assert _plain_markdown("- 产品：车灯\n- 所在地：北辰区") is None
    assert str(render_markdown("- 产品：车灯\n- 所在地：北辰区")) == \
        "<ul>\n<li>产品：车灯</li>\n<li>所在地：北辰区</li>\n</ul>"
    assert str(render_markdown("<script>x</script>**粗**")) == _converted_markdown("<script>x</script>**粗**")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(plain_texts, texts))
@example("这是**中文。**后文\n第二行\n\n第二段")
def test_plain_text_is_the_html_without_its_tags(text):
    """What a shared link says (share_text) comes from plain_text: for a fast-path text
    it never walks the HTML, and must say exactly what the HTML says."""
    assert plain_text(text) == render_markdown(text).striptags()
