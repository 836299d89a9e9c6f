"""Progress on a terminal for builds longer than a second; silence elsewhere."""
from __future__ import annotations

import io

from atlas.progress import Progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_build_shows_stage_count_and_elapsed_time_on_a_terminal():
    clock, screen = Clock(), Terminal()
    progress = Progress(screen, clock)
    progress.stage("rendering pages", total=500)
    clock.now = 0.5
    progress.advance(100)
    assert screen.getvalue() == "", "nothing in the first second"
    clock.now = 1.5
    progress.advance(250)
    assert "rendering pages 250/500 … 1.5 s" in screen.getvalue()
    progress.done()
    assert screen.getvalue().endswith("\r"), "the line is cleared at the end"


def test_nothing_is_shown_when_not_on_a_terminal():
    pipe = io.StringIO()
    progress = Progress.for_terminal(pipe)
    progress.stage("rendering pages", total=10)
    progress.advance(10)
    progress.done()
    assert pipe.getvalue() == ""


def test_timings_list_every_stage():
    clock, out = Clock(), io.StringIO()
    progress = Progress(None, clock, timings=out)
    progress.stage("loading")
    clock.now = 2.0
    progress.stage("rendering")
    clock.now = 5.0
    progress.done()
    assert out.getvalue().splitlines() == ["     2.00 s  loading", "     3.00 s  rendering"]
