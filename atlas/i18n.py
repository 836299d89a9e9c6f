"""The two editions of the site: Chinese (default, at the root) and English (under en/).

Interface strings live in one catalogue per language (i18n/zh.yaml, i18n/en.yaml),
read once per build; record texts come from the records' `_en` twins. Templates
see, per page: `lang`, `t('key')`, `loc(record, 'field')`, `url(path)`, `asset(path)`."""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .load import Mapping, load_yaml
from .problems import ContentError, Problems

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}      # <html lang>, hreflang
OG_LOCALE = {"zh": "zh_CN", "en": "en_GB"}
PREFIX = {"zh": "", "en": "en/"}
# Files both editions share: never given a language prefix.
SHARED_PREFIXES = ("static/", "data/", "pagefind/")


def lang_path(lang: str, path: str) -> str:
    """Where the page at site path `path` lives in edition `lang`."""
    if not PREFIX[lang] or path.startswith(SHARED_PREFIXES):
        return path
    return PREFIX[lang] + path


def _flatten(data: Mapping, rel: str, problems: Problems, prefix: str = "",
             out: dict | None = None, lines: dict | None = None) -> tuple[dict, dict]:
    """Nested mappings to dotted keys: {'nav': {'map': '地图'}} -> {'nav.map': '地图'}."""
    out = {} if out is None else out
    lines = {} if lines is None else lines
    for key, value in data.items():
        name = f"{prefix}{key}"
        line = data.line_of(key)
        if isinstance(value, Mapping):
            _flatten(value, rel, problems, name + ".", out, lines)
        elif isinstance(value, str) and value.strip():
            if name in out:
                problems.add(rel, line, f"`{name}` is given twice (first on line {lines[name]})",
                             "keep one")
            out[name], lines[name] = value, line
        else:
            problems.add(rel, line, f"`{name}` must be a non-empty text",
                         "write the interface string, quoted if it contains a colon")
    return out, lines


def load_catalogues(folder: Path) -> dict[str, dict[str, str]]:
    """Read i18n/<lang>.yaml for every language; both must define the same keys."""
    problems = Problems()
    texts: dict[str, dict[str, str]] = {}
    lines: dict[str, dict[str, int]] = {}
    for lang in LANGUAGES:
        path = folder / f"{lang}.yaml"
        rel = f"{folder.name}/{lang}.yaml"
        if not path.is_file():
            problems.add(rel, 0, "interface catalogue not found",
                         f"create {rel} with the interface strings in this language")
            continue
        doc = load_yaml(path, folder, problems)
        if doc is None:
            continue
        if not isinstance(doc.data, Mapping):
            problems.add(rel, 1, "a catalogue is a mapping of keys to texts", "write `key: text` lines")
            continue
        texts[lang], lines[lang] = _flatten(doc.data, rel, problems)
    if len(texts) == len(LANGUAGES):
        for lang in LANGUAGES:
            for other in LANGUAGES:
                for key in sorted(texts[other].keys() - texts[lang].keys()):
                    problems.add(f"{folder.name}/{lang}.yaml", 0,
                                 f"`{key}` is missing (it is on line {lines[other][key]} of {other}.yaml)",
                                 f"add `{key}` to {folder.name}/{lang}.yaml")
    if problems:
        raise ContentError(problems)
    return texts


class Untranslated(str):
    """A record's text that has no English version: the Chinese original, which renders
    on an English page with a visible note and marked as Chinese."""

    note: str

    def __new__(cls, text: str, note: str) -> "Untranslated":
        obj = super().__new__(cls, text)
        obj.note = note
        return obj

    def __html__(self) -> str:
        return (f'<span class="untranslated"><span class="untranslated-note">{escape(self.note)}</span> '
                f'<span lang="zh-CN">{escape(str(self))}</span></span>')


def _template_line(env: jinja2.Environment, name: str | None, key: str) -> int:
    """The first line of template `name` that mentions `key` (0 when not found)."""
    if not name:
        return 0
    try:
        source = env.loader.get_source(env, name)[0] if env.loader else ""
    except jinja2.TemplateNotFound:
        return 0
    for number, line in enumerate(source.splitlines(), 1):
        if key in line:
            return number
    return 0


@dataclass
class Language:
    """One edition's interface strings and record-text picker, made once per build."""

    code: str
    catalogue: dict[str, str]
    # Pieces of HTML that depend on nothing but the language (atlas/snippets.py)
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.code]

    def text(self, key: str, template: str | None = None, env: jinja2.Environment | None = None,
             **values) -> str:
        try:
            text = self.catalogue[key]
        except KeyError:
            problems = Problems()
            where = f"templates/{template}" if template else "templates"
            problems.add(where, _template_line(env, template, key) if env else 0,
                         f"interface string `{key}` is not in i18n/{self.code}.yaml",
                         "add it to both i18n/zh.yaml and i18n/en.yaml")
            raise ContentError(problems) from None
        if values:
            # Values may be Markup (a link); everything else is escaped.
            return _format(text, values)
        return text

    def make_t(self):
        @jinja2.pass_context
        def t(context, key: str, **values) -> str:
            return self.text(key, context.name, context.environment, **values)
        return t

    def loc(self, record, field: str | None = None):
        """`record.field` in this language. A pair (zh, en) may be given instead of a record.
        English missing: the Chinese text, shown with a note (see Untranslated)."""
        if field is None:
            zh, en = record
            return zh if self.code == "zh" else (en or zh)
        zh = getattr(record, field)
        if self.code == "zh":
            return zh
        en = getattr(record, field + "_en")
        if en or not zh:
            return en
        note = self.catalogue.get(f"untranslated.{field}") or self.catalogue["untranslated.text"]
        return Untranslated(zh, note)


_FIELDS: dict[str, tuple | None] = {}


def _fields(text: str) -> tuple | None:
    """An interface string, escaped, as (literal, field name) pairs; None when a field
    has a conversion or a format spec (left to Markup.format)."""
    try:
        return _FIELDS[text]
    except KeyError:
        parts = tuple(string.Formatter().parse(str(escape(text))))
        simple = all(not spec and not conversion and (name is None or name.isidentifier())
                     for _, name, spec, conversion in parts)
        _FIELDS[text] = known = parts if simple else None
        return known


def _format(text: str, values: dict) -> Markup:
    """`Markup(escape(text)).format(**values)`, without string.Formatter for each call."""
    parts = _fields(text)
    if parts is None:
        return Markup(escape(text)).format(**values)
    out = []
    for literal, name, _, _ in parts:
        out.append(literal)
        if name is not None:
            # as markupsafe's EscapeFormatter.format_field, which escapes __html__()'s text too
            value = values[name]
            if hasattr(value, "__html_format__"):
                value = value.__html_format__("")
            elif hasattr(value, "__html__"):
                value = value.__html__()
            else:
                value = format(value, "")
            out.append(str(escape(value)))
    return Markup("".join(out))


def languages(catalogues: dict[str, dict[str, str]]) -> dict[str, Language]:
    return {lang: Language(lang, catalogues[lang]) for lang in LANGUAGES}


def text_lang(text: str) -> str:
    """The `lang` of a free text a curator wrote in either language: Chinese if it has
    any CJK ideograph, else English."""
    return HTML_LANG["zh"] if any("\u4e00" <= ch <= "\u9fff" for ch in text) else HTML_LANG["en"]
