"""Stage 7, output: write the whole site into a temporary folder and swap it in only
when everything succeeded, so a failed build leaves the previous site untouched."""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
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


def write_zip(site: Path, dist: Path, stem: str, date: str) -> Path:
    """Pack a folder as dist/<stem>.zip with every file under <stem>/, in a stable order
    and with one fixed timestamp, so the same site gives the same bytes."""
    year, month, day = (int(part) for part in date.split("-"))
    stamp = (max(year, 1980), month, day, 0, 0, 0)
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / f"{stem}.zip"
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in site.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{stem}/{path.relative_to(site).as_posix()}", date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    os.replace(tmp, target)
    return target
