"""atlas/forked.py: work done in a forked process that answers through a pipe."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from atlas import forked


def _add(a: int, b: int) -> int:
    return a + b


def _fail() -> None:
    raise KeyError("no such record")


def _fail_unpicklably() -> None:
    raise ValueError(lambda: None)   # a function made here cannot be pickled


def _die() -> None:
    os._exit(3)


def _wait_forever(pid_file: Path, start_sleeper: bool) -> None:
    pids = [os.getpid()]
    if start_sleeper:
        pids.append(subprocess.Popen(["sleep", "600"]).pid)
    pid_file.write_text(" ".join(map(str, pids)))
    time.sleep(600)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")   # ended, not yet reaped by whoever inherited it


def _wait_for(pid_file: Path) -> list[int]:
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the forked process never started"
        time.sleep(0.01)
    return [int(pid) for pid in pid_file.read_text().split()]


def test_the_result_comes_back():
    assert forked.start(_add, (2, 3), name="atlas-test", doing="adding").result() == 5


def test_an_exception_comes_back_with_its_type():
    run = forked.start(_fail, (), name="atlas-test", doing="failing")
    with pytest.raises(KeyError, match="no such record"):
        run.result()


def test_an_exception_that_cannot_be_pickled_becomes_a_runtime_error():
    run = forked.start(_fail_unpicklably, (), name="atlas-test", doing="failing oddly")
    with pytest.raises(RuntimeError, match=r"^failing oddly failed: ValueError\(<function"):
        run.result()


def test_a_process_that_dies_without_answering_raises_child_ended():
    run = forked.start(_die, (), name="atlas-test", doing="dying")
    with pytest.raises(forked.ChildEnded,
                       match=r"^the process dying ended without finishing \(exit code 3\)$"):
        run.result()
    assert issubclass(forked.ChildEnded, RuntimeError)


@pytest.mark.parametrize("own_group", [False, True])
def test_abort_kills_the_process_and_with_its_own_group_what_it_started(tmp_path, own_group):
    pid_file = tmp_path / "pids"
    run = forked.start(_wait_forever, (pid_file, own_group), name="atlas-test",
                       doing="waiting", own_group=own_group)
    pids = _wait_for(pid_file)
    run.abort()
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running after abort: {pids}"
        time.sleep(0.01)
    run.abort()   # twice is harmless
