"""Stage 6, pages: render planned pages with Jinja (autoescaped), Markdown made safe."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markdown
import nh3
from markupsafe import Markup

from . import format as fmt
from . import charts, i18n, maps
from .config import Config
from .model import PROVINCES, Atlas, Fact
from .plan import CLUSTER_KIND_LABELS, PARK_KIND_LABELS, ROLE_LABELS, facts_of
from .snippets import PageSnippets
from .urls import record_path, relative

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# No images or frames from Markdown: an image on another host would make a page
# depend on it, and the atlas has none of its own yet.
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "iframe", "picture", "source", "video", "audio"}


@functools.lru_cache(maxsize=1)
def _markdown_converter() -> markdown.Markdown:
    """One converter, reset between texts: building one costs more than converting
    a summary."""
    return markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")


# Text that Python-Markdown and nh3 turn into paragraphs and nothing else: Chinese,
# letters, digits and punctuation that is never Markdown or HTML syntax, single spaces
# inside lines, and `**bold**` (anything not surely this goes through the converter;
# tests/test_markdown_plain.py holds the two to the same output).
_PLAIN_CHAR = r"[0-9A-Za-z,.;:?!%/()'\"\u4e00-\u9fff\u3001\u3002\u3008-\u3011\uff01-\uff5e" \
              r"\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00b7-]"
_PLAIN_WORDS = rf"{_PLAIN_CHAR}+(?: {_PLAIN_CHAR}+)*"
_PLAIN_BOLD = rf"(?<!\*)\*\*{_PLAIN_WORDS}\*\*(?!\*)"
# A line: no indent, no trailing space, not beginning like a list, a definition, a rule
# or a numbered item; the `!` of an image needs `[`, which is not a plain character.
_PLAIN_LINE = rf"(?![-:!]|\d+\.)(?:{_PLAIN_BOLD}|{_PLAIN_CHAR})(?:{_PLAIN_BOLD}|{_PLAIN_CHAR}| (?=[^ \n]))*"
_PLAIN_TEXT = re.compile(rf"{_PLAIN_LINE}(?:\n\n?{_PLAIN_LINE})*")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _plain_markdown(text: str) -> str | None:
    """The HTML of a text made only of paragraphs (and `**bold**`), without the parser;
    None when the text may be anything else."""
    if not _PLAIN_TEXT.fullmatch(text):
        return None
    paragraphs = text.split("\n\n")
    return "\n".join(["<p>" + _BOLD.sub(r"<strong>\1</strong>", p) + "</p>" for p in paragraphs])


def _converted_markdown(text: str) -> str:
    """Markdown to HTML by Python-Markdown, with raw HTML cleaned by nh3 (no scripts,
    no event handlers, links only to http, https, mailto and relative targets)."""
    raw = _markdown_converter().reset().convert(text)
    return nh3.clean(raw, tags=ALLOWED_TAGS, url_schemes=ALLOWED_URL_SCHEMES,
                     link_rel="noopener noreferrer")


@functools.lru_cache(maxsize=4096)
def _rendered(text: str) -> tuple[Markup, bool]:
    """The HTML of a text, and whether it took the fast path (only paragraphs)."""
    plain = _plain_markdown(text)
    if plain is not None:
        return Markup(plain), True
    return Markup(_converted_markdown(text)), False


def render_markdown(text: str) -> Markup:
    """A record's Markdown text as safe HTML (see _converted_markdown); a text that is
    only paragraphs skips the parser, with the same result."""
    return _rendered(text or "")[0]


def plain_text(text: str) -> str:
    """A Markdown text's words without their markup, spaces collapsed (what
    `render_markdown(text).striptags()` gives); a fast-path text needs no HTML walk."""
    html, paragraphs_only = _rendered(text or "")
    if paragraphs_only:  # no entities, no tags but <p> and <strong>
        return " ".join(_BOLD.sub(r"\1", text).split())
    return html.striptags()


@dataclass
class Citation:
    number: int
    source_id: str
    quote: str
    anchor: str


@dataclass
class Citations:
    """The numbered notes of one page, in the order the figures appear."""

    items: list[Citation] = field(default_factory=list)
    _by_key: dict = field(default_factory=dict)

    def cite(self, source_id: str, quote: str, anchor: str = "") -> int:
        key = (source_id, quote)
        if key not in self._by_key:
            self.items.append(Citation(len(self.items) + 1, source_id, quote, anchor))
            self._by_key[key] = len(self.items)
        return self._by_key[key]


SHARE_LENGTH = 200


@functools.lru_cache(maxsize=4096)
def _first_sentence(summary: str, stop: str) -> str:
    """The summary's first sentence as plain text, cut at SHARE_LENGTH characters
    (with an ellipsis) as Jinja's `truncate(200, true, '…', 0)` does."""
    plain = plain_text(summary)
    text = (plain.split(stop)[0] + stop.strip()) if stop in plain else plain
    return text if len(text) <= SHARE_LENGTH else text[:SHARE_LENGTH - 1] + "…"


