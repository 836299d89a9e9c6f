"""What a failed build tells a curator: every problem as file:line, message and fix.
Shared by the command line and by `serve`'s error page, so both say the same."""
from __future__ import annotations

import traceback
from pathlib import Path

import jinja2

from .problems import ContentError, Problem


def shorten(path: str, root: Path) -> str:
    """`path` relative to the project folder where it lies inside it."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def template_location(err: jinja2.TemplateError, root: Path) -> tuple[str, int]:
    """The template file and line an error happened in (Jinja maps its frames to them)."""
    if getattr(err, "filename", None) and getattr(err, "lineno", None):
        return shorten(err.filename, root), err.lineno
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(".html")]
    if frames:
        return shorten(frames[-1].filename, root), frames[-1].lineno or 0
    return "templates", 0


def build_problems(err: BaseException, root: Path, out: Path, aftermath: str) -> list[Problem] | None:
    """The problems behind a failed build, or None for an error that is not the
    content's, the templates' or the disk's (a bug). `aftermath` says what became
    of the site, e.g. "the previous site was left as it was"."""
    if isinstance(err, ContentError):
        return err.problems.sorted()
    if isinstance(err, jinja2.TemplateError):
        where, line = template_location(err, root)
        message = getattr(err, "message", None) or str(err)
        return [Problem(where, line, f"template error: {message}", f"fix the template; {aftermath}")]
    if isinstance(err, OSError):
        return [Problem(str(err.filename or out), 0, f"cannot write the site: {err.strerror}", aftermath)]
    return None
