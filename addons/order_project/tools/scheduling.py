"""First forward schedule of a project through its dependencies and a working calendar.

Durations and lags are in working hours, so the critical-path arithmetic runs on
"working-hour offsets" from the project start; only at the end are the offsets turned
into wall-clock datetimes by walking the calendar once. Datetimes here are naive and in
the calendar's own time zone; the Odoo side converts from and to UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .errors import ToolError
from .wbs import topological_order

EPSILON = 1e-9
MAX_DAYS = 3660  # ten years of calendar: a schedule further out is a data error
CHUNK_DAYS = 56  # days of working time read at a time


class WorkingTime:
    """A calendar's working intervals, read a few weeks at a time from ``fetch``.

    ``fetch(start, end)`` returns the working intervals ``(begin, end)`` between two naive
    datetimes of the calendar's time zone, leaves already taken out: in Odoo,
    ``resource.calendar._work_intervals_batch``, which reads both weeks of a two-week
    calendar, skips breaks and sections and honours public holidays, exactly as the
    optimizer's connector reads the same calendar.
    """

    def __init__(
        self, fetch: Callable[[datetime, datetime], Iterable[tuple[datetime, datetime]]]
    ) -> None:
        self.fetch = fetch

    def intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals from ``start`` onwards, in chronological order."""
        # Chunks end at midnight, where no attendance row crosses.
        chunk_start = start
        chunk_end = datetime.combine(start.date(), time()) + timedelta(days=CHUNK_DAYS)
        while chunk_start < start + timedelta(days=MAX_DAYS):
            for begin, end in sorted(self.fetch(chunk_start, chunk_end)):
                if end > start and end > begin:
                    yield max(begin, start), end
            chunk_start, chunk_end = chunk_end, chunk_end + timedelta(days=CHUNK_DAYS)
        raise ToolError(
            "no_working_time",
            "no working time found within %(days)s days of %(start)s",
            days=MAX_DAYS,
            start=start,
        )

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start`` are worked."""
        return self.offsets_to_datetimes(start, [(hours, False)])[(hours, False)]

    def offsets_to_datetimes(
        self, origin: datetime, offsets: Iterable[tuple[float, bool]]
    ) -> dict[tuple[float, bool], datetime]:
        """Map working-hour offsets from ``origin`` to datetimes in one calendar walk.

        Each offset comes with ``as_start``: a start lands at the beginning of the next
        working interval when it falls on a boundary, an end stays at the close of the
        interval that completes it (so a task ending Friday 17:00 does not end Monday 08:00).
        """
        wanted = sorted(set(offsets), key=lambda item: (item[0], item[1]))  # ends first
        result: dict[tuple[float, bool], datetime] = {}
        if not wanted:
            return result
        index = 0
        worked = 0.0
        for begin, end in self.intervals_from(origin):
            length = (end - begin).total_seconds() / 3600.0
            while index < len(wanted):
                offset, as_start = wanted[index]
                offset = max(offset, 0.0)
                remaining = offset - worked
                inside = remaining < length - EPSILON if as_start else remaining <= length + EPSILON
                if not inside:
                    break
                result[wanted[index]] = begin + timedelta(hours=max(remaining, 0.0))
                index += 1
            if index == len(wanted):
                return result
            worked += length
        return result  # pragma: no cover - intervals_from raises first


@dataclass(frozen=True)
class ScheduledTask:
    """Forward-pass result of one task: dates plus the critical-path figures in hours."""

    start: datetime
    end: datetime
    early_start: float
    early_finish: float
    slack_hours: float
    critical: bool


Dependency = tuple[Hashable, Hashable, float] | tuple[Hashable, Hashable, float, str]


def critical_path(
    durations: Mapping[Hashable, float],
    dependencies: Iterable[Dependency],
) -> dict[Hashable, tuple[float, float, float]]:
    """Early start, early finish and total slack (working hours) of every task.

    ``dependencies``: ``(predecessor, successor, lag_hours[, dependency_type])`` links,
    finish to start ("FS", the default: the successor starts ``lag_hours`` after the
    predecessor ends) or start to start ("SS": ``lag_hours`` after it starts).
    Raises ValueError on a cycle or a link to an unknown task.
    """
    predecessors: dict[Hashable, list[tuple[Hashable, float, bool]]] = {
        key: [] for key in durations
    }
    successors: dict[Hashable, list[tuple[Hashable, float, bool]]] = {key: [] for key in durations}
    for pred, succ, lag, *kind in dependencies:
        if pred not in durations or succ not in durations:
            raise ToolError(
                "unknown_dependency_task",
                "dependency %(predecessor)s -> %(successor)s names an unknown task",
                predecessor=pred,
                successor=succ,
            )
        start_to_start = bool(kind) and kind[0] == "SS"
        predecessors[succ].append((pred, lag, start_to_start))
        successors[pred].append((succ, lag, start_to_start))
    order = topological_order(
        {key: [p for p, _lag, _ss in preds] for key, preds in predecessors.items()}
    )
    early: dict[Hashable, tuple[float, float]] = {}
    for key in order:
        start = max(
            (early[p][0 if ss else 1] + lag for p, lag, ss in predecessors[key]), default=0.0
        )
        start = max(start, 0.0)
        early[key] = (start, start + max(durations[key], 0.0))
    makespan = max((finish for _start, finish in early.values()), default=0.0)
    late_finish: dict[Hashable, float] = {}
    for key in reversed(order):
        duration = max(durations[key], 0.0)
        finish = makespan
        for succ, lag, ss in successors[key]:
            late_start = late_finish[succ] - max(durations[succ], 0.0)
            # finish to start: end by the successor's late start less the lag; start to
            # start: start by then, so end a duration later
            finish = min(finish, late_start - lag + (duration if ss else 0.0))
        late_finish[key] = finish
    return {
        key: (early[key][0], early[key][1], max(late_finish[key] - early[key][1], 0.0))
        for key in durations
    }


def forward_schedule(
    durations: Mapping[Hashable, float],
    dependencies: Iterable[Dependency],
    calendar: WorkingTime,
    origin: datetime,
) -> dict[Hashable, ScheduledTask]:
    """Schedule every task as early as its predecessors and the calendar allow."""
    figures = critical_path(durations, dependencies)
    offsets = []
    for early_start, early_finish, _slack in figures.values():
        offsets += [(early_start, True), (early_finish, False)]
    moments = calendar.offsets_to_datetimes(origin, offsets)
    result = {}
    for key, (early_start, early_finish, slack) in figures.items():
        end = moments[(early_finish, False)]
        # a zero-length task is a milestone: it sits at the close of what it waits for
        start = moments[(early_start, True)] if early_finish > early_start else end
        result[key] = ScheduledTask(
            start=start,
            end=end,
            early_start=early_start,
            early_finish=early_finish,
            slack_hours=round(slack, 6),
            critical=slack <= EPSILON,
        )
    return result
