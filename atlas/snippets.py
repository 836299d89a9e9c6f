"""The few pieces of HTML every page repeats many times: a record's names, a link to a
record, a figure with its citation mark, a metric, a period. Written in Python because
as Jinja macros their calls were most of the rendering time; the templates reach them
through `_macros.html`, which exports them under the same names."""
from __future__ import annotations

from markupsafe import Markup, escape

from . import format as fmt
from . import i18n
from .urls import record_path

_EMPTY = Markup("")
_EN_NAME = Markup('<span class="en" lang="en">%s</span>')
_ZH_NAME = Markup('<span class="zh" lang="zh-CN">%s</span>')
_RECORD_LINK = Markup('<a href="%s">%s</a> %s')
_NOTE_TEXT = Markup('<span lang="%s">%s</span>')
_CITE_MARK = Markup('<sup class="cite"><a href="#note-%s" aria-label="%s">[%s]</a></sup>')
_VALUE = Markup('<span class="value">%s</span>')
_BADGE = Markup(' <span class="badge badge-%s">%s</span>')
_INFERRED = Markup(' <abbr class="inferred" title="%s">%s</abbr>')
_SUBJECT = Markup('<span class="subject">%s</span>')


class PageSnippets:
    """Bound to one page: its language, its links and its numbered notes."""

    def __init__(self, language: i18n.Language, url, cite, atlas):
        self.language, self.url, self.cite, self.atlas = language, url, cite, atlas
        self.english = language.code == "en"
        self.loc = language.loc
        self._value = fmt.fact_value_en if self.english else fmt.fact_value
        self._period = fmt.period_en if self.english else fmt.period_zh
        self._inferred = Markup(_INFERRED) % (language.text("facts.inferred_title"),
                                              language.text("facts.inferred"))

    def other_name(self, r, field: str = "name") -> Markup:
        """The name in the other language, marked with its language (or nothing)."""
        other = getattr(r, field + "_en")
        if not self.english:
            return _EN_NAME % other if other else _EMPTY
        own = getattr(r, field)
        return _ZH_NAME % own if own and other else _EMPTY

    def names(self, r, field: str = "name") -> Markup:
        return escape(self.loc(r, field)) + Markup(" ") + self.other_name(r, field)

    def rec(self, r) -> Markup:
        return _RECORD_LINK % (self.url(record_path(r.kind_name, r.id)), self.loc(r, "name"),
                               self.other_name(r))

    def note_text(self, text: str) -> Markup:
        return _NOTE_TEXT % (i18n.text_lang(text), text)

    def cite_mark(self, n: int) -> Markup:
        return _CITE_MARK % (n, self.language.text("notes.mark", n=n), n)

    def value(self, f) -> Markup:
        html = _VALUE % self._value(f)
        if f.kind != "actual":
            html += _BADGE % (f.kind, self.language.text("fact_kind." + f.kind))
        return html + self.cite_mark(self.cite(f))

    def when(self, f) -> Markup:
        period = escape(self._period(f))
        return period + self._inferred if f.time_inferred else period

    def metric(self, f) -> Markup:
        html = escape(self.loc(self.atlas.metrics[f.metric], "name"))
        return html + _SUBJECT % self.loc(f, "subject") if f.subject else html
