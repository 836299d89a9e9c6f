"""The English edition: every page in both languages, linked to each other, with interface
text from the catalogues and record texts in the page's language."""
from __future__ import annotations

import functools
import html
import http.server
import os
import posixpath
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from atlas import Project, build
from atlas.format import date_en, fact_value, fact_value_en, period_en
from atlas.i18n import LANGUAGES, Language, load_catalogues
from atlas.model import Fact
from atlas.problems import ContentError
from atlas.urls import relative

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Templates other helpers own; they are scanned too once they are converted.
NOT_MINE = {"supply.html"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


# --- the catalogues and the template API ---------------------------------------------

def test_both_catalogues_have_the_same_keys():
    catalogues = load_catalogues(ROOT / "i18n")
    assert set(catalogues) == set(LANGUAGES)
    assert catalogues["zh"].keys() == catalogues["en"].keys()
    assert len(catalogues["zh"]) > 100
    for key, text in catalogues["en"].items():
        assert not CJK.search(text) or key == "site.switch_label", f"Chinese in en.yaml: {key}"


def test_a_key_in_one_catalogue_only_is_an_error_naming_it(tmp_path):
    for lang in LANGUAGES:
        shutil.copy(ROOT / "i18n" / f"{lang}.yaml", tmp_path / f"{lang}.yaml")
    with open(tmp_path / "zh.yaml", "a", encoding="utf-8") as handle:
        handle.write("\nextra:\n  only_here: 只在中文\n")
    with pytest.raises(ContentError) as err:
        load_catalogues(tmp_path)
    assert "`extra.only_here` is missing" in str(err.value)
    assert "en.yaml" in str(err.value)


def test_a_missing_interface_string_stops_the_build_naming_key_and_template(project_copy):
    home = project_copy / "templates" / "home.html"
    home.write_text(home.read_text(encoding="utf-8").replace(
        "{% block content %}", "{% block content %}\n<p>{{ t('home.no_such_key') }}</p>", 1),
        encoding="utf-8")
    with pytest.raises(ContentError) as err:
        build(Project(project_copy), project_copy / "site")
    message = str(err.value)
    assert "home.no_such_key" in message and "templates/home.html:" in message
    assert not (project_copy / "site").exists()


def test_loc_picks_the_page_language_and_flags_missing_english():
    fact = Fact("output", 1, "亿元", "actual", "s", "q", None, subject="整车产量", subject_en="")
    zh, en = Language("zh", {"untranslated.text": "无"}), Language(
        "en", {"untranslated.text": "No English yet:", "untranslated.subject": "No English description:"})
    assert zh.loc(fact, "subject") == "整车产量"
    missing = en.loc(fact, "subject")
    assert missing == "整车产量"  # the Chinese text, never a blank
    shown = missing.__html__()
    assert "No English description:" in shown and 'lang="zh-CN"' in shown
    fact.subject_en = "vehicles produced"
    assert en.loc(fact, "subject") == "vehicles produced"
    assert en.loc(("汽车", "Cars")) == "Cars" and zh.loc(("汽车", "Cars")) == "汽车"


@pytest.mark.parametrize("start", ["index.html", "companies/a.html", "en/index.html",
                                   "en/companies/a.html", "en/browse/district/x.html"])
@pytest.mark.parametrize("target", ["index.html", "companies/b.html", "en/clusters/c.html#f",
                                    "static/atlas.css", "en/browse/role/r.html", "#note-1"])
def test_relative_links_match_the_path_arithmetic(start, target):
    path, _, fragment = target.partition("#")
    expected = (posixpath.relpath(path, posixpath.dirname(start) or ".") if path
                else posixpath.basename(start)) + (f"#{fragment}" if fragment else "")
    assert relative(start, target) == expected


# --- English figures -----------------------------------------------------------------

def _fact(value, unit, qualifier="exact", value_max=None, period="", as_of=""):
    return Fact("m", value, unit, "actual", "s", "q", None, value_max=value_max,
                qualifier=qualifier, period=period, as_of=as_of)


@pytest.mark.parametrize("fact, english", [
    (_fact(125, "亿元"), "CNY 12.5 billion"),
    (_fact(1224.78, "亿元", "over"), "over CNY 122.478 billion"),
    (_fact(5000, "万元"), "CNY 50 million"),
    (_fact(300, "家", "over"), "over 300"),
    (_fact(5, "个", "at-least"), "at least 5"),
    (_fact(1, "亿元", value_max=2), "CNY 100–200 million"),
    (_fact(3, "万辆", "nearly"), "nearly 30,000 vehicles"),
    (_fact(80, "%", "about"), "about 80%"),
    (_fact(1, "小时"), "1 hour"),
    (_fact(3.42, "平方公里"), "3.42 km²"),
])
def test_figures_read_in_english_with_exact_magnitudes(fact, english):
    assert fact_value_en(fact) == english
    assert not CJK.search(fact_value_en(fact))


def test_every_unit_in_the_atlas_has_english_words(real_atlas):
    for fact in real_atlas.all_facts():
        assert not CJK.search(fact_value_en(fact)), (fact.unit, fact_value(fact))


def test_periods_and_dates_in_english():
    assert period_en(_fact(1, "家", period="2025-01/2025-08")) == "January–August 2025"
    assert period_en(_fact(1, "家", period="2025-H1", as_of="2025-07")) == "H1 2025, as of July 2025"
    assert period_en(_fact(1, "家", period="2024-11/2025-02")) == "November 2024–February 2025"
    assert date_en("2025-09-08") == "8 September 2025"


# --- the built site ------------------------------------------------------------------

class _Page(HTMLParser):
    """The language switch, the alternates, and text shown as English that is Chinese."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = ""
        self.switch: dict = {}
        self.alternates: dict[str, str] = {}
        self.chinese_in_english: list[str] = []
        self._stack: list[tuple[str, str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang", "")
        if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("hreflang"):
            self.alternates[attrs["hreflang"]] = attrs["href"]
        if tag == "a" and "lang-switch" in (attrs.get("class") or ""):
            self.switch = attrs
        if tag in VOID:
            return
        inherited = self._stack[-1][1] if self._stack else ""
        self._stack.append((tag, attrs.get("lang", inherited), tag in ("script", "style")))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        # Text mostly in Chinese inside an English element: an English text may name a
        # Chinese term, but a Chinese heading or label there is untranslated interface.
        if self._stack and not self._stack[-1][2] and self._stack[-1][1] == "en":
            chinese = len(CJK.findall(data))
            if chinese and chinese >= len(re.findall(r"[A-Za-z]", data)):
                self.chinese_in_english.append(data.strip()[:80])


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _resolve(page: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href.partition("#")[0]))


def _chinese_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in ("en", "static", "pagefind"))


def test_every_chinese_page_has_an_english_twin_and_the_switches_lead_to_each_other(built_site):
    pages = _chinese_pages(built_site)
    assert len(pages) > 100
    for zh in pages:
        en = "en/" + zh
        assert (built_site / en).is_file(), f"{zh} has no English twin"
        zh_page, en_page = _parse(built_site / zh), _parse(built_site / en)
        assert zh_page.html_lang == "zh-CN" and en_page.html_lang == "en", zh
        assert zh_page.switch["hreflang"] == "en" and zh_page.switch["lang"] == "en"
        assert en_page.switch["hreflang"] == "zh-CN" and en_page.switch["lang"] == "zh-CN"
        if zh != "404.html":  # the 404 page links absolutely, being shown at any address
            assert _resolve(zh, zh_page.switch["href"]) == en, zh
            assert _resolve(en, en_page.switch["href"]) == zh, zh
            for page, parsed in ((zh, zh_page), (en, en_page)):
                assert {k: _resolve(page, v) for k, v in parsed.alternates.items()} == \
                    {"zh-CN": zh, "en": en, "x-default": zh}, page


def test_english_pages_show_english_and_mark_any_chinese(built_site, real_atlas):
    leoni = "companies/langfang-leoni-wiring.html"
    text = (built_site / "en" / leoni).read_text(encoding="utf-8")
    company = real_atlas.companies["langfang-leoni-wiring"]
    assert f"<h1>{company.name_en} " in text.replace("&#39;", "'")
    assert '<h2 id="suppliers">Suppliers</h2>' in text and "<h2>Customers</h2>" in text
    offenders = {}
    for path in sorted((built_site / "en").rglob("*.html")):
        rel = path.relative_to(built_site).as_posix()
        if any(part.startswith(("browse", "supply")) for part in path.parts):
            continue  # pages of other helpers' templates
        found = _parse(path).chinese_in_english
        if found:
            offenders[rel] = found[:3]
    assert not offenders, offenders


def test_templates_hold_no_chinese_interface_text():
    found = {}
    for path in sorted((ROOT / "templates").glob("*.html")):
        if path.name in NOT_MINE or path.name.startswith("browse"):
            continue
        source = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        # Lists of Chinese values (aliases, reporters) are joined with the Chinese comma
        # inside an element marked lang="zh-CN": that is data, not interface text.
        source = source.replace("join('、')", "")
        lines = [line.strip() for line in source.splitlines() if CJK.search(line)]
        if lines:
            found[path.name] = lines
    assert not found, found


def test_the_search_script_shows_the_words_of_the_page_language(built_site):
    catalogues = load_catalogues(ROOT / "i18n")
    for lang, page in (("zh", "search.html"), ("en", "en/search.html")):
        text = (built_site / page).read_text(encoding="utf-8")
        tag = re.search(r'<script src="[^"]*atlas-search\.js"(.*?)></script>', text, re.S).group(1)
        words = dict(re.findall(r'data-(\w+)="([^"]*)"', tag))
        for word in ("searching", "none", "found", "empty"):
            assert html.unescape(words[word]) == catalogues[lang][f"search.{word}"], (page, word)
    script = (ROOT / "static/atlas-search.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)
    assert not CJK.search(code), "the search script has words of its own"

def test_about_page_has_its_english_text(built_site):
    text = (built_site / "en/about.html").read_text(encoding="utf-8")
    assert "What this is" in text and "No English version yet" not in text
    assert 'id="disagreements"' in text and "Where the sources disagree" in text


# --- a record without English, and a site with a known address -----------------------

@pytest.fixture(scope="module")
def variant_site(tmp_path_factory) -> Path:
    """The real content with one summary and one subject left untranslated, built for a
    known address."""
    root = tmp_path_factory.mktemp("variant")
    for name in ("content", "templates", "static", "i18n"):
        shutil.copytree(ROOT / name, root / name)
    airbus = root / "content/companies/airbus-tianjin.yaml"
    lines = airbus.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("summary_en:"))
    del lines[start:start + 2]
    subject = next(i for i, line in enumerate(lines) if line.strip().startswith("subject_en:"))
    del lines[subject]
    airbus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    build(Project(root), root / "site", base_url="https://example.org/atlas")
    return root / "site"


def test_a_record_without_english_summary_says_so_on_the_english_page(variant_site):
    en = (variant_site / "en/companies/airbus-tianjin.html").read_text(encoding="utf-8")
    assert "No English summary yet" in en
    assert re.search(r'<div lang="zh-CN"><p>空客在天津的飞机总装业务', en)
    assert "No English description yet" in en and '<span lang="zh-CN">空客飞机累计交付</span>' in en
    zh = (variant_site / "companies/airbus-tianjin.html").read_text(encoding="utf-8")
    assert "No English" not in zh and "空客在天津的飞机总装业务" in zh


def test_a_site_with_an_address_has_absolute_alternates_and_a_sitemap_of_both(variant_site):
    page = _parse(variant_site / "en/companies/airbus-tianjin.html")
    assert page.alternates == {
        "zh-CN": "https://example.org/atlas/companies/airbus-tianjin.html",
        "en": "https://example.org/atlas/en/companies/airbus-tianjin.html",
        "x-default": "https://example.org/atlas/companies/airbus-tianjin.html"}
    assert page.switch["href"] == "https://example.org/atlas/companies/airbus-tianjin.html"
    sitemap = (variant_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/atlas/companies/airbus-tianjin.html</loc>" in sitemap
    assert "<loc>https://example.org/atlas/en/companies/airbus-tianjin.html</loc>" in sitemap


# --- in a real browser ---------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def served(built_site, tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    shutil.copytree(built_site, root / "atlas")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/atlas/"
    httpd.shutdown()


@pytest.mark.browser
def test_switch_to_english_and_back_in_a_browser(served, real_atlas):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import expect, sync_playwright
    company = real_atlas.companies["langfang-leoni-wiring"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(served + "companies/langfang-leoni-wiring.html")
            expect(page.locator("h1")).to_contain_text(company.name)
            page.get_by_role("link", name="English").click()
            page.wait_for_url("**/en/companies/langfang-leoni-wiring.html")
            assert page.locator("html").get_attribute("lang") == "en"
            expect(page.locator("h1")).to_contain_text(company.name_en)
            expect(page.locator("nav")).to_contain_text("Companies")
            page.get_by_role("link", name="中文").click()
            page.wait_for_url("**/atlas/companies/langfang-leoni-wiring.html")
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            expect(page.locator("h1")).to_contain_text(company.name)
            expect(page.locator("nav")).to_contain_text("企业")
        finally:
            browser.close()
