"""The Jing-Jin-Ji industry atlas generator.

The whole build, in order (each stage imports only those before it):

    load      content files -> data with file:line for every value   (load.py)
    validate  data -> typed, cross-checked records                     (validate.py)
    model     records linked both ways, locations and anchors derived  (resolve.py)
    plan      every page: path, template, context; maps rendered       (plan.py, maps.py)
    pages     Jinja templates, autoescaped; Markdown sanitised         (pages.py)
    output    written to a temporary folder, swapped in on success     (output.py)
"""
from __future__ import annotations

import gc
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from . import cache, tracking
from .config import Config, load_config
from .load import ParsedFiles, give_back_free_memory, load_boundaries, parsed_files
from .fingerprints import Previous, Remembering
from .maps import MapMaker, basemap_geojson
from .model import Atlas
from .opendata import Reuse, data_pages, start_open_data
from .output import write_site, write_zip
from .pages import environment, render_page
from .plan import plan_site
from .progress import Progress
from .render import Publisher, RenderJob, default_jobs, render_pages
from .resolve import resolve
from .search import indexed_digest, start_search
from .validate import ReadFiles, read_files, validate

__version__ = "0.1.0"


@dataclass(frozen=True)
class Project:
    """Where a build reads from and writes to."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def static(self) -> Path:
        return self.root / "static"


@dataclass(frozen=True)
class BuildReport:
    pages: int
    files: int
    counts: str
    kept: int = 0              # pages not rendered again: nothing they show had changed
    up_to_date: bool = False   # nothing had changed since the last build of this folder


def describe_counts(atlas: Atlas) -> str:
    facts = sum(1 for _ in atlas.all_facts())
    return (f"{len(atlas.clusters)} clusters, {len(atlas.companies)} companies, "
            f"{len(atlas.parks)} parks, {len(atlas.links)} supply links, "
            f"{len(atlas.circles)} circles, {facts} facts from {len(atlas.sources)} sources")


def load_atlas(project: Project, parsed: Path | None = None, read: Path | None = None) -> Atlas:
    """Validate the content and resolve it into the Atlas (raises ContentError). With
    `parsed`, the files' parse trees are kept there for the next build, which parses
    only the files that changed (load.ParsedFiles); with `read`, what reading each company
    and link file gave, which the next build takes instead of reading them again
    (validate.ReadFiles)."""
    boundaries = load_boundaries(project.static / "geo")
    if parsed is None:
        return resolve(validate(project.content, boundaries))
    records = ReadFiles.read(read) if read else None
    with parsed_files(ParsedFiles.read(parsed)) as kept, read_files(records):
        atlas = resolve(validate(project.content, boundaries))
    kept.save(parsed)
    if records is not None:
        records.save(read)
    return atlas


def load_settings(project: Project, base_url: str | None = None) -> Config:
    return load_config(project.root / "atlas.toml", __version__).with_base_url(base_url)


def basemap_script(static: Path, atlas: Atlas, config: Config) -> str:
    """The region's outlines as a script that sets a global (no fetch(), so file:// works)."""
    collection = basemap_geojson(static, atlas, config.map_datum)
    return "window.ATLAS_BASEMAP = " + json.dumps(collection, ensure_ascii=False,
                                                  separators=(",", ":")) + ";\n"


def sitemap(config: Config, paths: list[str]) -> str:
    urls = "".join(f"  <url><loc>{escape(config.url + p)}</loc></url>\n"
                   for p in sorted(paths) if p != "404.html")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n")


def render_site(project: Project, config: Config, out: Path,
                progress: Progress | None = None, force: bool = False) -> BuildReport:
    """Validate, plan, render and write the whole site; `out` changes only on success.
    Nothing is done when `out` holds the last build of exactly these inputs
    (unless `force`)."""
    try:
        return _render_site(project, config, out, progress, force)
    finally:
        gc.unfreeze()