def share_text(record, language: i18n.Language) -> str:
    """What a shared link to a record's page says about it: the first sentence of its
    summary in the page's language ('' when it has none, or none in this language)."""
    if record is None or not hasattr(record, "summary"):
        return ""
    summary = language.loc(record, "summary")
    if not summary or isinstance(summary, i18n.Untranslated):
        return ""
    return _first_sentence(summary, language.text("punct.sentence"))


class Chrome:
    """The pieces of a page that depend only on its language, its folder and whether
    its links are absolute (`_chrome.html`): the header, the stylesheets, the footer and
    the scripts. Rendered once for each such triple and kept for the build."""

    PIECES = ("stylesheets", "map_stylesheets", "header_start", "switch_title", "switch_label",
              "map_scripts", "end_script")

    def __init__(self, module, site_title: str):
        self.site_title = site_title
        for name in self.PIECES:
            setattr(self, name, _one_line(getattr(module, name)()))
        self._module = module
        self._footers: dict[int, Markup] = {}

    def footer(self, sources_count: int) -> Markup:
        known = self._footers.get(sources_count)
        if known is None:
            known = self._footers[sources_count] = _one_line(self._module.footer(sources_count))
        return known


def _one_line(html: str) -> Markup:
    """A piece without its last newline: base.html puts each on a line of its own."""
    return Markup(html[:-1] if html.endswith("\n") else html)


def _chrome(env: jinja2.Environment, lang: str, folder: str, absolute: bool) -> Chrome:
    key = (lang, folder, absolute)
    known = env.atlas_chrome.get(key)
    if known is None:
        config: Config = env.globals["config"]
        language, t, loc = env.atlas_languages[lang]
        url, asset = _linkers(config, lang, f"{folder}/page.html" if folder else "page.html",
                              absolute)
        module = env.get_template("_chrome.html").make_module(
            dict(lang=lang, t=t, loc=loc, url=url, asset=asset))
        known = env.atlas_chrome[key] = Chrome(module, loc((config.title, config.title_en)))
    return known


def _linkers(config: Config, lang: str, path: str, absolute: bool):
    """`url()` (to a page in the same language) and `asset()` (to a shared file) for
    the page at site path `path`."""
    prefix = i18n.PREFIX[lang]

    def asset(target: str) -> str:
        return config.url + target if absolute else relative(path, target)

    def url(target: str) -> str:
        if prefix and not target.startswith(i18n.SHARED_PREFIXES):
            target = prefix + target
        return config.url + target if absolute else relative(path, target)

    return url, asset


@jinja2.pass_context
def _markdown(context, text: str) -> Markup:
    """Markdown for a record's text; an untranslated one keeps its note and is marked Chinese."""
    if isinstance(text, i18n.Untranslated):
        return Markup('<div class="untranslated"><p class="untranslated-note">{}</p>'
                      '<div lang="zh-CN">{}</div></div>').format(text.note, render_markdown(str(text)))
    return render_markdown(text)


@jinja2.pass_context
def _value(context, fact: Fact) -> str:
    return fmt.fact_value_en(fact) if context.get("lang") == "en" else fmt.fact_value(fact)


