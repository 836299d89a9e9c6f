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
from . import maps
from .config import Config
from .model import PROVINCES, Atlas, Fact
from .plan import CLUSTER_KIND_LABELS, PARK_KIND_LABELS, ROLE_LABELS, facts_of
from .urls import record_path, relative

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# No images or frames from Markdown: an image on another host would make a page
# depend on it, and the atlas has none of its own yet.
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "iframe", "picture", "source", "video", "audio"}


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown to HTML, with raw HTML cleaned by nh3 (no scripts, no event handlers,
    links only to http, https, mailto and relative targets)."""
    raw = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
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


def environment(templates: Path, atlas: Atlas, config: Config) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(markdown=render_markdown, value=fmt.fact_value, period=fmt.period_zh,
                       date_zh=fmt.date_zh, number=fmt.number)
    env.globals.update(atlas=atlas, config=config, fmt=fmt, record_path=record_path,
                       roles=ROLE_LABELS, cluster_kinds=CLUSTER_KIND_LABELS,
                       park_kinds=PARK_KIND_LABELS, provinces=PROVINCES, facts_of=facts_of,
                       marker_kind=maps.marker_kind,
                       marker_labels={k: label for k, label, _ in maps.MARKER_KINDS},
                       map_css=maps.MAP_CSS, map_js=maps.MAP_JS)
    return env


def render_page(env: jinja2.Environment, path: str, template: str, context: dict,
                absolute_links: bool = False) -> str:
    """Render one page; `url()` in its templates links relative to this page, or
    absolutely (from the configured site URL) for a page shown at other addresses."""
    citations = Citations()
    config: Config = env.globals["config"]

    def url(target: str) -> str:
        if absolute_links and config.url:
            return config.url + target
        return relative(path, target)

    def cite(fact_or_source, quote: str = "") -> int:
        if isinstance(fact_or_source, Fact):
            fact = fact_or_source
            return citations.cite(fact.source_id, fact.quote, fact.anchor)
        return citations.cite(fact_or_source, quote)

    canonical = config.url + path if config.url and path != "404.html" else ""
    return env.get_template(template).render(page_path=path, url=url, cite=cite,
                                             canonical=canonical,
                                             citations=citations, **context)
