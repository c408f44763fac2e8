"""Errors that reach the planner as messages, never as tracebacks."""

from __future__ import annotations

import re

#: a line that sums up several problems of one kind ('… and 4 more rows with the same problem')
_MORE = re.compile(r": … and (\d+) more ")


def count_problems(lines: list[str]) -> int:
    """How many problems ``lines`` tell of: one per line, N for a '… and N more' line."""
    return sum(int(m.group(1)) if (m := _MORE.search(line)) else 1 for line in lines)


class InputError(Exception):
    """Invalid input: the case, a scenario or a command-line option.

    ``problems`` holds one line per problem, each naming the file or sheet,
    the row as the planner sees it (header = row 1) and the column.
    """

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self):
        # Keep the problem list whole when the error crosses process boundaries (batch workers).
        return (InputError, (self.problems,))

    @property
    def total(self) -> int:
        """How many problems there are: more than the lines where a line sums up several."""
        return count_problems(self.problems)

    def summary(self) -> str:
        """The closing line: how many problems, counted whole ('… and N more' lines included)."""
        return f"invalid input: {self.total} problem(s) found"


class Problems:
    """Collects validation problems so that every one is reported at once."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def add_more(self, where: str, count: int, message: str) -> None:
        """One line for ``count`` further problems of one kind: '… and 4 more rows with …'."""
        self.lines.append(f"{where}: … and {count} more {message}")

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self) -> None:
        if self.lines:
            raise InputError(self.lines)