@jinja2.pass_context
def _period(context, fact: Fact) -> str:
    return fmt.period_en(fact) if context.get("lang") == "en" else fmt.period_zh(fact)


@jinja2.pass_context
def _date(context, value: str) -> str:
    return fmt.date_en(value) if context.get("lang") == "en" else fmt.date_zh(value)


def environment(templates: Path, atlas: Atlas, config: Config,
                catalogues: dict[str, dict[str, str]] | None = None,
                compiled: Path | None = None) -> jinja2.Environment:
    """The Jinja environment of one build. The interface catalogues are read from
    i18n/ beside the templates folder unless given. `compiled`: a folder where compiled
    templates are kept for the next build (checked against each template's source)."""
    if catalogues is None:
        catalogues = i18n.load_catalogues(templates.parent / "i18n")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                             bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled))
                             if compiled else None,
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             # one build reads each template once; no stat() per page
                             auto_reload=False, cache_size=-1)
    # `value`, `period` and `date` format in the page's language (`date_zh` is the old name).
    env.filters.update(markdown=_markdown, value=_value, period=_period, date=_date,
                       date_zh=_date, number=fmt.number, text_lang=i18n.text_lang)
    env.globals.update(atlas=atlas, config=config, fmt=fmt, record_path=record_path,
                       roles=ROLE_LABELS, cluster_kinds=CLUSTER_KIND_LABELS,
                       park_kinds=PARK_KIND_LABELS, provinces=PROVINCES, facts_of=facts_of,
                       marker_kind=maps.marker_kind,
                       marker_labels={k: label for k, label, _ in maps.MARKER_KINDS},
                       map_css=maps.MAP_CSS, map_js=maps.MAP_JS, chartlib=charts)
    env.atlas_languages = {code: (lang, lang.make_t(), lang.loc)
                           for code, lang in i18n.languages(catalogues).items()}
    env.atlas_chrome = {}
    return env


def render_page(env: jinja2.Environment, path: str, template: str, context: dict,
                absolute_links: bool = False, lang: str = i18n.DEFAULT) -> str:
    """Render one page at site path `path` (under en/ for English) in language `lang`.
    `url()` in its templates links relative to this page in the same language, or
    absolutely (from the configured site URL) for a page shown at other addresses;
    `asset()` links to the files both languages share."""
    citations = Citations()
    config: Config = env.globals["config"]
    language, t, loc = env.atlas_languages[lang]
    prefix = i18n.PREFIX[lang]
    neutral = path[len(prefix):] if prefix and path.startswith(prefix) else path
    absolute = bool(absolute_links and config.url)
    folder = path.rpartition("/")[0]
    url, asset = _linkers(config, lang, path, absolute)

    def cite(fact_or_source, quote: str = "") -> int:
        if isinstance(fact_or_source, Fact):
            fact = fact_or_source
            return citations.cite(fact.source_id, fact.quote, fact.anchor)
        return citations.cite(fact_or_source, quote)

    # The page in every language: absolute when the site's address is known.
    alternates = [dict(lang=code, hreflang=i18n.HTML_LANG[code],
                       href=(config.url + i18n.lang_path(code, neutral)) if config.url
                       else relative(path, i18n.lang_path(code, neutral)))
                  for code in i18n.LANGUAGES]
    switch = next(a for a in alternates if a["lang"] != lang)
    canonical = config.url + path if config.url and neutral != "404.html" else ""
    return env.get_template(template).render(
        page_path=path, site_path=neutral, lang=lang, html_lang=language.html_lang,
        og_locale=i18n.OG_LOCALE[lang], t=t, loc=loc, url=url, asset=asset, cite=cite,
        h=PageSnippets(language, url, cite, env.globals["atlas"], asset, config,
                       folder=(folder, absolute)),
        canonical=canonical, alternates=alternates, switch=switch,
        x_default=alternates[0]["href"], citations=citations,
        chrome=_chrome(env, lang, folder, absolute),
        share_text=share_text(context.get("record"), language), **context)
