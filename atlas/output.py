"""Stage 7, output: write the whole site into a temporary folder and swap it in only
when everything succeeded, so a failed build leaves the previous site untouched."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable


def write_site(target: Path, fill: Callable[[Path], None]) -> None:
    """Call `fill(tmp)` to write every file into a fresh temporary folder beside
    `target`, then replace `target` with it. On any error the temporary folder is
    removed and `target` is not touched."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        fill(tmp)
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, target: Path) -> None:
    """Two renames: the old site moves aside, the new one takes its name. The window in
    which `target` is missing is two system calls long, and the old copy survives until
    the new one is in place."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_text(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def copy_tree(source: Path, destination: Path, skip: Iterable[str] = ()) -> None:
    """Copy static files in a stable order."""
    skip = set(skip)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or any(part in skip for part in rel.parts):
            continue
        out = destination / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
