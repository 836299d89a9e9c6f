"""Site search: the Pagefind index (online) and a compact index loaded by <script src>
(offline, where fetch() from file:// fails). Both hold one entry per page of a cluster,
company, park, circle or source, with its names, aliases and products.

The Pagefind index holds one record per entry with the text of both languages, indexed
as Chinese (the reader's page language only decides which page a result links to: the
browser builds the link from the record's site path, static/atlas-search.js). It comes
in shards, each a Pagefind index of its own under pagefind/<n>/ that the browser merges
(pagefind/shards.json lists them). An entry's shard depends on the entry alone, and each
shard keeps the digest of what it was made from, so a rebuild after one record changed
indexes one shard again and takes every other from the previous site."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path

from . import forked
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
SHARD_LIST = "shards.json"            # in pagefind/: the shard folders, for the browser
SHARD_DIGEST = "atlas-shard.sha256"   # in each shard's folder: what it was made from
RECORDS_PER_SHARD = 1500              # at most (see shard_count): the real site is one shard;
# each Pagefind run costs ~0.25 s CPU on its own (mostly loading its Chinese dictionary)
# and ~0.6 ms per record, so fewer, larger shards make a cold build cheaper and a
# one-record change dearer (8 shards of ~1,400 records at 10,000 companies)
PARALLEL_RUNS = 2                     # Pagefind processes at a time, one per shard
PAGEFIND_OPTIONS = ("--silent",)

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


INDEX_LANGUAGE = "zh"   # every record is indexed as Chinese, segmented by Pagefind's jieba


def record_content(entry: Entry) -> str:
    """The text Pagefind indexes for one entry besides its two names (the record's
    heading): aliases, products, industry and kind in both languages, both summaries,
    and the helper words of han_suffixes (names) and han_bigrams (the Chinese summary)."""
    names = [*entry.aliases, *entry.products, *entry.extra, *KIND_LABELS[entry.kind].values()]
    summaries = [entry.summary.strip(), entry.summary_en.strip()]
    helpers = [s for text in [entry.name, *entry.aliases, *entry.products] for s in han_suffixes(text)]
    helpers += han_bigrams(entry.summary)
    return "\n".join([t for t in names + summaries if t] + [" ".join(helpers)]).strip()


def record_html(entry: Entry) -> str:
    """One entry's search record as a small HTML document for Pagefind: its names in a
    heading (weighed above the rest, as a page's title is), the kind in both languages
    and the entry's site path as metadata only (the browser puts the path under the
    reader's language), and the text to index. Everything escaped."""
    content = "<p>" + escape(record_content(entry)).replace("\n", "</p><p>") + "</p>"
    names = (f'<h1><span data-pagefind-meta="title">{escape(entry.name)}</span> '
             f'<span data-pagefind-meta="title_en">{escape(entry.name_en)}</span></h1>')
    meta = {"kind": KIND_LABELS[entry.kind]["zh"], "kind_en": KIND_LABELS[entry.kind]["en"],
            "path": entry.path}
    hidden = "".join(f'<span data-pagefind-meta="{key}:{escape(value)}"></span>'
                     for key, value in meta.items())
    return (f'<!doctype html><html lang="{INDEX_LANGUAGE}"><head><meta charset="utf-8"></head>'
            f"<body>{names}{hidden}{content}</body></html>\n")


def pagefind_binary() -> str:
    try:
        from pagefind_bin_extended import get_executable  # the build that segments Chinese
    except ImportError:
        raise RuntimeError("Pagefind is not installed: run `make site`, or "
                           "`.venv/bin/pip install 'pagefind[extended]'`") from None
    return str(get_executable())


def indexer_digest(binary: str) -> str:
    """What decides a shard's files besides its pages: Pagefind's program, version and
    options, and this module's code (which writes the records)."""
    try:
        version = metadata.version("pagefind_bin_extended")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(f"{binary}\0{version}\0{PAGEFIND_OPTIONS}\0".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


# -- the Pagefind index in shards -------------------------------------------------------

def shard_count(records: int, per_shard: int) -> int:
    """Enough shards for at most `per_shard` records each, rounded up to a power of two,
    so the count (and with it every record's shard) changes only when the records
    double or halve."""
    count = 1
    while count * per_shard < records:
        count *= 2
    return count


def shard_number(entry: Entry, count: int) -> int:
    """The entry's shard, from its kind and id alone: adding or changing one record
    moves no other."""
    key = hashlib.sha256(f"{entry.kind}/{entry.ident}".encode("utf-8")).digest()
    return int.from_bytes(key[:8], "big") % count


@dataclass(frozen=True)
class Shard:
    """One Pagefind index: its folder in the site, the entries it holds and the digest
    of everything that decides its files."""

    folder: str
    entries: tuple[Entry, ...]
    digest: str

    @property
    def name(self) -> str:
        """The folder inside pagefind/, as the browser's shard list names it."""
        return self.folder.rsplit("/", 1)[-1]

    def records(self) -> dict[str, str]:
        """Record file (the entry's site path) -> its HTML."""
        return {entry.path: record_html(entry) for entry in self.entries}


def plan_shards(found: list[Entry], paths: set[str], indexer: str,
                per_shard: int) -> list[Shard]:
    """The shards (pagefind/<number>) of every entry of `found` whose page exists in
    every language (results link to the reader's language); a shard that would be
    empty is left out.

    A shard's digest is taken over its entries, not over their record HTML:
    record_html is a pure function of the entry (and of this module, which `indexer`
    covers), and making all 10,000 records of a large site on every build only to find
    that one changed would cost more than the rest of a small rebuild."""
    held = [e for e in found if all(lang_path(lang, e.path) in paths for lang in LANGUAGES)]
    count = shard_count(len(held), per_shard)
    grouped: dict[int, list[Entry]] = {}
    for entry in held:
        grouped.setdefault(shard_number(entry, count), []).append(entry)
    shards = []
    for number, members in sorted(grouped.items()):
        digest = hashlib.sha256(indexer.encode())
        for entry in members:
            digest.update(f"\0{entry!r}".encode("utf-8"))
        shards.append(Shard(f"{PAGEFIND_FOLDER}/{number}", tuple(members), digest.hexdigest()))
    return shards


def shard_list(shards: list[Shard]) -> str:
    """pagefind/shards.json, read by the browser: the shard folders inside pagefind/.
    The first is loaded as Pagefind itself, the others are merged into it."""
    return json.dumps([shard.name for shard in shards]) + "\n"


def indexed_digest(folder: Path) -> str | None:
    """The digest a built shard's folder says it was made from; None if it has none."""
    try:
        return (folder / SHARD_DIGEST).read_text(encoding="utf-8").strip()
    except OSError:
        return None


class SearchIndex:
    """The Pagefind shards of one build being put in place by a process forked beside
    the rest of the build.

    Each shard is either linked from the previous site by `reuse(folder, digest)`, when
    that holds it made from exactly the same pages, or indexed: its records go to
    Pagefind's own program as one folder of small files, with at most `parallel`
    Pagefind processes at a time. Linking and making records happen in the forked
    process too, so neither delays the rendering. Pagefind's Python API (pagefind.index)
    is not used: its service waits 0.1 s before reading each answer (10,000 records
    would take a quarter of an hour) and may be stopped before it has finished writing
    the files; driven without those waits, the service still costs ~20% more CPU per
    record than the program reading files (pagefind 1.5.2)."""

    def __init__(self, shards: list[Shard], root: Path, binary: str,
                 reuse=None, parallel: int = PARALLEL_RUNS):
        self._records = Path(tempfile.mkdtemp(prefix="atlas-search-", dir=_memory_folder()))
        # Forked: the shards and `reuse` are inherited as they are, never pickled. Its
        # own process group: abort() stops it and every Pagefind it started as one.
        self._indexer = forked.start(_place_shards,
                                     (shards, root, binary, reuse, parallel, self._records),
                                     name="atlas-search", doing="indexing the site for search",
                                     own_group=True)

    def finish(self) -> None:
        """Wait for every shard; raises the indexer's own error if a shard failed."""
        try:
            self._indexer.result()
        finally:
            shutil.rmtree(self._records, ignore_errors=True)

    def abort(self) -> None:
        """Stop the forked process and every Pagefind it started."""
        self._indexer.abort()
        shutil.rmtree(self._records, ignore_errors=True)


def _memory_folder() -> str | None:
    """Where the records go: a folder in memory where there is one (Linux), as they are
    read once and dropped, and making ~10,000 small files on disk costs more CPU than
    indexing some of them; else the usual temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _place_shards(shards: list[Shard], root: Path, binary: str, reuse, parallel: int,
                  tmp: Path) -> None:
    """In the forked process: link or index every shard."""
    def place(shard: Shard) -> None:
        if reuse is None or not reuse(shard.folder, shard.digest):
            _index_shard(shard, root, binary, tmp)

    # Threads are safe here: this process forks nothing but Pagefind itself.
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for done in [pool.submit(place, shard) for shard in shards]:
            done.result()


def _index_shard(shard: Shard, root: Path, binary: str, tmp: Path) -> None:
    """Write the shard's records into a folder of their own and index them with Pagefind
    into the shard's folder of the site, with the digest of what it was made from."""
    records = tmp / shard.name
    for url, html in shard.records().items():
        target = records / url
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    folder = root / shard.folder
    run = subprocess.run([binary, "--site", str(records), "--output-path", str(folder),
                          *PAGEFIND_OPTIONS], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, check=False)
    shutil.rmtree(records, ignore_errors=True)
    if run.returncode != 0:
        raise RuntimeError(f"Pagefind failed to index the site ({shard.folder}): {run.stdout}")
    _tidy_pagefind(folder)
    (folder / SHARD_DIGEST).write_text(shard.digest + "\n", encoding="utf-8")


def _tidy_pagefind(folder: Path) -> None:
    """Pagefind lists its languages in no fixed order: sort them so two builds are
    byte-identical. Its UI files go: the site has its own search box and results."""
    entry = folder / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                     encoding="utf-8")
    for unused in sorted(folder.glob("pagefind-*ui.*")) + [folder / "pagefind-highlight.js"]:
        unused.unlink(missing_ok=True)


def start_search(root: Path, atlas: Atlas, paths, reuse=None,
                 per_shard: int | None = None) -> SearchIndex:
    """Write the compact index to <root>/static/data/search.js and the shard list to
    <root>/pagefind/shards.json, and start putting every shard in place (<root>/pagefind/
    <n>/): linked from the previous site by `reuse(folder, digest)` -> bool, which does
    that when the previous site's shard was made from exactly the same pages, else
    indexed by Pagefind. `per_shard`: records per shard (RECORDS_PER_SHARD unless given)."""
    found = entries(atlas)
    paths = set(paths)
    found = [e for e in found if any(lang_path(lang, e.path) in paths for lang in LANGUAGES)]
    target = root / SEARCH_SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(search_script(found), encoding="utf-8", newline="\n")
    binary = pagefind_binary()
    shards = plan_shards(found, paths, indexer_digest(binary), per_shard or RECORDS_PER_SHARD)
    (root / PAGEFIND_FOLDER).mkdir(parents=True, exist_ok=True)
    (root / PAGEFIND_FOLDER / SHARD_LIST).write_text(shard_list(shards), encoding="utf-8")
    return SearchIndex(shards, root, binary, reuse)


def write_search(root: Path, atlas: Atlas, paths, reuse=None, per_shard: int | None = None) -> None:
    """start_search, waiting for Pagefind."""
    start_search(root, atlas, paths, reuse, per_shard).finish()
