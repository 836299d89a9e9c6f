"""Stage 6b, render: turn every planned page into a file, on every core.

Pages are rendered by forked worker processes that inherit the planned site and the
compiled templates, and write their files themselves, so no page's HTML travels
between processes or stays in memory. A page whose bytes equal the previous build's
file is hard-linked from it instead of written again."""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import output, tracking
from .fingerprints import Previous, Remembering
from .forked import default_jobs

# Below this many pages forking workers costs more than it saves.
PARALLEL_FROM_PAGES = 400
BATCH = 64


@dataclass(frozen=True)
class RenderCount:
    written: int = 0   # files whose bytes were written
    linked: int = 0    # rendered again, same bytes: linked from the previous site
    kept: int = 0      # not rendered: nothing it shows had changed

    def __add__(self, other: "RenderCount") -> "RenderCount":
        return RenderCount(self.written + other.written, self.linked + other.linked,
                           self.kept + other.kept)


@dataclass(frozen=True)
class Publisher:
    """Puts files into the new site folder `out`; a file whose bytes equal the
    previous build's is hard-linked from it (no bytes written)."""

    out: Path
    previous: Path | None = None

    def put(self, rel: str, data: bytes, make_folder: bool = True) -> RenderCount:
        target = os.path.join(self.out, rel)   # strings: tens of thousands of files a build
        if make_folder:
            os.makedirs(os.path.dirname(target), exist_ok=True)
        if self.previous is not None:
            old = os.path.join(self.previous, rel)
            if _same_bytes(old, data):
                try:
                    os.link(old, target)
                    return RenderCount(linked=1)
                except OSError:
                    pass  # another filesystem, or links not allowed: write instead
        output.write_bytes(self.out, rel, data)
        return RenderCount(written=1)

    def put_streams(self, rels: Sequence[str],
                    pieces: Iterable[Sequence[bytes]]) -> list[output.Written]:
        """Files written side by side as their pieces come (output.write_pieces_together);
        each is linked from the previous build instead when that file has the same size
        and SHA-256."""
        for rel in rels:
            (self.out / rel).parent.mkdir(parents=True, exist_ok=True)
        written = output.write_pieces_together(self.out, rels, pieces)
        if self.previous is not None:
            for rel, made in zip(rels, written):
                old = self.previous / rel
                try:
                    if old.stat().st_size == made.size and \
                            output.Written.of_file(old).sha256 == made.sha256:
                        os.unlink(self.out / rel)
                        os.link(old, self.out / rel)
                except OSError:
                    pass   # no previous file, or no link: the file just written stays
        return written

    def keep(self, rel: str) -> bool:
        """Link the previous build's file unchanged; False when there is none."""
        if self.previous is None:
            return False
        try:
            os.link(os.path.join(self.previous, rel), os.path.join(self.out, rel))
            return True
        except OSError:
            return False

    def keep_tree(self, rel: str) -> bool:
        """Link every file of the previous build's folder `rel`; False (and nothing
        kept) when there is none or a link fails."""
        if self.previous is None or not (self.previous / rel).is_dir():
            return False
        try:
            for path in sorted((self.previous / rel).rglob("*")):
                target = self.out / path.relative_to(self.previous)
                if path.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, target)
            return True
        except OSError:
            shutil.rmtree(self.out / rel, ignore_errors=True)
            return False

    def put_text(self, rel: str, text: str) -> RenderCount:
        return self.put(rel, text.encode("utf-8"))

    def put_tree(self, source: Path, rel: str, skip: set[str] = frozenset()) -> RenderCount:
        """Every file under `source` (in a stable order) at `rel`/..., except `skip` names."""
        count = RenderCount()
        for path in sorted(source.rglob("*")):
            inner = path.relative_to(source)
            if path.is_file() and not any(part in skip for part in inner.parts):
                count = count + self.put(f"{rel}/{inner.as_posix()}", path.read_bytes())
        return count


@dataclass(frozen=True)
class RenderJob:
    """What every worker needs; set before the workers fork and inherited by them.
    With `digests` (atlas/tracking.py) each page's fingerprint is taken, and a page
    that `previous` (atlas/fingerprints.py) finds unchanged keeps the previous file."""

    pages: Sequence
    render: Callable[[object], str]   # planned page -> HTML
    publisher: Publisher
    digests: tracking.Digests | None = None
    previous: Previous = field(default_factory=Previous.none)
    remember: Remembering | None = None   # takes each page's fingerprint as results come in


