"""The pieces of HTML that pages repeat many times: a record's names, a link to a
record, a figure with its citation mark, a metric, a period, the tables of figures and
supply links, the charts, a company's list of facts and its people, the list of sources
and the numbered notes. Written in Python because as Jinja macros (and Jinja calls) they
were most of the rendering time; the record pages call them as `h.<name>`, other templates
also through `_macros.html` and `_charts.html`, which export them under the old macro names.

Pieces that depend only on the language, the page's folder and a record (a link to it, a
source in a list) are made once per build and kept in `Language.memo`; the record is
still looked up in the atlas on every page, so page tracking (atlas/tracking.py) sees it.

Each piece is an f-string: values that are text go through `_esc()`, pieces that are
already HTML (Markup) go in as they are, and the result is wrapped in Markup once."""
from __future__ import annotations

from markupsafe import Markup

try:  # the C function markupsafe's escape() calls on a str: the same bytes, no Markup made
    from markupsafe._speedups import _escape_inner as _escape_str
except ImportError:  # pragma: no cover - markupsafe without its speedups
    def _escape_str(text: str) -> str:
        return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                .replace("'", "&#39;").replace('"', "&#34;"))

from . import charts
from . import format as fmt
from . import i18n
from .browse import sort_value
from .plan import ROLE_LABELS, facts_of
from .urls import record_path

_EMPTY = Markup("")
# The atlas's table of each kind of record (as Atlas.record looks them up).
_TABLES = {"cluster": "clusters", "company": "companies", "park": "parks", "circle": "circles",
           "source": "sources"}


def _esc(value) -> str:
    """`str(escape(value))` without the Markup in between: the snippets join many pieces
    and wrap the result in Markup once."""
    if type(value) is str:
        return _escape_str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_str(str(value))


