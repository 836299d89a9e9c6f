"""Stage 6, pages: render planned pages with Jinja (autoescaped), Markdown made safe."""
from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown to HTML, with raw HTML cleaned by nh3 (no scripts, no event handlers,
    links only to http, https, mailto and relative targets)."""
    raw = _markdown_converter().reset().convert(text or "")
    clean = nh3.clean(raw, tags=ALLOWED_TAGS, url_schemes=ALLOWED_URL_SCHEMES,
                      link_rel="noopener noreferrer")
    return Markup(clean)


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
                catalogues: dict[str, dict[str, str]] | None = None) -> jinja2.Environment:
    """The Jinja environment of one build. The interface catalogues are read from
    i18n/ beside the templates folder unless given."""
    if catalogues is None:
        catalogues = i18n.load_catalogues(templates.parent / "i18n")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
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

    def asset(target: str) -> str:
        return config.url + target if absolute else relative(path, target)

    def url(target: str) -> str:
        if prefix and not target.startswith(i18n.SHARED_PREFIXES):
            target = prefix + target
        return config.url + target if absolute else relative(path, target)

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
        h=PageSnippets(language, url, cite, env.globals["atlas"]),
        canonical=canonical, alternates=alternates, switch=switch,
        x_default=alternates[0]["href"], citations=citations, **context)
