"""Independent schedule checker: re-verifies a plan against its problem without any solver.

Everything a solver could get wrong is recomputed from the problem data alone: each task planned
exactly once in a valid mode, its end equal to start + mode duration, release dates, the horizon,
every precedence with its lag, the renewable resource profiles at every time unit (an event sweep,
O(n log n) per resource) and the non-renewable budgets. A task occupies its resources over
[start, start + duration): a zero-duration task uses no renewable capacity, but still consumes its
non-renewable demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.common.errors import ScheduleError
from optimizer.rcpsp.model import Plan, Problem, TaskPlan


@dataclass(frozen=True)
class _Placed:
    """A task that appears once in the plan in a valid mode: where it really runs."""

    index: int
    start: int
    end: int  # start + the chosen mode's duration, whatever the plan claims as end
    mode: int


def check(problem: Problem, plan: Plan) -> list[str]:
    """Every way `plan` violates `problem`, as sentences; an empty list means the plan is valid.

    A task that is missing, duplicated or in an invalid mode is reported once and left out of the
    precedence and resource checks, so one error does not cascade into dozens.
    """
    violations: list[str] = []
    placed = _check_tasks(problem, plan, violations)
    _check_precedences(problem, placed, violations)
    _check_renewable(problem, placed, violations)
    _check_nonrenewable(problem, placed, violations)
    if plan.makespan is not None and placed and len(placed) == len(problem.tasks):
        latest = max(p.end for p in placed.values())
        if plan.makespan != latest:
            violations.append(f"makespan {plan.makespan} but the last task ends at {latest}")
    return violations


def assert_valid(problem: Problem, plan: Plan) -> None:
    """Raise ScheduleError listing the first violations if `plan` is not valid for `problem`."""
    violations = check(problem, plan)
    if violations:
        raise ScheduleError(violations)


def _check_tasks(problem: Problem, plan: Plan, violations: list[str]) -> dict[str, _Placed]:
    """Presence, modes, durations, release dates and horizon of each task, one at a time."""
    entries: dict[str, list[TaskPlan]] = {}
    for entry in plan.tasks:
        entries.setdefault(entry.id, []).append(entry)
    for task_id in entries:
        if task_id not in problem.task_index:
            violations.append(f"task {task_id!r} is in the plan but not in the problem")
    placed: dict[str, _Placed] = {}
    for i, task in enumerate(problem.tasks):
        found = entries.get(task.id, [])
        if len(found) != 1:
            violations.append(
                f"task {task.id!r} is missing from the plan"
                if not found
                else f"task {task.id!r} appears {len(found)} times in the plan"
            )
            continue
        entry = found[0]
        if not 0 <= entry.mode < len(task.modes):
            violations.append(
                f"task {task.id!r}: mode index {entry.mode} is invalid, the task has "
                f"{len(task.modes)} mode(s) (indexes 0..{len(task.modes) - 1})"
            )
            continue
        duration = task.modes[entry.mode].duration
        if entry.end != entry.start + duration:
            violations.append(
                f"task {task.id!r}: end {entry.end} != start {entry.start} + duration {duration} "
                f"of mode index {entry.mode}"
            )
        release = problem.release_of(i)
        if entry.start < max(0, release):
            violations.append(
                f"task {task.id!r} starts at {entry.start}, before "
                + (f"its project's release {release}" if release > 0 else "time 0")
            )
        end = entry.start + duration
        if problem.horizon is not None and end > problem.horizon:
            violations.append(
                f"task {task.id!r} ends at {end}, after the horizon {problem.horizon}"
            )
        placed[task.id] = _Placed(i, entry.start, end, entry.mode)
    return placed


def _check_precedences(problem: Problem, placed: dict[str, _Placed], violations: list[str]) -> None:
    for prec in problem.precedences:
        before, after = placed.get(prec.before), placed.get(prec.after)
        if before is None or after is None:
            continue  # already reported as missing or invalid
        # FS: the successor starts lag after the predecessor ends; SS: after it starts.
        anchor = before.end if prec.kind == "FS" else before.start
        earliest = anchor + prec.lag
        if after.start < earliest:
            what = "end" if prec.kind == "FS" else "start"
            violations.append(
                f"precedence {prec.kind} {prec.before!r} -> {prec.after!r} (lag {prec.lag}): "
                f"{prec.after!r} starts at {after.start}, before {prec.before!r}'s {what} "
                f"{anchor} + lag {prec.lag} = {earliest}"
            )


def _check_renewable(problem: Problem, placed: dict[str, _Placed], violations: list[str]) -> None:
    """Sweep each renewable resource's usage over start/end events; report overloaded spans.

    Usage is piecewise constant between consecutive event times, so checking it on every span
    between events checks it at every time unit. Ends sort before starts at the same time
    because [start, end) intervals that touch do not overlap.
    """
    for res in problem.resources:
        if not res.renewable:
            continue
        events: list[tuple[int, int, str]] = []
        for task_id, p in placed.items():
            q = problem.tasks[p.index].modes[p.mode].demands.get(res.id, 0)
            if q > 0 and p.end > p.start:
                events.append((p.start, q, task_id))
                events.append((p.end, -q, task_id))
        events.sort(key=lambda e: (e[0], e[1]))
        level = 0
        for k, (time, delta, _) in enumerate(events):
            level += delta
            nxt = events[k + 1][0] if k + 1 < len(events) else time
            # Only the level after the last event at `time` holds over [time, nxt).
            if nxt > time and level > res.capacity:
                users = sorted(
                    t
                    for t, p in placed.items()
                    if p.start <= time < p.end and _uses(problem, p, res.id)
                )
                violations.append(
                    f"resource {res.id!r} over capacity during [{time}, {nxt}): uses {level} of "
                    f"{res.capacity} (tasks {', '.join(repr(t) for t in users)})"
                )


def _uses(problem: Problem, placed: _Placed, res_id: str) -> bool:
    return problem.tasks[placed.index].modes[placed.mode].demands.get(res_id, 0) > 0


def _check_nonrenewable(
    problem: Problem, placed: dict[str, _Placed], violations: list[str]
) -> None:
    for res in problem.resources:
        if res.renewable:
            continue
        used = sum(
            problem.tasks[p.index].modes[p.mode].demands.get(res.id, 0) for p in placed.values()
        )
        if used > res.capacity:
            violations.append(
                f"non-renewable resource {res.id!r}: the chosen modes use {used}, "
                f"budget {res.capacity}"
            )
