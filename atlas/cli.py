"""The command line: `build` (default), `check`, `bundle`, `serve` and `new`. Errors
are printed for curators, never as a Python traceback."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jinja2

from . import Project, build, bundle, describe_counts, load_atlas
from .failures import build_problems
from .problems import ContentError
from .progress import Progress
from .serve import serve
from .skeleton import NewRecordError, create


def _new(parser: argparse.ArgumentParser, project: Project, what: list[str]) -> int:
    if len(what) != 2:
        parser.error("new needs a kind and an id, e.g. `build.py new company tianjin-example-parts`")
    try:
        path = create(project.content, *what)
    except NewRecordError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"wrote {path.relative_to(project.root).as_posix()}: fill in the lines marked FILL IN, "
          "then run `build.py check`")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build the Jing-Jin-Ji industry atlas.")
    parser.add_argument("command", nargs="?", default="build",
                        choices=("build", "check", "bundle", "serve", "new"),
                        help="build: validate and write the site (default); check: validate only; "
                             "bundle: write dist/<name>-offline-<version>.zip for use from file://; "
                             "serve: preview on 127.0.0.1, rebuilt and reloaded on every save; "
                             "new KIND ID: write a skeleton content/<section>/ID.yaml to fill in")
    parser.add_argument("what", nargs="*", metavar="KIND ID",
                        help="for new: company, cluster or park, and the new record's id")
    parser.add_argument("--port", type=int, default=8000,
                        help="for serve: the port on 127.0.0.1 (default 8000; 0: any free port)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="project folder holding content/, templates/ and static/")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/site)")
    parser.add_argument("--base-url", default=None,
                        help="public address of the site, e.g. https://example.github.io/atlas/ "
                             "(overrides [site] url in atlas.toml)")
    parser.add_argument("--dist", type=Path, default=None, help="bundle folder (default: ROOT/dist)")
    parser.add_argument("--force", action="store_true",
                        help="build even when nothing changed since the last build of --out")
    parser.add_argument("--timings", action="store_true",
                        help="list how long each stage of the build took")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    args = parser.parse_args(argv)
    project = Project(args.root.resolve())
    out = args.out or project.root / "site"
    if args.command == "new":
        return _new(parser, project, args.what)
    if args.what:
        parser.error(f"unexpected arguments: {' '.join(args.what)}")
    if args.command == "serve":
        return serve(project, args.port)
    started = time.monotonic()
    try:
        if args.command == "check":
            atlas = load_atlas(project)
            print(f"content OK: {describe_counts(atlas)}")
            return 0
        if args.command == "bundle":
            path = bundle(project, args.dist or project.root / "dist")
            print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): unzip it anywhere and "
                  "open index.html")
            return 0
        report = build(project, out, args.base_url, Progress.for_terminal(timings=args.timings),
                       force=args.force)
        if report.up_to_date:
            print(f"{out} is up to date: nothing changed since its last build "
                  f"({report.pages} pages; --force builds it again)")
        else:
            kept = f", {report.kept} of them unchanged and not rendered again" if report.kept else ""
            print(f"built {report.pages} pages ({report.files} files{kept}) into {out} "
                  f"in {time.monotonic() - started:.1f} s: {report.counts}")
        return 0
    except ContentError as err:
        print(err.problems.report(), file=sys.stderr)
        return 1
    except (jinja2.TemplateError, OSError) as err:
        if args.debug:
            raise
        for problem in build_problems(err, project.root, out, "the previous site was left as it was"):
            print(problem, file=sys.stderr)
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
