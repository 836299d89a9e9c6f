"""Stage 7, output: write the whole site into a temporary folder and swap it in only
when everything succeeded, so a failed build leaves the previous site untouched."""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

_RENAME_EXCHANGE = 2  # from linux/fs.h


@contextlib.contextmanager
def _locked(target: Path):
    """One build at a time may swap `target`; a second waits for the first."""
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_site(target: Path, fill: Callable[[Path], None],
               swapped: Callable[[], None] = lambda: None) -> None:
    """Call `fill(tmp)` to write every file into a fresh temporary folder beside
    `target`, then replace `target` with it and call `swapped()` while no other
    build can swap. On any error the temporary folder is removed and `target` is
    not touched."""
    target = Path(os.path.abspath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-{os.getpid()}-", dir=target.parent))
    with _locked(target):
        _tidy_except(target, tmp)
    try:
        fill(tmp)
        with _locked(target):
            _tidy_except(target, tmp)
            _swap(tmp, target)
            swapped()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _tidy_except(target: Path, keep: Path) -> None:
    for stale in sorted(target.parent.glob(f".{target.name}-new-*")):
        if stale != keep and _abandoned(stale):
            shutil.rmtree(stale, ignore_errors=True)
    olds = sorted(target.parent.glob(f".{target.name}-old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)


def _abandoned(folder: Path) -> bool:
    """A new-site folder whose build process has died (a live concurrent build's
    folder is left alone). The process id is part of the folder's name."""
    try:
        pid = int(folder.name.split("-new-", 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _swap(new: Path, target: Path) -> None:
    """Put `new` in place of `target`. Where the system can, the two folders trade
    places in one step, so `target` is never missing; elsewhere two renames, and an
    interrupted pair is repaired by the next build (`_tidy_except`)."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_bytes(root: Path, rel: str, data: bytes) -> None:
    """Every file of the site is written here (its folder must exist)."""
    with open(root / rel, "wb") as handle:
        handle.write(data)


@dataclass(frozen=True)
class Written:
    """A file's size and SHA-256 (what the data package says of each file)."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> "Written":
        return cls(len(data), hashlib.sha256(data).hexdigest())

    @classmethod
    def of_file(cls, path: Path) -> "Written":
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as stream:
            while piece := stream.read(1 << 20):
                digest.update(piece)
                size += len(piece)
        return cls(size, digest.hexdigest())


def write_pieces_together(root: Path, rels: Sequence[str],
                          pieces: Iterable[Sequence[bytes]]) -> list[Written]:
    """Files made side by side (say, one table as CSV and as JSON), each item of `pieces`
    holding the next piece of every file, in the order of `rels`."""
    digests, sizes = [hashlib.sha256() for _ in rels], [0] * len(rels)
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(open(root / rel, "wb")) for rel in rels]
        for pair in pieces:
            for i, piece in enumerate(pair):
                if piece:
                    handles[i].write(piece)
                    digests[i].update(piece)
                    sizes[i] += len(piece)
    return [Written(size, digest.hexdigest()) for size, digest in zip(sizes, digests)]


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
