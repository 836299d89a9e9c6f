"""The command line: `build` (default) and `check`. Errors are printed for curators,
never as a Python traceback."""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

import jinja2

from . import Project, build, bundle, load_atlas
from .problems import ContentError


def _counts(atlas) -> str:
    facts = sum(1 for _ in atlas.all_facts())
    return (f"{len(atlas.clusters)} clusters, {len(atlas.companies)} companies, "
            f"{len(atlas.parks)} parks, {len(atlas.links)} supply links, "
            f"{len(atlas.circles)} circles, {facts} facts from {len(atlas.sources)} sources")


def _template_location(err: jinja2.TemplateError, root: Path) -> tuple[str, int]:
    """The template file and line an error happened in (Jinja maps its frames to them)."""
    if getattr(err, "filename", None) and getattr(err, "lineno", None):
        return _shorten(err.filename, root), err.lineno
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(".html")]
    if frames:
        return _shorten(frames[-1].filename, root), frames[-1].lineno or 0
    return "templates", 0


def _shorten(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build the Jing-Jin-Ji industry atlas.")
    parser.add_argument("command", nargs="?", default="build", choices=("build", "check", "bundle"),
                        help="build: validate and write the site (default); check: validate only; "
                             "bundle: write dist/<name>-offline-<version>.zip for use from file://")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="project folder holding content/, templates/ and static/")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/site)")
    parser.add_argument("--base-url", default=None,
                        help="public address of the site, e.g. https://example.github.io/atlas/ "
                             "(overrides [site] url in atlas.toml)")
    parser.add_argument("--dist", type=Path, default=None, help="bundle folder (default: ROOT/dist)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    args = parser.parse_args(argv)
    project = Project(args.root.resolve())
    out = args.out or project.root / "site"
    started = time.monotonic()
    try:
        if args.command == "check":
            atlas = load_atlas(project)
            print(f"content OK: {_counts(atlas)}")
            return 0
        if args.command == "bundle":
            path = bundle(project, args.dist or project.root / "dist")
            print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): unzip it anywhere and "
                  "open index.html")
            return 0
        report = build(project, out, args.base_url)
        print(f"built {report.pages} pages ({report.files} files) into {out} "
              f"in {time.monotonic() - started:.1f} s: {_counts(report.atlas)}")
        return 0
    except ContentError as err:
        print(err.problems.report(), file=sys.stderr)
        return 1
    except jinja2.TemplateError as err:
        if args.debug:
            raise
        where, line = _template_location(err, project.root)
        print(f"{where}:{line}: template error: {getattr(err, 'message', None) or err} "
              "(fix the template; the previous site was left as it was)", file=sys.stderr)
        return 1
    except OSError as err:
        if args.debug:
            raise
        print(f"{err.filename or out}: cannot write the site: {err.strerror} "
              "(the previous site was left as it was)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the previous site was left as it was", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - curators must never see a traceback
        if args.debug:
            raise
        print(f"internal error: {type(err).__name__}: {err} "
              "(the previous site was left as it was; run with --debug for details)", file=sys.stderr)
        return 2
