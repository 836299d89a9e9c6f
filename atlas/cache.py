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


def _record_file(out: Path) -> Path:
    """Beside the site folder, like its lock: `.site.build.json` for `site/`."""
    out = Path(os.path.abspath(out))
    return out.parent / f".{out.name}.build.json"


def last_build(out: Path) -> Record | None:
    try:
        entry = json.loads(_record_file(out).read_text(encoding="utf-8"))
        return Record(entry["inputs"], tuple(entry["folder"]), entry["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def up_to_date(out: Path, inputs: str) -> Record | None:
    """The last build's record when `out` is exactly what a build of `inputs` wrote."""
    record = last_build(out)
    if record is None or record.inputs != inputs:
        return None
    try:
        return record if folder_identity(out) == record.folder else None
    except OSError:
        return None


def remember(out: Path, inputs: str, summary: dict) -> None:
    """Record a finished build (best effort: without it the next build just runs)."""
    path = _record_file(out)
    try:
        entry = {"inputs": inputs, "folder": list(folder_identity(out)), "summary": summary}
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
