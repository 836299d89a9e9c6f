"""Progress of a long build on a terminal: stage, count and elapsed time on one line.

Silent when the output is not a terminal (CI logs, pipes) and for builds that end
within the first second."""
from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

SHOW_AFTER_S = 1.0
REDRAW_EVERY_S = 0.2


class Progress:
    def __init__(self, stream: TextIO | None, clock: Callable[[], float] = time.monotonic,
                 timings: TextIO | None = None):
        self._stream = stream
        self._timings = timings      # where to list each stage's time at the end
        self._stages: list[tuple[str, float]] = []
        self._clock = clock
        self._started = clock()
        self._drawn = 0.0
        self._stage = ""
        self._total = 0
        self._done = 0
        self._width = 0

    @classmethod
    def quiet(cls) -> "Progress":
        return cls(None)

    @classmethod
    def for_terminal(cls, stream: TextIO = sys.stderr, timings: bool = False) -> "Progress":
        return cls(stream if stream.isatty() else None, timings=stream if timings else None)

    def stage(self, name: str, total: int = 0) -> None:
        self._stages.append((name, self._clock()))
        self._stage, self._total, self._done = name, total, 0
        self._draw(force=True)

    def advance(self, done: int) -> None:
        self._done = done
        self._draw()

    def line(self) -> str:
        count = f" {self._done}/{self._total}" if self._total else ""
        return f"{self._stage}{count} … {self._clock() - self._started:.1f} s"

    def done(self) -> None:
        if self._stream is not None and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
        if self._timings is not None:
            ends = [start for _, start in self._stages[1:]] + [self._clock()]
            for (name, start), end in zip(self._stages, ends):
                self._timings.write(f"  {end - start:7.2f} s  {name}\n")

    def _draw(self, force: bool = False) -> None:
        if self._stream is None:
            return
        now = self._clock()
        if now - self._started < SHOW_AFTER_S:
            return
        if not force and now - self._drawn < REDRAW_EVERY_S:
            return
        self._drawn = now
        text = self.line()
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = max(self._width, len(text))
