"""Site search: the Pagefind index (online) and a compact index loaded by <script src>
(offline, where fetch() from file:// fails). Both hold one entry per page of a cluster,
company, park, circle or source, with its names, aliases and products."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .format import date_zh
from .i18n import LANGUAGES, lang_path
from .model import Atlas
from .urls import SECTIONS, record_path

# Kinds in the order the compact index numbers them: (kind, Chinese label, English label).
KINDS = (("cluster", "产业集群", "Cluster"), ("company", "企业", "Company"),
         ("park", "园区", "Park"), ("circle", "配套圈", "Circle"), ("source", "来源", "Source"))
KIND_LABELS = {kind: {"zh": zh, "en": en} for kind, zh, en in KINDS}
SEARCH_SCRIPT = "static/data/search.js"
PAGEFIND_FOLDER = "pagefind"

_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")


@dataclass(frozen=True)
class Entry:
    """What search knows about one page."""

    kind: str
    ident: str
    name: str
    name_en: str
    aliases: tuple[str, ...]
    products: tuple[str, ...]       # Chinese and English product names
    extra: tuple[str, ...] = ()     # industry and kind of record, both languages
    summary: str = ""
    summary_en: str = ""

    @property
    def path(self) -> str:
        return record_path(self.kind, self.ident)

    def title(self, lang: str) -> str:
        return self.name if lang == "zh" else (self.name_en or self.name)

    def other_name(self, lang: str) -> str:
        """The name in the other language, shown beside the title in results."""
        return self.name_en if lang == "zh" else (self.name if self.name_en else "")


def _label_pair(labels, key: str) -> tuple[str, ...]:
    label = labels.get(key)
    return (label.name, label.name_en) if label else ()


def entries(atlas: Atlas) -> list[Entry]:
    """Every searchable page, in a stable order."""
    found = []
    for record in atlas.records():
        products = tuple(t for p in getattr(record, "products", ()) for t in (p.name, p.name_en) if t)
        industry = _label_pair(atlas.industries, getattr(record, "industry", ""))
        found.append(Entry(record.kind_name, record.id, record.name, record.name_en,
                           tuple(record.aliases), products, industry,
                           record.summary, record.summary_en))
    for circle in atlas.circles.values():
        found.append(Entry("circle", circle.id, circle.name, circle.name_en, (), (), (),
                           circle.summary, circle.summary_en))
    for source in atlas.sources.values():
        headlines = tuple(t for h in source.headlines for t in (h.title, h.title_en) if t)
        found.append(Entry("source", source.id, f"{source.outlet} {date_zh(source.date)}",
                           f"{source.outlet_en}, {source.date}", headlines, (),
                           (source.outlet, source.outlet_en)))
    return sorted(found, key=lambda e: ([k for k, _, _ in KINDS].index(e.kind), e.ident))


# -- the compact index (offline) ------------------------------------------------------

def compact_index(found: list[Entry]) -> dict:
    """{"kinds": [[kind, section, zh label, en label]...],
        "records": [[kind number, id, name, English name, [aliases], [products]]...]}"""
    kinds = [kind for kind, _, _ in KINDS]
    return {"kinds": [[k, SECTIONS[k], zh, en] for k, zh, en in KINDS],
            "records": [[kinds.index(e.kind), e.ident, e.name, e.name_en, list(e.aliases),
                         list(e.products)] for e in found]}


def search_script(found: list[Entry]) -> str:
    """static/data/search.js: sets window.ATLAS_SEARCH. Every `<` is written as \\u003c,
    so no name can end the <script> element or open a comment in it."""
    text = json.dumps(compact_index(found), ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return "window.ATLAS_SEARCH=" + text + ";\n"


# -- the Pagefind index (online) ------------------------------------------------------

def han_suffixes(text: str) -> list[str]:
    """Every proper suffix of each run of Han characters: 车用线束 -> 用线束, 线束, 束.

    The index and the query are cut into words by different segmenters (jieba when
    indexing, the browser's Intl.Segmenter when searching), and a query word matches
    an indexed word by its beginning. Suffixes make a word start at every character,
    so 线束 is found in 车用线束 even where 车用线束 was kept as one word."""
    return [run[i:] for run in _HAN_RUN.findall(text) for i in range(1, len(run))]


def han_bigrams(text: str) -> list[str]:
    """Every pair of neighbouring Han characters: 新型储能 -> 新型, 型储, 储能. Cheaper
    than suffixes for running text, and enough for the two-character words that
    people search for (线束, 储能) however the segmenter cut the sentence."""
    return [run[i:i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1)]


def record_content(entry: Entry, lang: str) -> str:
    """The text Pagefind indexes for one page in one language."""
    names = [entry.name, entry.name_en, *entry.aliases, *entry.products, *entry.extra,
             KIND_LABELS[entry.kind][lang]]
    summary = entry.summary if lang == "zh" else (entry.summary_en or entry.summary)
    helpers = [s for text in [entry.name, *entry.aliases, *entry.products] for s in han_suffixes(text)]
    if lang == "zh":
        helpers += han_bigrams(summary)
    return "\n".join([t for t in names if t] + [summary.strip()] + [" ".join(helpers)]).strip()


def record_html(entry: Entry, lang: str) -> str:
    """One page's search record as a small HTML document for Pagefind: its language,
    its title and kind (shown in results) and the text to index. Everything escaped."""
    content = "".join(f"<p>{escape(line)}</p>" for line in record_content(entry, lang).split("\n"))
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head><body>'
            f'<h1 data-pagefind-meta="title">{escape(entry.title(lang))}</h1>'
            f'<p data-pagefind-meta="kind">{escape(KIND_LABELS[entry.kind][lang])}</p>'
            f'<p data-pagefind-meta="also">{escape(entry.other_name(lang))}</p>'
            f"{content}</body></html>\n")


def pagefind_records(found: list[Entry], paths: set[str]) -> dict[str, str]:
    """Site path -> record HTML: one record per page that exists, per language
    (English pages under en/)."""
    records = {}
    for lang in LANGUAGES:
        for entry in found:
            url = lang_path(lang, entry.path)
            if url in paths:
                records[url] = record_html(entry, lang)
    return records


def pagefind_binary() -> str:
    try:
        from pagefind_bin_extended import get_executable  # the build that segments Chinese
    except ImportError:
        raise RuntimeError("Pagefind is not installed: run `make site`, or "
                           "`.venv/bin/pip install 'pagefind[extended]'`") from None
    return str(get_executable())


class PagefindRun:
    """Pagefind indexing the records into `folder`, running beside the rest of the build.

    The records go to Pagefind's own program as one folder of small files. Its Python
    API (pagefind.index) is not used: its service waits 0.1 s before reading each
    answer (20,000 records would take over half an hour) and may be stopped before
    it has finished writing the files (pagefind 1.5.2)."""

    def __init__(self, records: dict[str, str], folder: Path):
        self.folder = folder
        self.tmp = tempfile.mkdtemp(prefix="atlas-search-")
        try:
            for path, html in records.items():
                target = Path(self.tmp) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(html, encoding="utf-8")
            self.process = subprocess.Popen(
                [pagefind_binary(), "--site", self.tmp, "--output-path", str(folder), "--silent"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def finish(self) -> None:
        try:
            output, _ = self.process.communicate()
            if self.process.returncode != 0:
                raise RuntimeError(f"Pagefind failed to index the site: {output}")
            _tidy_pagefind(self.folder)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def abort(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_pagefind(records: dict[str, str], folder: Path) -> None:
    """Index the records with Pagefind into `folder` (and wait for it)."""
    PagefindRun(records, folder).finish()


def _tidy_pagefind(folder: Path) -> None:
    """Pagefind lists its languages in no fixed order: sort them so two builds are
    byte-identical. Its UI files go: the site has its own search box and results."""
    entry = folder / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                     encoding="utf-8")
    for unused in sorted(folder.glob("pagefind-*ui.*")) + [folder / "pagefind-highlight.js"]:
        unused.unlink(missing_ok=True)


@dataclass
class SearchIndex:
    """The search indexes of one build: `digest` says what they hold; `pagefind` is
    still running (None when the previous site's index was reused)."""

    digest: str
    pagefind: PagefindRun | None

    def finish(self) -> str:
        if self.pagefind is not None:
            self.pagefind.finish()
        return self.digest

    def abort(self) -> None:
        if self.pagefind is not None:
            self.pagefind.abort()


def start_search(root: Path, atlas: Atlas, paths, reuse=None) -> SearchIndex:
    """Write the compact index to <root>/static/data/search.js and start Pagefind on
    <root>/pagefind/, unless `reuse(digest)` says the previous site holds an index of
    exactly the same records (and has put it in place)."""
    found = entries(atlas)
    paths = set(paths)
    found = [e for e in found if any(lang_path(lang, e.path) in paths for lang in LANGUAGES)]
    target = root / SEARCH_SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(search_script(found), encoding="utf-8", newline="\n")
    records = pagefind_records(found, paths)
    digest = hashlib.sha256(pagefind_binary().encode())
    for path in sorted(records):
        digest.update(f"\0{path}\0{records[path]}".encode("utf-8"))
    indexed = digest.hexdigest()
    if reuse is not None and reuse(indexed):
        return SearchIndex(indexed, None)
    return SearchIndex(indexed, PagefindRun(records, root / PAGEFIND_FOLDER))


def write_search(root: Path, atlas: Atlas, paths, reuse=None) -> str:
    """start_search, waiting for Pagefind; returns the digest of what was indexed."""
    return start_search(root, atlas, paths, reuse).finish()
