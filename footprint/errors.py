"""Errors that reach the planner as messages, never as tracebacks."""

from __future__ import annotations


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


class Problems:
    """Collects validation problems so that every one is reported at once."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self) -> None:
        if self.lines:
            raise InputError(self.lines)
