"""What the last build of a site was made from, so an unchanged project is not built again.

A build records one digest of everything that can change the output (every file
under content/, templates/, static/ and i18n/, the generator's own code, the
settings it ran with) and the identity of the folder it wrote. The next build
with the same digest into the same, untouched folder has nothing to do."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

INPUT_FOLDERS = ("content", "templates", "static", "i18n")
CACHE_FOLDER = ".atlas-cache"
_CODE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Record:
    inputs: str
    folder: tuple[int, int]   # inode and modification time of the site folder written
    summary: dict


def input_digest(root: Path, settings: str) -> str:
    """One digest of every input file's path and bytes, the code and the settings."""
    digest = hashlib.sha256(settings.encode())
    trees = [(root, root / name) for name in INPUT_FOLDERS] + [(_CODE, _CODE)]
    for base, folder in trees:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(b"\0" + str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes())
    config = root / "atlas.toml"
    if config.exists():
        digest.update(b"\0atlas.toml\0" + config.read_bytes())
    return digest.hexdigest()


def folder_identity(folder: Path) -> tuple[int, int]:
    info = folder.stat()
    return info.st_ino, info.st_mtime_ns


def _cache_file(root: Path) -> Path:
    return root / CACHE_FOLDER / "builds.json"


def last_build(root: Path, out: Path) -> Record | None:
    try:
        entry = json.loads(_cache_file(root).read_text(encoding="utf-8"))[str(out.resolve())]
        return Record(entry["inputs"], tuple(entry["folder"]), entry["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def up_to_date(root: Path, out: Path, inputs: str) -> Record | None:
    """The last build's record when `out` is exactly what a build of `inputs` wrote."""
    record = last_build(root, out)
    if record is None or record.inputs != inputs:
        return None
    try:
        return record if folder_identity(out) == record.folder else None
    except OSError:
        return None


def remember(root: Path, out: Path, inputs: str, summary: dict) -> None:
    """Record a finished build (best effort: a read-only project just rebuilds next time)."""
    path = _cache_file(root)
    try:
        path.parent.mkdir(exist_ok=True)
        try:
            builds = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            builds = {}
        builds[str(out.resolve())] = {"inputs": inputs, "folder": list(folder_identity(out)),
                                      "summary": summary}
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(builds, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