def _render_site(project: Project, config: Config, out: Path,
                 progress: Progress | None = None, force: bool = False) -> BuildReport:
    progress = progress or Progress.quiet()
    site = cache.site_digest(project.root, repr(config))
    inputs = cache.input_digest(project.root, site, out)
    known = None if force else cache.up_to_date(out, inputs)
    if known is not None:
        return BuildReport(up_to_date=True, **known.summary)
    progress.stage("loading and checking content")
    atlas = load_atlas(project, cache.parsed_file(out), cache.read_file(out))
    # The atlas lives until the build ends: the collector need not scan it again, and
    # forked workers then do not copy its pages by touching them.
    gc.freeze()
    give_back_free_memory()
    progress.stage("planning pages")
    env = environment(project.templates, atlas, config,
                      compiled=cache.compiled_templates(out, site))
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)  # compiled once here, inherited by the render workers
    mapper = MapMaker(atlas, config, drawn=cache.drawn_maps(out, site))
    pages = plan_site(atlas, mapper)
    fingerprints: dict = {}
    summary = {"counts": describe_counts(atlas)}  # filled in below

    def render(page) -> str:
        return render_page(env, page.path, page.template, page.context, lang=page.lang,
                           absolute_links=page.path.endswith("404.html"))

    def fill(tmp: Path) -> None:
        publish = Publisher(tmp, out if out.is_dir() else None)
        before = None if force else cache.build_in_place(out)

        def reuse(shard: str, indexed: str) -> bool:
            """Link a search shard from the previous site if made from the same pages."""
            return before is not None and indexed_digest(out / shard) == indexed \
                and publish.keep_tree(shard)

        # The open data (atlas/opendata.py) is written by a forked process beside the
        # rendering (forked before the atlas's tables are tracked), and so is the Pagefind
        # index (site search: atlas/search.py); the data page, which lists the open data's
        # files, is rendered once they are written.
        progress.stage("starting the open data")
        digests = tracking.Digests(atlas)
        previous = Previous(cache.previous_pages(out, site) if not force else {}, digests)
        data = start_open_data(atlas, config, publish.put, background=default_jobs() > 1,
                               reuse=Reuse(previous, publish.keep, tmp),
                               put_streams=publish.put_streams)
        search = None
        try:
            progress.stage("starting the search index")
            search = start_search(tmp, atlas, [p.path for p in pages], reuse)
            progress.stage("rendering pages", total=len(pages))
            tracking.install(atlas)
            remember = Remembering(previous)
            rendered = render_pages(RenderJob(pages, render, publish, digests, previous, remember),
                                    progress=progress.advance)
            progress.stage("writing assets")
            publish.put_tree(project.static, "static", skip={"README.md", "centroids.yaml"})
            publish.put_text("static/geo/basemap.js", basemap_script(project.static, atlas, config))
            publish.put_text("static/data/places.js", mapper.places_script())
            publish.put_text(".nojekyll", "")
            progress.stage("finishing the open data")
            open_data = data.finish()
            data_page = data_pages(open_data.listing, config)
            progress.stage("rendering the data page")
            data_rendered = render_pages(RenderJob(data_page, render, publish, digests, previous,
                                                   remember))
            remember.take(open_data.fingerprints)
            fingerprints.update(remember.saved(digests))
            summary["kept"] = (rendered.count + data_rendered.count).kept
            summary["pages"] = len(pages) + len(data_page)
            progress.stage("finishing the search index")
            search.finish()
        except BaseException:
            data.abort()
            if search is not None:
                search.abort()
            raise
        if config.url:
            publish.put_text("sitemap.xml", sitemap(config, [p.path for p in pages + data_page]))
            publish.put_text("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {config.url}sitemap.xml\n")
        summary["files"] = sum(len(files) for _, _, files in os.walk(tmp))  # no stat() per file

    def swapped() -> None:
        cache.remember(out, inputs, summary)
        cache.remember_pages(out, site, fingerprints)

    write_site(out, fill, swapped)
    progress.done()
    return BuildReport(**summary)


def build(project: Project, out: Path, base_url: str | None = None,
          progress: Progress | None = None, force: bool = False) -> BuildReport:
    return render_site(project, load_settings(project, base_url), out, progress, force)


def bundle(project: Project, dist: Path) -> Path:
    """Build the site and pack it as dist/<name>-offline-<version>.zip for file:// use."""
    config = load_settings(project)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        render_site(project, config, site, force=True)
        return write_zip(site, dist, f"{config.name}-offline-{config.version}", config.build_date)
