"""Errors both planners raise: a problem that cannot be scheduled as given, a plan that breaks its
problem."""

from __future__ import annotations


class ProblemError(ValueError):
    """A problem that cannot be scheduled as given; `path` names the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class ScheduleError(AssertionError):
    """A plan that violates its problem; the message lists the first violations."""

    what = "schedule"  # what the message calls the plan
    listed = 10  # violations the message shows

    def __init__(self, violations: list[str]) -> None:
        shown = violations[: self.listed]
        more = len(violations) - len(shown)
        lines = "\n".join(f"  - {v}" for v in shown) + (f"\n  ... and {more} more" if more else "")
        super().__init__(f"{len(violations)} {self.what} violation(s):\n{lines}")
        self.violations = violations
