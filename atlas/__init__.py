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

import json
import os
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .model import Atlas
from .output import copy_tree, write_site, write_text
from .pages import Settings, environment, render_page
from .plan import plan_site
from .resolve import resolve
from .validate import validate

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
    atlas: Atlas


def load_atlas(project: Project) -> Atlas:
    """Validate the content and resolve it into the Atlas (raises ContentError)."""
    return resolve(validate(project.content))


def build_date() -> str:
    """The date printed in footers: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def basemap_script(static: Path) -> str:
    """The region's outlines as a script that sets a global (no fetch(), so file:// works)."""
    features = []
    for name in ("jjj-districts.geojson", "jjj-provinces.geojson"):
        path = static / "geo" / name
        if path.exists():
            features += json.loads(path.read_text(encoding="utf-8")).get("features", [])
    collection = {"type": "FeatureCollection", "features": features}
    return "window.ATLAS_BASEMAP = " + json.dumps(collection, ensure_ascii=False,
                                                  separators=(",", ":")) + ";\n"


def build(project: Project, out: Path) -> BuildReport:
    """Validate, plan, render and write the whole site; `out` changes only on success."""
    atlas = load_atlas(project)
    settings = Settings(data_version=__version__, build_date=build_date())
    env = environment(project.templates, atlas, settings)
    pages = plan_site(atlas)
    rendered = [(page.path, render_page(env, page.path, page.template, page.context))
                for page in pages]
    counter = {"files": 0}

    def fill(tmp: Path) -> None:
        for path, html in rendered:
            write_text(tmp, path, html)
        copy_tree(project.static, tmp / "static", skip={"README.md"})
        write_text(tmp, "static/geo/basemap.js", basemap_script(project.static))
        write_text(tmp, ".nojekyll", "")
        counter["files"] = sum(1 for p in tmp.rglob("*") if p.is_file())

    write_site(out, fill)
    return BuildReport(pages=len(rendered), files=counter["files"], atlas=atlas)
