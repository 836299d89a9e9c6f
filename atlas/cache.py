"""What the last build of a site was made from, so an unchanged project is not built again.

A build records one digest of everything that can change the output (every file
under content/, templates/, static/ and i18n/, the generator's own code, the
settings it ran with) and the identity of the folder it wrote. The next build
with the same digest into the same, untouched folder has nothing to do."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

INPUT_FOLDERS = ("content", "templates", "static", "i18n")
_CODE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Record:
    inputs: str
    folder: tuple[int, int]   # inode and modification time of the site folder written
    summary: dict


def beside(out: Path, name: str) -> Path:
    """`.<out's name>.<name>` in the folder holding `out`: where what a build of `out`
    keeps for the next one lives (never inside the site)."""
    out = Path(os.path.abspath(out))
    return out.parent / f".{out.name}.{name}"


def site_digest(root: Path, settings: str) -> str:
    """One digest of everything but the content that can change a page: templates,
    catalogues, static files, atlas.toml, the generator's code and the settings."""
    digest = hashlib.sha256(settings.encode())
    trees = [(root, root / name) for name in INPUT_FOLDERS if name != "content"] + [(_CODE, _CODE)]
    _add_trees(digest, trees)
    config = root / "atlas.toml"
    if config.exists():
        digest.update(b"\0atlas.toml\0" + config.read_bytes())
    return digest.hexdigest()


def input_digest(root: Path, site: str, out: Path | None = None) -> str:
    """`site` (from site_digest) and every content file's path and bytes. With `out`, a
    file whose size, times and inode are as the last build of `out` saw them is not
    read again: its digest is taken from `.<out>.stats.json`."""
    known = _read_stats(out) if out is not None else {}
    seen: dict[str, list] = {}
    digest = hashlib.sha256(site.encode())
    content = root / "content"
    for path in sorted(content.rglob("*")):
        try:
            info = path.stat()
        except OSError:   # a link to nothing, or deleted while we looked
            continue
        if not stat.S_ISREG(info.st_mode) or "__pycache__" in path.parts:
            continue
        rel = str(path.relative_to(root))
        mark = [info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino]
        entry = known.get(rel)
        if entry is None or entry[:4] != mark:
            entry = mark + [hashlib.sha256(path.read_bytes()).hexdigest()]
        seen[rel] = entry
        digest.update(b"\0" + rel.encode() + b"\0" + entry[4].encode())
    if out is not None and seen != known:
        _save_stats(out, seen)
    return digest.hexdigest()


def _stats_file(out: Path) -> Path:
    return beside(out, "stats.json")


def _read_stats(out: Path) -> dict[str, list]:
    try:
        stats = json.loads(_stats_file(out).read_text(encoding="utf-8"))
        return stats if isinstance(stats, dict) else {}
    except (OSError, ValueError):
        return {}


# A file changed twice within one tick of the file system's clock keeps its times; one
# changed this recently may still change unseen, so its digest is not kept.
_SETTLED_NS = 2_000_000_000


def _save_stats(out: Path, seen: dict[str, list]) -> None:
    recent = time.time_ns() - _SETTLED_NS
    # One line: the same lines run whichever files are recent (tests/test_scaling.py).
    settled = {rel: entry for rel, entry in seen.items() if max(entry[0], entry[1]) < recent}
    _write_json(_stats_file(out), settled)


def _add_trees(digest, trees) -> None:
    for base, folder in trees:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(b"\0" + str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes())


def _pages_file(out: Path) -> Path:
    return beside(out, "pages.json")


def previous_pages(out: Path, site: str) -> dict:
    """The page fingerprints saved by the last build of `out` (atlas/fingerprints.py),
    if it was made with the same templates, code and settings into the folder still
    there (else nothing: every page is rendered)."""
    try:
        saved = json.loads(_pages_file(out).read_text(encoding="utf-8"))
        if saved["site"] != site or tuple(saved["folder"]) != folder_identity(out):
            return {}
        return {key: saved[key] for key in ("deps", "pages", "fresh") if key in saved}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def saved_pages(out: Path) -> dict:
    """What the last build of `out` saved of its pages, whatever it was made with."""
    try:
        return json.loads(_pages_file(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def remember_pages(out: Path, site: str, fingerprints: dict) -> None:
    _write_json(_pages_file(out), {"site": site, "folder": list(folder_identity(out)),
                                   **fingerprints})


def _write_json(path: Path, data: dict) -> None:
    """Best effort, and never half-written: without the file the next build just runs."""
    try:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        # One text made by the C encoder (json.dump to a stream runs in Python: seconds
        # for the page fingerprints of a large site); a few MB at 10,000 companies.
        tmp.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def parsed_file(out: Path) -> Path:
    """Beside `out`: the content files' parse trees, for the next build (load.ParsedFiles)."""
    return beside(out, "parsed.pickle")


def read_file(out: Path) -> Path:
    """Beside `out`: what reading each company and link file gave (validate.ReadFiles)."""
    return beside(out, "read.pickle")


def compiled_templates(out: Path, site: str) -> Path | None:
    """A folder beside `out` for the compiled templates of builds with this site digest
    (which covers the templates, the generator's code and its settings); the folders of
    other digests are removed. None when it cannot be made: templates are compiled anew."""
    return _kept_for_site(out, "templates", site)


def drawn_maps(out: Path, site: str) -> Path | None:
    """A folder beside `out` for the overview maps drawn by builds with this site digest
    (maps.MapMaker.overview), like `compiled_templates`."""
    return _kept_for_site(out, "maps", site)


def _kept_for_site(out: Path, kind: str, site: str) -> Path | None:
    base = beside(out, kind)
    folder = base / site[:20]
    try:
        if base.is_dir():
            for other in base.iterdir():
                if other != folder:
                    shutil.rmtree(other, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return None


def folder_identity(folder: Path) -> tuple[int, int]:
    info = folder.stat()
    return info.st_ino, info.st_mtime_ns


def _record_file(out: Path) -> Path:
    """Beside the site folder, like its lock: `.site.build.json` for `site/`."""
    return beside(out, "build.json")


def last_build(out: Path) -> Record | None:
    try:
        entry = json.loads(_record_file(out).read_text(encoding="utf-8"))
        return Record(entry["inputs"], tuple(entry["folder"]), entry["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def build_in_place(out: Path) -> Record | None:
    """The last build's record if `out` is still the folder that build wrote."""
    record = last_build(out)
    try:
        return record if record and folder_identity(out) == record.folder else None
    except OSError:
        return None


def up_to_date(out: Path, inputs: str) -> Record | None:
    """The last build's record when `out` is exactly what a build of `inputs` wrote."""
    record = build_in_place(out)
    return record if record is not None and record.inputs == inputs else None


def remember(out: Path, inputs: str, summary: dict) -> None:
    """Record a finished build, with the identity of the folder it wrote."""
    _write_json(_record_file(out), {"inputs": inputs, "folder": list(folder_identity(out)),
                                    "summary": summary})
