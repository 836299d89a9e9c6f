"""Content problems: what every stage reports instead of raising tracebacks."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, pointing at a file and line."""

    path: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


@dataclass
class Problems:
    """Collects every problem of a run, so a curator sees them all at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str | Path, line: int, message: str, hint: str = "") -> None:
        self.items.append(Problem(str(path), line or 0, message, hint))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))

    def report(self) -> str:
        lines = [str(p) for p in self.sorted()]
        n = len(lines)
        lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


class ContentError(Exception):
    """Raised by a stage that cannot go on; carries every problem found so far."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems


def did_you_mean(value: str, choices) -> str:
    """A hint naming the closest known value, or listing a few when none is close."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if len(choices) <= 12:
        return "expected one of: " + ", ".join(choices)
    return f"{len(choices)} known values; see the content README"
