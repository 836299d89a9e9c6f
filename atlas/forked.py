"""Work done in a forked process that answers through a pipe.

`start(target, args, name, doing)` forks a process that runs `target(*args)` and sends
back what it returned, or the exception it raised; `Forked.result()` waits for that
answer and returns it or raises it, and `Forked.abort()` stops the process. Being
forked, the arguments are inherited as they are, never pickled: only the answer is.

`doing` says what the process does ("writing the open data") in the two errors made
here: an answer that cannot be pickled becomes a RuntimeError naming it, and a process
that ends without answering (killed, or `os._exit`) raises ChildEnded from `result()`.
With `own_group` the process gets a process group of its own, so that `abort()` also
stops every process it started. `default_jobs()` says how many processes a build may
keep busy, for every stage that forks."""
from __future__ import annotations

import gc
import os
import signal
from multiprocessing import get_context
from typing import Any, Callable


_NO_ANSWER = object()


def default_jobs() -> int:
    """How many processes a build may keep busy: ATLAS_JOBS if set, else the cores
    this process may run on."""
    wanted = os.environ.get("ATLAS_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ChildEnded(RuntimeError):
    """The forked process ended without sending its answer."""


class Forked:
    """The parent's side of one forked process (see `start`)."""

    def __init__(self, process, answer, doing: str, own_group: bool):
        self._process, self._answer = process, answer
        self._doing, self._own_group = doing, own_group

    def result(self) -> Any:
        """Wait for the process's answer: return what the target returned, or raise
        what it raised (ChildEnded if the process ended without answering)."""
        try:
            answer = self._answer.recv()
        except EOFError:
            answer = _NO_ANSWER
        finally:
            self._process.join()
            self._answer.close()
        if answer is _NO_ANSWER:  # raised once joined, so that the exit code is known
            raise ChildEnded(f"the process {self._doing} ended without finishing "
                             f"(exit code {self._process.exitcode})")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def abort(self) -> None:
        """Kill the process (with its process group, if it has one) unless it has ended."""
        if self._process.is_alive():
            if self._own_group:
                try:
                    os.killpg(self._process.pid, signal.SIGKILL)
                except OSError:
                    self._process.kill()
            else:
                self._process.kill()
            self._process.join()
        self._answer.close()


def start(target: Callable[..., Any], args: tuple, name: str, doing: str,
          own_group: bool = False) -> Forked:
    """Fork a daemon process named `name` that runs target(*args) and answers (see the
    module's docstring)."""
    context = get_context("fork")
    answer, sender = context.Pipe(duplex=False)
    process = context.Process(target=_answer_from_child, name=name, daemon=True,
                              args=(target, args, doing, own_group, sender))
    process.start()
    sender.close()
    if own_group:
        _own_process_group(process.pid)
    return Forked(process, answer, doing, own_group)


def _own_process_group(pid: int) -> None:
    """Give the forked process a process group of its own. Both sides call this, so
    neither can outrun the other (a process it starts first would stay outside)."""
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass  # the other side did it first, or the child has already ended


def _answer_from_child(target: Callable[..., Any], args: tuple, doing: str, own_group: bool,
                       sender) -> None:
    if own_group:
        _own_process_group(0)
    # Nothing inherited is garbage here: keep the collector off the inherited objects.
    gc.freeze()
    try:
        result: object = target(*args)
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
        result = err
    try:
        sender.send(result)
    except Exception as err:  # noqa: BLE001 - an answer that cannot be pickled
        sender.send(RuntimeError(f"{doing} failed: {result!r} ({err})"))
    finally:
        sender.close()
