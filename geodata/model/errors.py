"""Errors raised by :mod:`geodata`.

A small hierarchy so callers can catch everything from this library with
:class:`GeodataError`, or only bad input with :class:`SchemaError`.
"""
from __future__ import annotations

from dataclasses import dataclass


class GeodataError(Exception):
    """Base class of every error this library raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of an input.

    ``line`` is the 1-based line of the file as an analyst sees it in a text
    editor or spreadsheet (the header is line 1); ``None`` for file-level
    problems. ``column`` is ``None`` for row-level problems.
    """

    file: str
    line: int | None
    column: str | None
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}: {self.reason}{value}"


class SchemaError(GeodataError):
    """A table does not match its schema; ``problems`` lists every cell at fault."""

    def __init__(self, problems: list[Problem], *, shown: int = 10):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:shown]]
        more = len(self.problems) - shown
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        super().__init__("\n".join(lines))


class UnreadableFileError(GeodataError):
    """A file could not be opened or parsed at all (missing, wrong format, bad encoding)."""

    def __init__(self, file: str, cause: str):
        self.file = file
        self.cause = cause
        super().__init__(f"{file}: cannot read the file: {cause}")