@dataclass(frozen=True)
class Rendered:
    """What a batch of pages came to; `made` and `kept` travel from a worker to the
    parent, which hands them to the job's Remembering (see _merge)."""

    count: RenderCount
    made: dict = field(default_factory=dict)    # path -> (own digest, dependencies) of each page rendered
    kept: list = field(default_factory=list)    # paths of the pages kept from the previous build


class PageFailed(Exception):
    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


_job: RenderJob | None = None


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def _render_one(job: RenderJob, page) -> tuple[RenderCount, tuple | None]:
    """Render (or keep) one page: its count and, for a page rendered with `digests`,
    its own digest and the records it looked up."""
    if job.digests is None:
        data = job.render(page).encode("utf-8")
        return job.publisher.put(page.path, data, make_folder=False), None
    own = job.digests.page(page)
    if job.previous.unchanged(page.path, own) and job.publisher.keep(page.path):
        return RenderCount(kept=1), None
    with tracking.Watch() as noted:
        data = job.render(page).encode("utf-8")
    return job.publisher.put(page.path, data, make_folder=False), (own, tuple(noted))


def _render_range(job: RenderJob, start: int, stop: int, in_worker: bool) -> Rendered:
    count, made, kept = RenderCount(), {}, []
    for index in range(start, stop):
        page = job.pages[index]
        try:
            done, fingerprint = _render_one(job, page)
        except OSError:
            raise
        except Exception as err:  # noqa: BLE001 - the parent renders it again to report it
            if not in_worker:
                raise
            raise PageFailed(index) from err
        count = count + done
        if fingerprint is not None:
            made[page.path] = fingerprint
        elif done.kept:
            kept.append(page.path)
    return Rendered(count, made, kept)


def _render_batch(start: int, stop: int) -> Rendered:
    """A worker's share: the job is the one inherited when the worker forked."""
    assert _job is not None
    return _render_range(_job, start, stop, in_worker=True)


def render_pages(job: RenderJob, jobs: int | None = None,
                 progress: Callable[[int], None] = lambda done: None) -> Rendered:
    """Render and store every page of `job`; raises the page's own error if one fails."""
    global _job
    for folder in sorted({os.path.dirname(p.path) for p in job.pages}):
        (job.publisher.out / folder).mkdir(parents=True, exist_ok=True)
    jobs = jobs or default_jobs()
    batches = [(i, min(i + BATCH, len(job.pages))) for i in range(0, len(job.pages), BATCH)]
    _job = job
    try:
        if jobs == 1 or len(job.pages) < PARALLEL_FROM_PAGES:
            total = Rendered(RenderCount())
            for start, stop in batches:
                total = _merge(job, total, _render_range(job, start, stop, in_worker=False))
                progress(stop)
            return total
        return _render_in_workers(job, batches, jobs, progress)
    finally:
        _job = None


def _merge(job: RenderJob, total: Rendered, more: Rendered) -> Rendered:
    """`total` with `more` counted in; `more`'s fingerprints go to the job's Remembering
    (without one nobody keeps them)."""
    if job.remember is not None:
        for path, (own, dependencies) in more.made.items():
            job.remember.made(path, own, dependencies)
        for path in more.kept:
            job.remember.kept(path)
    return Rendered(total.count + more.count)


def _render_in_workers(job: RenderJob, batches, jobs: int, progress) -> Rendered:
    total, done = Rendered(RenderCount()), 0
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
        pending = {pool.submit(_render_batch, start, stop): stop - start for start, stop in batches}
        try:
            # Each batch is taken as it comes back, so the parent holds one batch's
            # fingerprints at a time and the progress moves.
            for future in as_completed(list(pending)):
                size = pending.pop(future)
                error = future.exception()
                if isinstance(error, PageFailed):
                    # Render the page here, where its error keeps the template's
                    # file and line for the message.
                    job.render(job.pages[error.index])
                    raise RuntimeError(f"page {job.pages[error.index].path} failed to "
                                       "render in a worker but not when rendered again")
                if error is not None:
                    raise error
                total = _merge(job, total, future.result())
                done += size
                progress(done)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return total