class PageSnippets:
    """Bound to one page: its language, its links and its numbered notes."""

    def __init__(self, language: i18n.Language, url, cite, atlas, asset=None, config=None,
                 folder: str | None = None):
        self.language, self.url, self.cite, self.atlas = language, url, cite, atlas
        self.asset, self.config = asset, config
        self.english = language.code == "en"
        self.loc = language.loc
        self.t = language.text
        self._value = fmt.fact_value_en if self.english else fmt.fact_value
        self._period = fmt.period_en if self.english else fmt.period_zh
        self._date = fmt.date_en if self.english else fmt.date_zh
        self._inferred = language.memo.get("inferred")
        if self._inferred is None:
            self._inferred = language.memo["inferred"] = Markup(
                f' <abbr class="inferred" title="{_esc(language.text("facts.inferred_title"))}">'
                f'{_esc(language.text("facts.inferred"))}</abbr>')
        self._marks = language.memo.setdefault("cite_marks", {})
        self._links = language.memo.setdefault("record_links", {})
        self._metric_names: dict[str, str] = {}
        self.folder = folder

    # Each piece has a method that returns its HTML as a str (`_rec`, `_value` ...), for
    # the bigger pieces to join, and a public one that returns it as Markup (`rec` ...).

    def _other_name(self, r, field: str = "name") -> str:
        other = getattr(r, field + "_en")
        if not self.english:
            return f'<span class="en" lang="en">{_esc(other)}</span>' if other else ""
        own = getattr(r, field)
        return f'<span class="zh" lang="zh-CN">{_esc(own)}</span>' if own and other else ""

    def other_name(self, r, field: str = "name") -> Markup:
        """The name in the other language, marked with its language (or nothing)."""
        return Markup(self._other_name(r, field))

    def names(self, r, field: str = "name") -> Markup:
        return Markup(f"{_esc(self.loc(r, field))} {self._other_name(r, field)}")

    def _rec(self, r) -> str:
        """A link to record `r`, the same on every page of the language in the same
        folder: made once per build (records do not change while the site renders)."""
        if self.folder is None:  # links not known to be the same on the folder's pages
            return f'<a href="{_esc(self.url(record_path(r.kind_name, r.id)))}">' \
                   f'{_esc(self.loc(r, "name"))}</a> {self._other_name(r)}'
        key = (self.folder, r.kind_name, r.id)
        known = self._links.get(key)
        if known is None or known[0] is not r:
            known = self._links[key] = (r, f'<a href="{_esc(self.url(record_path(r.kind_name, r.id)))}">'
                                           f'{_esc(self.loc(r, "name"))}</a> {self._other_name(r)}')
        return known[1]

    def rec(self, r) -> Markup:
        return Markup(self._rec(r))

    def _note_text(self, text: str) -> str:
        return f'<span lang="{i18n.text_lang(text)}">{_esc(text)}</span>'

    def note_text(self, text: str) -> Markup:
        return Markup(self._note_text(text))

    def cite_mark(self, n: int) -> Markup:
        """The citation mark of note `n` (the same on every page of the language)."""
        mark = self._marks.get(n)
        if mark is None:
            mark = self._marks[n] = Markup(
                f'<sup class="cite"><a href="#note-{_esc(n)}" '
                f'aria-label="{_esc(self.t("notes.mark", n=n))}">[{_esc(n)}]</a></sup>')
        return mark

    def _badge(self, f) -> str:
        return "" if f.kind == "actual" else \
            f' <span class="badge badge-{_esc(f.kind)}">{_esc(self.t("fact_kind." + f.kind))}</span>'

    def _value_html(self, f) -> str:
        return f'<span class="value">{_esc(self._value(f))}</span>{self._badge(f)}' \
               f'{self.cite_mark(self.cite(f))}'

    def value(self, f) -> Markup:
        return Markup(self._value_html(f))

    def _when(self, f) -> str:
        period = _esc(self._period(f))
        return period + self._inferred if f.time_inferred else period

    def when(self, f) -> Markup:
        return Markup(self._when(f))

    def _metric_name(self, metric: str) -> str:
        """A metric's name, looked up once per page (the page is noted as showing it)."""
        html = self._metric_names.get(metric)
        if html is None:
            html = self._metric_names[metric] = _esc(self.loc(self.atlas.metrics[metric], "name"))
        return html

    def _metric(self, f) -> str:
        html = self._metric_name(f.metric)
        if f.subject:
            return f'{html}<span class="subject">{_esc(self.loc(f, "subject"))}</span>'
        return html

    def metric(self, f) -> Markup:
        return Markup(self._metric(f))

    # --- Figures in tables ----------------------------------------------------------

    def _not(self, key: str) -> Markup:
        """"Not reported", "not stated" ...: the same in every cell of the language."""
        memo = self.language.memo
        html = memo.get(key)
        if html is None:
            html = memo[key] = Markup(f'<span class="nr">{_esc(self.t(key))}</span>')
        return html

    def cell(self, facts) -> Markup:
        """Every figure of a table cell with its period, or "not reported"."""
        if not facts:
            return self._not("facts.not_reported")
        return Markup("<br>".join([f'{self._value_html(f)}<span class="when">{_esc(self._period(f))}</span>'
                                   for f in facts]))

    def facts_table(self, facts, caption=None) -> Markup:
        if not facts:
            return _EMPTY
        t = self.t
        rows = []
        for f in facts:
            metric = self._metric(f)
            value = self._value_html(f)
            note = f'<details class="fact-note"><summary>{_esc(t("facts.note"))}</summary>' \
                   f'{self._note_text(f.note)}</details>' if f.note else ""
            rows.append(f'    <tr id="{_esc(f.anchor)}">\n      <th scope="row">{metric}</th>\n'
                        f'      <td>{value}{note}</td>\n      <td>{self._when(f)}</td>\n    </tr>\n')
        return Markup(f'<div class="table-wrap">\n<table class="facts">\n'
                      f'  <caption>{_esc(caption or t("facts.caption"))}</caption>\n'
                      f'  <thead><tr><th scope="col">{_esc(t("facts.metric"))}</th>'
                      f'<th scope="col">{_esc(t("facts.value"))}</th>'
                      f'<th scope="col">{_esc(t("facts.time"))}</th></tr></thead>\n'
                      f'  <tbody>\n{"".join(rows)}  </tbody>\n</table>\n</div>\n')

    # --- Supply links ---------------------------------------------------------------

    def link_head(self, show_supplier: bool = True, show_customer: bool = True) -> Markup:
        key = ("link_head", show_supplier, show_customer)
        html = self.language.memo.get(key)
        if html is None:
            t = self.t
            supplier = f'<th scope="col">{_esc(t("chain.col.supplier"))}</th>' if show_supplier else ""
            customer = f'<th scope="col">{_esc(t("chain.col.customer"))}</th>' if show_customer else ""
            html = self.language.memo[key] = Markup(
                f'{supplier}{customer}<th scope="col" data-type="number">{_esc(t("chain.col.tier"))}</th>'
                f'<th scope="col">{_esc(t("chain.col.product"))}</th>\n'
                f'<th scope="col" data-type="number">{_esc(t("chain.col.share"))}</th>'
                f'<th scope="col" data-type="number">{_esc(t("chain.col.delivery"))}</th>\n'
                f'<th scope="col">{_esc(t("chain.col.other"))}</th>')
        return html

    def _link_product(self, link) -> str:
        product = _esc(self.loc(link, "product")) if link.product else self._not("chain.not_stated")
        return f"{product}{self.cite_mark(self.cite(link.source_id, link.quote))}"

    def link_product(self, link) -> Markup:
        return Markup(self._link_product(link))

    def _link_figures(self, link) -> str:
        if not link.facts:  # most links: two "not reported" cells, the same on every page
            html = self.language.memo.get("no_link_figures")
            if html is None:
                html = self.language.memo["no_link_figures"] = self._link_figures_of([], [])
            return html
        return self._link_figures_of(facts_of(link, "share"), facts_of(link, "delivery_time"))

    def _link_figures_of(self, share, delivery) -> str:
        share_cell = self.cell(share)
        return (f'<td data-sort="{_esc(sort_value(share))}">{share_cell}</td>\n'
                f'<td data-sort="{_esc(sort_value(delivery))}">{self.cell(delivery)}</td>')

    def link_figures(self, link) -> Markup:
        """The share and the delivery time of a link, a column each."""
        return Markup(self._link_figures(link))

    def _link_others(self, link) -> str:
        """The link's figures other than share and delivery time, in one cell."""
        if link.facts:
            shown = [f'{self._metric_name(f.metric)} {self._value_html(f)}'
                     for f in link.facts if f.metric not in ("share", "delivery_time")]
            if shown:
                return "<br>".join(shown)
        return self._not("chain.not_reported")

    def _tier_cell(self, tier) -> str:
        """A link's tier as a table cell (the same on every page of the language)."""
        key = ("tier_cell", tier)
        html = self.language.memo.get(key)
        if html is None:
            html = self.language.memo[key] = \
                f'<td data-sort="{_esc(tier or "")}">{_esc(self.t(f"chain.tier.{tier}"))}</td>'
        return html

    def _link_row(self, link, tiers, show_supplier: bool, show_customer: bool, makers) -> str:
        companies = self.atlas.companies
        makers_attr = f' data-makers="{_esc(" ".join(map(str, makers)))}"' if makers is not None else ""
        supplier = f"<td>{self._rec(companies[link.supplier])}</td>" if show_supplier else ""
        customer = f"<td>{self._rec(companies[link.customer])}</td>" if show_customer else ""
        tier = self._tier_cell(tiers[link.index])
        product = self._link_product(link)
        figures = self._link_figures(link)
        return (f'<tr id="{_esc(link.anchor)}"{makers_attr}>\n{supplier}{customer}'
                f'  {tier}\n  <td>{product}</td>\n  {figures}\n  <td>{self._link_others(link)}</td>\n</tr>\n')

    def link_row(self, link, tiers, show_supplier: bool = True, show_customer: bool = True,
                 makers=None) -> Markup:
        """A supply link as a table row: the tier, the share and the delivery time get a
        column each ("not reported" where the article gives none); other figures share
        the last one. `tiers`: the tier of each link, by index."""
        return Markup(self._link_row(link, tiers, show_supplier, show_customer, makers))

    def link_rows(self, links, tiers, show_supplier: bool = True, show_customer: bool = True,
                  makers_of=None) -> Markup:
        """`link_row` for each link; `makers_of`: the makers of each link, by index."""
        return Markup("".join([
            self._link_row(l, tiers, show_supplier, show_customer,
                           None if makers_of is None else makers_of.get(l.index, []))
            for l in links]))

    def link_table(self, links, tiers, show_supplier: bool = True,
                   show_customer: bool = True) -> Markup:
        """A sortable table of supply links: `link_head` and `link_rows` in one piece."""
        head = self.link_head(show_supplier, show_customer)
        rows = self.link_rows(links, tiers, show_supplier, show_customer)
        return Markup(f'<div class="table-wrap"><table class="list sortable">\n'
                      f'  <thead><tr>{head}</tr></thead>\n  <tbody>{rows}</tbody>\n</table></div>')

    def network_table(self, network) -> Markup:
        """A vehicle maker's network: its suppliers (tier 1) and their suppliers (tier 2)."""
        t, loc, companies = self.t, self.loc, self.atlas.companies
        rows = []
        for row in network.rows:
            supplier = companies[row.link.supplier]
            district = self.atlas.districts.get(supplier.district)
            supplier_link = self._rec(supplier)
            tier_text = _esc(t(f"chain.network_tier.{row.tier}"))
            customer_link = self._rec(companies[row.link.customer])
            product = self._link_product(row.link)
            figures = self._link_figures(row.link)
            place = _esc(loc(district, "name")) if district else self._not("browse.not_stated")
            tier = _esc(row.tier)
            rows.append(f'    <tr data-tier="{tier}">\n      <td>{supplier_link}</td>\n'
                        f'      <td data-sort="{tier}">{tier_text}</td>\n'
                        f'      <td>{customer_link}</td>\n      <td>{product}</td>\n'
                        f'      {figures}\n      <td>{place}</td>\n    </tr>')
        caption = _esc(t("chain.network_caption", maker=loc(network.maker, "name")))
        return Markup(f'<div class="table-wrap"><table class="list sortable network-table">\n'
                      f'  <caption>{caption}</caption>\n'
                      f'  <thead><tr><th scope="col">{_esc(t("chain.col.supplier"))}</th>'
                      f'<th scope="col" data-type="number">{_esc(t("chain.col.tier"))}</th>\n'
                      f'    <th scope="col">{_esc(t("chain.col.delivers_to"))}</th>'
                      f'<th scope="col">{_esc(t("chain.col.product"))}</th>\n'
                      f'    <th scope="col" data-type="number">{_esc(t("chain.col.share"))}</th>'
                      f'<th scope="col" data-type="number">{_esc(t("chain.col.delivery"))}</th>\n'
                      f'    <th scope="col">{_esc(t("chain.col.district"))}</th></tr></thead>\n'
                      f'  <tbody>{"".join(rows)}  </tbody>\n</table></div>\n')

    # --- Charts (atlas/charts.py draws them) -----------------------------------------

    def _chart_words(self) -> charts.Words:
        words = self.language.memo.get("chart_words")
        if words is None:
            words = self.language.memo["chart_words"] = charts.Words(
                self.language.code, {key: self.t(f"chart.{key}") for key in charts.WORD_KEYS})
        return words

    def _chart_figure(self, chart) -> str:
        """A chart's SVG, then the same figures as a table with their citation marks."""
        atlas, t, words, lang = self.atlas, self.t, self._chart_words(), self.language.code
        rows = []
        for bar in chart.bars:
            f = bar.fact
            if chart.kind == "compare":
                heading = self._rec(atlas.record(f.owner_kind, f.owner_id))
            else:
                heading = _esc(charts.bar_heading(chart, bar, atlas, words))
            badge = "" if f.kind == "actual" else \
                f' <span class="badge badge-{_esc(f.kind)}">{_esc(charts.kind_text(f, lang))}</span>'
            rows.append(f'        <tr>\n          <th scope="row">{heading}</th>\n'
                        f'          <td><span class="chart-value">{_esc(charts.value_text(bar, chart.unit, lang))}'
                        f'</span>{badge}{self.cite_mark(self.cite(f))}</td>\n'
                        f'          <td>{_esc(charts.bar_detail(chart, bar, atlas, words))}</td>\n'
                        f'        </tr>\n')
        return (f'<figure class="chart" id="{_esc(chart.key)}">\n'
                f'  <figcaption class="chart-title">{_esc(charts.chart_title(chart, atlas, words))}</figcaption>\n'
                f'  <div class="chart-frame">{charts.chart_svg(chart, atlas, words)}</div>\n'
                f'  <details class="chart-data">\n    <summary>{_esc(t("chart.table"))}</summary>\n'
                f'    <div class="table-wrap">\n    <table class="chart-table">\n'
                f'      <thead><tr><th scope="col">{_esc(t("chart.heading_" + chart.kind))}</th>'
                f'<th scope="col">{_esc(t("chart.value"))}</th><th scope="col">{_esc(t("chart.detail"))}</th></tr></thead>\n'
                f'      <tbody>\n{"".join(rows)}      </tbody>\n    </table>\n    </div>\n'
                f'  </details>\n</figure>\n')

    def chart_figure(self, chart) -> Markup:
        return Markup(self._chart_figure(chart))

    def chart_section(self, chart_list, heading_level: int = 2) -> Markup:
        """Every chart of a list under one heading; nothing at all when the list is empty."""
        if not chart_list:
            return _EMPTY
        level = _esc(heading_level)
        figures = "".join([self._chart_figure(chart) for chart in chart_list])
        return Markup(f'<section class="charts">\n<h{level}>{_esc(self.t("chart.section"))}</h{level}>\n'
                      f'{figures}</section>\n')

    # --- A record's own page --------------------------------------------------------

    def _rec_items(self, records) -> str:
        return "".join([f"<li>{self._rec(r)}</li>" for r in records])

    def rec_items(self, records) -> Markup:
        """A link to each record, as the items of a list."""
        return Markup(self._rec_items(records))

    def company_meta(self, r, parent, subsidiaries, clusters, park, district) -> Markup:
        """The list of what a company is: role, industry, group, clusters, park, district
        and products (a line for each it has)."""
        t, loc = self.t, self.loc
        parts = [f'<dl class="meta">\n'
                 f'  <dt>{_esc(t("record.role"))}</dt><dd>{_esc(loc(ROLE_LABELS[r.role]))}</dd>\n'
                 f'  <dt>{_esc(t("record.industry"))}</dt>'
                 f'<dd>{_esc(loc(self.atlas.industries[r.industry], "name"))}</dd>\n']
        if parent:
            parts.append(f'<dt>{_esc(t("company.parent"))}</dt><dd>{self._rec(parent)}</dd>')
        if subsidiaries:
            parts.append(f'<dt>{_esc(t("company.subsidiaries"))}</dt>'
                         f'<dd><ul>{self._rec_items(subsidiaries)}</ul></dd>')
        if clusters:
            parts.append(f'<dt>{_esc(t("company.clusters"))}</dt><dd><ul>{self._rec_items(clusters)}</ul></dd>')
        if park:
            parts.append(f'<dt>{_esc(t("record.park"))}</dt><dd>{self._rec(park)}</dd>')
        if district:
            parts.append(f'<dt>{_esc(t("record.district"))}</dt><dd>{self.names(district)}</dd>')
        if r.products:
            products = "".join([f"<li>{self.names(p)}</li>" for p in r.products])
            parts.append(f'<dt>{_esc(t("company.products"))}</dt><dd><ul>{products}</ul></dd>')
        parts.append("</dl>")
        return Markup("".join(parts))

    def people_list(self, people) -> Markup:
        """The people an article names, each with their title and the article."""
        comma, sources = _esc(self.t("punct.comma")), self.atlas.sources
        items = [f'<li><span lang="zh-CN">{_esc(p.name)}</span>{comma}{self.names(p, "title")} '
                 f'(<a href="{_esc(self.url(record_path("source", p.source_id)))}">'
                 f'{self.source_label(sources[p.source_id])}</a>)</li>' for p in people]
        return Markup(f'<ul>{"".join(items)}</ul>')

    # --- Places and sources ---------------------------------------------------------

    def location_note(self, r) -> Markup:
        t = self.t
        where = r.location
        if not where:
            return Markup(f'<p class="location-note">{_esc(t("location.none"))}</p>\n')
        converted = f' {_esc(t("location.converted"))}' if where.datum_given == "gcj02" else ""
        return Markup(f'<p class="location-note">{_esc(t("location.label"))}'
                      f'{_esc(t("precision." + where.precision))}{_esc(t("punct.stop"))}'
                      f'{self._note_text(where.note)}{converted}</p>\n')

    def small_map(self, map, label) -> Markup:
        """A record's map (atlas/maps.py: its HTML is the build's own) with its caption."""
        if not map:
            return _EMPTY
        return Markup(f'<figure class="map-frame map-small">\n  {map.html}\n'
                      f'  <figcaption>{_esc(label)} · {_esc(self.t("map.small_legend"))}</figcaption>\n'
                      f'</figure>\n')

    def _source_label(self, src) -> str:
        inferred = _esc(self.t("source.inferred_short")) if src.date_inferred else ""
        return f'{_esc(self.loc(src, "outlet"))} {_esc(self._date(src.date))}{inferred}'

    def source_label(self, src) -> Markup:
        return Markup(self._source_label(src))

    def _source_item(self, src) -> str:
        """A source as an item of the list of a record's sources: the same on every page
        of the language in the same folder, made once per build (as `_rec`)."""
        key = (self.folder, "source_item", src.id)
        known = self._links.get(key) if self.folder is not None else None
        if known is None or known[0] is not src:
            title = _esc(self.loc(src.headlines[0], "title")) if src.headlines else ""
            known = (src, f'  <li><a href="{_esc(self.url(record_path("source", src.id)))}">'
                          f'{self._source_label(src)}</a>{_esc(self.t("punct.colon"))}{title}</li>\n')
            if self.folder is not None:
                self._links[key] = known
        return known[1]

    def sources_list(self, ids) -> Markup:
        sources = self.atlas.sources
        items = "".join([self._source_item(sources[ident]) for ident in ids])
        return Markup(f'<ul class="sources">\n{items}</ul>\n')

    def _owner_link(self, kind: str, ident: str) -> str:
        """A link to the record `kind`/`ident` (a circle: its name alone, no other name)."""
        owner = getattr(self.atlas, _TABLES[kind])[ident]
        if kind == "circle":
            return f'<a href="{_esc(self.url(record_path("circle", owner.id)))}">' \
                   f'{_esc(self.loc(owner, "name"))}</a>'
        return self._rec(owner)

    def source_figures(self, facts_by_owner) -> Markup:
        """A source's figures grouped by the record (or supply link) they are about."""
        companies = self.atlas.companies
        parts = []
        for (kind, ident), facts in facts_by_owner:
            if kind == "link":
                link = self.atlas.links[int(ident)]
                parts.append(f'<h3 id="{_esc(link.anchor)}">{_esc(self.t("source.link"))}'
                             f'{self._rec(companies[link.supplier])} → {self._rec(companies[link.customer])}</h3>\n')
            else:
                parts.append(f"<h3>{self._owner_link(kind, ident)}</h3>\n")
            parts.append(f'<ul class="quotes">{self.quoted_facts(facts)}</ul>\n')
        return Markup("".join(parts))

    def record_cards(self, records) -> Markup:
        """Records given as (kind, id), as the items of a `cards` list."""
        return Markup("".join([f"<li>{self._owner_link(kind, ident)}</li>" for kind, ident in records]))

    def quoted_facts(self, facts) -> Markup:
        """A source's figures, each with its quote (the items of a `quotes` list)."""
        loc, metric_name = self.loc, self._metric_name
        colon = _esc(self.t("punct.colon"))
        items = []
        for f in facts:
            subject = f" ({_esc(loc(f, 'subject'))})" if f.subject else ""
            badge = "" if f.kind == "actual" else \
                f' <span class="badge badge-{_esc(f.kind)}">{_esc(self.t("fact_kind." + f.kind))}</span>'
            items.append(f'  <li id="{_esc(f.anchor)}">{metric_name(f.metric)}{subject}'
                         f'{colon}<span class="value">{_esc(self._value(f))}</span>{badge} · '
                         f'{self._when(f)}<br><q lang="zh-CN">{_esc(f.quote)}</q></li>\n')
        return Markup("".join(items))

    def quoted_links(self, links) -> Markup:
        """Supply links, each with its quote (the items of a `quotes` list)."""
        companies = self.atlas.companies
        colon = _esc(self.t("punct.colon"))
        items = []
        for l in links:
            product = f"{colon}{_esc(self.loc(l, 'product'))}" if l.product else ""
            items.append(f"<li>{self._rec(companies[l.supplier])} → {self._rec(companies[l.customer])}"
                         f'{product}<br><q lang="zh-CN">{_esc(l.quote)}</q></li>')
        return Markup("".join(items))

    def browse_rows(self, rows) -> Markup:
        """The rows of a browse table (browse.RecordRow): every cell says something,
        "not stated" where the record does not."""
        loc, t = self.loc, self.t
        not_stated = self._not("browse.not_stated")
        items = []
        for row in rows:
            kind = row.record.kind_name
            if row.industry:
                industry = _esc(loc(row.industry, "name"))
            else:
                industry = self._not("browse.not_applicable") if kind == "park" else not_stated
            district = _esc(loc(row.district, "name")) if row.district else not_stated
            province = _esc(loc(row.province)) if row.province else not_stated
            items.append(f'    <tr data-kind="{_esc(kind)}">\n      <td>{self._rec(row.record)}</td>\n'
                         f'      <td>{_esc(t("browse.kind." + kind))}</td>\n'
                         f'      <td>{_esc(loc(row.type_label))}</td>\n      <td>{industry}</td>\n'
                         f'      <td>{district}</td>\n      <td>{province}</td>\n    </tr>')
        return Markup("".join(items))

    def company_cards(self, companies) -> Markup:
        """Companies as the items of a `cards` list: a link and the company's role."""
        loc = self.loc
        return Markup("".join([f'<li>{self._rec(c)} <span class="role">{_esc(loc(ROLE_LABELS[c.role]))}</span></li>'
                               for c in companies]))

    def cite_block(self, record, address: str) -> Markup:
        """"Cite this page" for a cluster, company or park page at `address`, and the
        link to its JSON."""
        t, config = self.t, self.config
        json_path = "data/" + record_path(record.kind_name, record.id).replace(".html", ".json")
        citation = t("cite.citation", site=Markup(f'<span lang="zh-CN">{_esc(config.title)}</span>'),
                     site_en=config.title_en, name=self.loc(record, "name"),
                     version=config.version, date=config.build_date, address=address)
        key = (self.folder, "cite_block")
        known = self._links.get(key) if self.folder is not None else None
        if known is None:
            known = (f'<section class="cite-this" aria-labelledby="cite-this-title">\n'
                     f'  <h2 id="cite-this-title">{_esc(t("cite.title"))}</h2>\n  <p class="citation">',
                     f'</p>\n  <p>{_esc(t("cite.figures"))}\n'
                     f'    <a href="{_esc(self.url("data.html"))}#cite">{_esc(t("cite.how"))}</a></p>\n'
                     f'  <p class="entity-json"><a href="',
                     f'" type="application/json">{_esc(t("cite.json"))}</a> <code>')
            if self.folder is not None:
                self._links[key] = known
        start, middle, json_link = known
        return Markup(f'{start}{_esc(citation)}{middle}{_esc(self.asset(json_path))}{json_link}'
                      f'{_esc(json_path)}</code></p>\n</section>\n')

    def company_rows(self, companies) -> Markup:
        """The rows of the table of companies: name, role, industry, district and how
        many customers and suppliers each has."""
        loc, industries, districts = self.loc, self.atlas.industries, self.atlas.districts
        items = []
        for c in companies:
            district = _esc(loc(districts[c.district], "name")) if c.district in districts \
                else self._not("browse.not_stated")
            customers, suppliers = len(c.supplies), len(c.supplied_by)
            items.append(f'    <tr>\n      <td>{self._rec(c)}</td>\n'
                         f'      <td>{_esc(loc(ROLE_LABELS[c.role]))}</td>\n'
                         f'      <td>{_esc(loc(industries[c.industry], "name"))}</td>\n'
                         f'      <td>{district}</td>\n'
                         f'      <td data-sort="{customers}">{customers}</td>\n'
                         f'      <td data-sort="{suppliers}">{suppliers}</td>\n    </tr>')
        return Markup("".join(items))

    # --- The page's notes -----------------------------------------------------------

    def _note_source(self, source) -> tuple[str, str]:
        """The link to a note's source and its text (outlet and date), the same on every
        page of the language in the same folder (as `_rec`)."""
        key = (self.folder, "note_source", source.id)
        known = self._links.get(key) if self.folder is not None else None
        if known is None or known[0] is not source:
            inferred = _esc(self.t("notes.date_inferred")) if source.date_inferred else ""
            known = (source, self.url(record_path("source", source.id)),
                     f'{_esc(self.loc(source, "outlet"))}{_esc(self.t("punct.comma"))}'
                     f'{_esc(self._date(source.date))}{inferred}')
            if self.folder is not None:
                self._links[key] = known
        return known[1], known[2]

    def notes(self, citations) -> Markup:
        """The page's numbered notes: each figure's quote and a link to its source."""
        if not citations.items:
            return _EMPTY
        sources = self.atlas.sources
        items = []
        for note in citations.items:
            href, label = self._note_source(sources[note.source_id])
            if note.anchor:
                href += "#" + note.anchor
            items.append(f'    <li id="note-{note.number}"><q lang="zh-CN">{_esc(note.quote)}</q>\n'
                         f'      — <a href="{_esc(href)}">{label}</a></li>\n')
        return Markup(f'<section class="notes" aria-labelledby="notes-title">\n'
                      f'  <h2 id="notes-title">{_esc(self.t("notes.title"))}</h2>\n'
                      f'  <ol>\n{"".join(items)}  </ol>\n</section>\n')
