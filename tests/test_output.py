"""Nothing lost: whatever stops a build, the previous site stays as it was."""
from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import atlas
from atlas import output
from atlas.cli import main

ROOT = Path(__file__).resolve().parent.parent
ENV = {"SOURCE_DATE_EPOCH": "1767225600", "PATH": "/usr/bin:/bin"}


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((".site-new-", ".site-old-")))


@pytest.fixture
def published(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "site"
    assert main(["--root", str(ROOT), "--out", str(out)]) == 0
    return out


def test_disk_full_midway_leaves_the_site_and_no_litter(published, monkeypatch, capsys):
    before = _digest(published)
    written = {"n": 0}
    real = atlas.output.write_bytes

    def filling_disk(root, rel, data):
        written["n"] += 1
        if written["n"] > 40:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(root / rel))
        real(root, rel, data)

    monkeypatch.setattr(atlas.output, "write_bytes", filling_disk)
    # A new base URL changes every page, so the build has many files to write.
    assert main(["--root", str(ROOT), "--out", str(published),
                 "--base-url", "https://example.org/atlas/"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "previous site was left as it was" in err
    assert "Traceback" not in err
    assert _digest(published) == before
    assert _leftovers(published.parent) == []


SLOW_BUILD = """
import sys, time
import atlas.output
real = atlas.output.write_bytes
count = [0]
def slow(root, rel, data):
    count[0] += 1
    if count[0] == 30:
        print("writing", flush=True)
        time.sleep(60)
    real(root, rel, data)
atlas.output.write_bytes = slow
from atlas.cli import main
sys.exit(main(["--root", sys.argv[1], "--out", sys.argv[2],
               "--base-url", "https://example.org/atlas/"]))  # every page changes
"""


def test_a_build_killed_mid_write_leaves_the_site(published):
    before = _digest(published)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(ROOT), str(published)],
                            stdout=subprocess.PIPE, text=True, env={**ENV, "ATLAS_JOBS": "1"},
                            cwd=ROOT)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _digest(published) == before
    assert len(_leftovers(published.parent)) == 1, "the dead build's half-written folder"
    # The next build clears what the dead one left and publishes normally.
    assert main(["--root", str(ROOT), "--out", str(published), "--force"]) == 0
    assert _leftovers(published.parent) == []
    assert _digest(published) == before


def test_two_builds_at_once_do_not_corrupt_the_site(published, tmp_path):
    clean = _digest(published)
    procs = [subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--out", str(published),
                               "--force"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
             for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert _digest(published) == clean
    assert _leftovers(published.parent) == []


def test_the_swap_never_leaves_the_site_missing(tmp_path):
    """On Linux the old and new folders trade places in one step."""
    target, new = tmp_path / "site", tmp_path / "new"
    target.mkdir()
    (target / "a.html").write_text("old")
    new.mkdir()
    (new / "a.html").write_text("new")
    assert output._exchange(new, target)
    assert (target / "a.html").read_text() == "new"
    assert (new / "a.html").read_text() == "old"


def test_a_site_moved_aside_by_an_interrupted_swap_is_restored(tmp_path):
    """Where folders cannot trade places, a build killed between its two renames
    leaves the old site under another name; the next build puts it back first."""
    target = tmp_path / "site"
    old = tmp_path / ".site-old-abc"
    old.mkdir()
    (old / "index.html").write_text("previous")

    def failing(tmp):
        raise RuntimeError("template broke")

    with pytest.raises(RuntimeError):
        output.write_site(target, failing)
    assert (target / "index.html").read_text() == "previous"
    assert _leftovers(tmp_path) == []
