"""Readers for the public benchmark formats: PSPLIB `.sm`, MMLIB `.mm` and MPLIB1 multi-project.

Every reader returns a validated `Problem`. A malformed file raises `ProblemError` whose `path` is
`<file>:<line>`, so the message names the file and the line at fault: a truncated file, a token
that is not an integer, a wrong count of successors or demands, an unknown successor, a missing
section. Format details are in ../shared/benchmarks/psplib/README.md.

PSPLIB and MMLIB: task ids are the job numbers as strings ("1".."n", dummy source and sink
included, printed as integers in plan JSON), one project "P", renewable resources "R1".."Rk" and
non-renewable ones "N1".."Nk", finish-to-start precedences with lag 0. The project's release and
due date come from PROJECT INFORMATION when the file has it (PSPLIB), else release 0 and no due
date (MMLIB). The file's `horizon` (the sum of all durations) is not copied: the engine derives
its own bound.

MPLIB1: one project per sub-project ("1".."P") with the file's release date, task ids
"<project>:<activity>" as the file writes them, global renewable resources "R1".."Rk".

`read_any` dispatches on the extension: `.sm`, `.mm`, `.json` (our format). Any other extension
(`.txt` as UGent ships MPLIB and MMLIB, `.rcp`, `.rcmp`...) is recognised by content: a file with a
"PRECEDENCE RELATIONS" section is PSPLIB/MMLIB, one that starts with a line holding a single integer
is MPLIB. Anything else, Patterson `.rcp` files included, is refused with a ProblemError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.rcpsp.model import (
    Mode,
    Precedence,
    Problem,
    ProblemError,
    Project,
    Resource,
    Task,
    load_problem,
)

PSPLIB_PROJECT = "P"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_ACTIVITY_REF = re.compile(r"[0-9]+:[0-9]+")
_SECTION_END = re.compile(r"^\s*\*")
_PRECEDENCES = re.compile(r"^\s*PRECEDENCE\s+RELATIONS", re.IGNORECASE)
_REQUESTS = re.compile(r"^\s*REQUESTS\s*/\s*DURATIONS", re.IGNORECASE)
_AVAILABILITIES = re.compile(r"^\s*RESOURCE\s*AVAILABILITIES", re.IGNORECASE)
_PROJECT_INFO = re.compile(r"^\s*PROJECT\s+INFORMATION", re.IGNORECASE)
_HEADER_FIELDS = {
    "jobs": re.compile(r"^\s*jobs\b.*:\s*(\S+)", re.IGNORECASE),
    "projects": re.compile(r"^\s*projects\s*:\s*(\S+)", re.IGNORECASE),
    "renewable": re.compile(r"^\s*-\s*renewable\s*:\s*(\S+)", re.IGNORECASE),
    "nonrenewable": re.compile(r"^\s*-\s*nonrenewable\s*:\s*(\S+)", re.IGNORECASE),
    "doubly": re.compile(r"^\s*-\s*doubly\s+constrained\s*:\s*(\S+)", re.IGNORECASE),
}


class _Text:
    """The lines of one file, and errors that name the file and a 1-based line number."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ProblemError(str(self.path), f"cannot read file: {exc.strerror}") from exc
        self.lines = text.splitlines()

    def error(self, lineno: int, message: str) -> ProblemError:
        return ProblemError(f"{self.path}:{max(1, lineno)}", message)

    def eof_error(self, message: str) -> ProblemError:
        """An error at the last line: the file ended before `message`'s content."""
        return self.error(len(self.lines), f"unexpected end of file: {message}")

    def ints(self, lineno: int, tokens: list[str], where: str) -> list[int]:
        for token in tokens:
            # Stricter than int(): no "1_000", no non-ASCII digits, no spaces.
            if not _INTEGER.fullmatch(token):
                raise self.error(lineno, f"non-integer {token!r} in {where}")
        return [int(token) for token in tokens]

    def find(self, pattern: re.Pattern[str], start: int, name: str) -> int:
        """0-based index of the first line from `start` matching `pattern`; error if none."""
        for i in range(start, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i
        raise self.error(
            start + 1 if start < len(self.lines) else len(self.lines),
            f"missing section {name!r} (searched from this line to the end of the file)",
        )

    def section_end(self, marker: int) -> int:
        """0-based index of the `****` rule closing the section titled at `marker` (or EOF)."""
        for i in range(marker + 1, len(self.lines)):
            if _SECTION_END.match(self.lines[i]):
                return i
        return len(self.lines)

    def body(self, marker: int) -> list[tuple[int, list[str]]]:
        """(line number, tokens) of the data lines of the section whose title is at `marker`.

        The body ends at the next `****` rule or at the end of the file. Column titles ("jobnr.",
        "R 1 R 2") and `----` rules before the first data line are skipped; after it, every
        non-blank line is data, so a damaged data line is reported rather than skipped.
        """
        rows: list[tuple[int, list[str]]] = []
        for i in range(marker + 1, self.section_end(marker)):
            line = self.lines[i]
            tokens = line.split()
            if not tokens or set(line.strip()) == {"-"}:
                continue
            if not rows and tokens[0][0].isalpha():
                continue  # column titles
            rows.append((i + 1, tokens))
        return rows


# ---------------------------------------------------------------------- PSPLIB / MMLIB


@dataclass
class _Job:
    """One job as the PSPLIB file describes it, with the lines to blame for each part."""

    number: int
    mode_count: int
    successors: list[int]
    precedence_line: int
    modes: list[Mode] = field(default_factory=list)
    mode_lines: list[int] = field(default_factory=list)


def read_psplib_sm(path: str | Path) -> Problem:
    """Read a PSPLIB single-mode `.sm` file (j30, j60, j90, j120) into a validated Problem."""
    return _read_psplib_family(path, single_mode=True)


def read_mmlib_mm(path: str | Path) -> Problem:
    """Read a PSPLIB-style multi-mode `.mm` file (MMLIB50/100, PSPLIB j10..j30 mm) into a Problem.

    Renewable resources become "R1".."Rk", non-renewable ones "N1".."Nk" with their total budget.
    """
    return _read_psplib_family(path, single_mode=False)


def _read_psplib_family(path: str | Path, single_mode: bool) -> Problem:
    text = _Text(path)
    prec_at = text.find(_PRECEDENCES, 0, "PRECEDENCE RELATIONS")
    header = _read_header(text, prec_at)
    n, renewable, nonrenewable = header["jobs"], header["renewable"], header["nonrenewable"]
    project = _read_project_info(text, prec_at)
    jobs = _read_successors(text, prec_at, n)
    req_at = text.find(_REQUESTS, text.section_end(prec_at), "REQUESTS/DURATIONS")
    names = _resource_names(renewable, nonrenewable)
    _read_modes(text, req_at, jobs, names)
    if single_mode:
        for job in jobs:
            if len(job.modes) != 1:
                raise text.error(
                    job.precedence_line,
                    f"job {job.number} has {len(job.modes)} modes; a .sm file is single-mode "
                    "(read it with read_mmlib_mm)",
                )
    avail_at = text.find(_AVAILABILITIES, text.section_end(req_at), "RESOURCEAVAILABILITIES")
    capacities = _read_availabilities(text, avail_at, renewable + nonrenewable)

    resources = tuple(
        Resource(name, capacity, renewable=k < renewable)
        for k, (name, capacity) in enumerate(zip(names, capacities, strict=True))
    )
    tasks = tuple(Task(str(job.number), PSPLIB_PROJECT, tuple(job.modes)) for job in jobs)
    precedences = tuple(
        Precedence(str(job.number), str(succ)) for job in jobs for succ in job.successors
    )
    try:
        return Problem.create(
            name=text.path.stem,
            projects=(project,),
            tasks=tasks,
            precedences=precedences,
            resources=resources,
            int_ids=True,
        )
    except ProblemError as exc:
        raise text.error(_blame_psplib(exc.path, jobs, prec_at, avail_at), exc.message) from exc


def _read_header(text: _Text, end: int) -> dict[str, int]:
    """Job and resource counts from the lines before PRECEDENCE RELATIONS."""
    found: dict[str, int] = {}
    for i in range(end):
        for key, pattern in _HEADER_FIELDS.items():
            match = pattern.match(text.lines[i])
            if match and key not in found:
                value = text.ints(i + 1, [match.group(1)], f"the header field {key!r}")[0]
                if value < 0:
                    raise text.error(i + 1, f"negative count {value} in the header field {key!r}")
                found[key] = value
    for key in ("jobs", "renewable", "nonrenewable"):
        if key not in found:
            raise text.error(end + 1, f"the header before this section has no {key!r} count")
    if found.get("doubly", 0):
        raise text.error(end + 1, "doubly constrained resources are not supported")
    if found.get("projects", 1) != 1:
        raise text.error(end + 1, f"{found['projects']} projects in a PSPLIB file; expected 1")
    if found["jobs"] < 1:
        raise text.error(end + 1, "the header declares no job")
    return found


def _read_project_info(text: _Text, end: int) -> Project:
    """Release and due date from PROJECT INFORMATION (absent in MMLIB files: release 0)."""
    for i in range(end):
        if _PROJECT_INFO.match(text.lines[i]):
            rows = text.body(i)
            if not rows:
                raise text.error(i + 1, "PROJECT INFORMATION has no data line")
            lineno, tokens = rows[0]
            values = text.ints(lineno, tokens, "PROJECT INFORMATION")
            if len(values) != 6:
                raise text.error(
                    lineno,
                    "expected 6 integers in PROJECT INFORMATION (pronr, #jobs, rel.date, duedate, "
                    f"tardcost, MPM-Time), got {len(values)}",
                )
            release, due = values[2], values[3]
            if release < 0:
                raise text.error(lineno, f"negative release date {release}")
            return Project(PSPLIB_PROJECT, release=release, due=due)
    return Project(PSPLIB_PROJECT)


def _read_successors(text: _Text, marker: int, n: int) -> list[_Job]:
    jobs: list[_Job | None] = [None] * n
    rows = text.body(marker)
    for lineno, tokens in rows:
        values = text.ints(lineno, tokens, "PRECEDENCE RELATIONS")
        if len(values) < 3:
            raise text.error(
                lineno,
                "expected jobnr, #modes, #successors and the successors in PRECEDENCE RELATIONS, "
                f"got {len(values)} integers",
            )
        number, mode_count, count, successors = values[0], values[1], values[2], values[3:]
        if not 1 <= number <= n:
            raise text.error(lineno, f"job number {number} out of range 1..{n}")
        if jobs[number - 1] is not None:
            raise text.error(lineno, f"job {number} listed twice in PRECEDENCE RELATIONS")
        if mode_count < 1:
            raise text.error(lineno, f"job {number} declares {mode_count} modes")
        if count != len(successors):
            raise text.error(
                lineno, f"job {number} declares {count} successors but lists {len(successors)}"
            )
        for succ in successors:
            if not 1 <= succ <= n:
                raise text.error(
                    lineno, f"job {number} has unknown successor {succ} (jobs are 1..{n})"
                )
        jobs[number - 1] = _Job(number, mode_count, successors, lineno)
    missing = [j + 1 for j, job in enumerate(jobs) if job is None]
    if missing:
        last = rows[-1][0] if rows else marker + 1
        where = "unexpected end of file: " if last >= len(text.lines) else ""
        raise text.error(
            last,
            f"{where}PRECEDENCE RELATIONS lists {n - len(missing)} of {n} jobs "
            f"(missing {_first(missing)})",
        )
    return [job for job in jobs if job is not None]


def _resource_names(renewable: int, nonrenewable: int) -> list[str]:
    return [f"R{k + 1}" for k in range(renewable)] + [f"N{k + 1}" for k in range(nonrenewable)]


def _read_modes(text: _Text, marker: int, jobs: list[_Job], names: list[str]) -> None:
    """Fill each job's modes from REQUESTS/DURATIONS: `jobnr mode dur d1..dk`, further modes of
    the same job as `mode dur d1..dk`."""
    k = len(names)
    current: _Job | None = None
    rows = text.body(marker)
    for lineno, tokens in rows:
        values = text.ints(lineno, tokens, "REQUESTS/DURATIONS")
        further = current is not None and len(current.modes) < current.mode_count
        if len(values) == 2 + k and current is not None and further:
            values = [current.number, *values]
        elif len(values) != 3 + k:
            raise text.error(
                lineno,
                f"expected {3 + k} integers in REQUESTS/DURATIONS (jobnr, mode, duration and "
                f"{k} demands), got {len(values)}",
            )
        elif current is not None and further:
            raise text.error(
                lineno,
                f"job {current.number} has {len(current.modes)} of the {current.mode_count} modes "
                f"declared in PRECEDENCE RELATIONS when this line starts job {values[0]}",
            )
        current = _job_of_request(text, lineno, jobs, values[0], values[1])
        # Zero demands are left out: a mode's demands list only the resources it uses.
        demands = {r: q for r, q in zip(names, values[3:], strict=True) if q}
        current.modes.append(Mode(values[2], demands))
        current.mode_lines.append(lineno)
    for job in jobs:
        if len(job.modes) < job.mode_count:
            last = rows[-1][0] if rows else marker + 1
            where = "unexpected end of file: " if last >= len(text.lines) else ""
            raise text.error(
                last,
                f"{where}REQUESTS/DURATIONS gives {len(job.modes)} of the {job.mode_count} "
                f"modes of job {job.number}",
            )


def _job_of_request(text: _Text, lineno: int, jobs: list[_Job], number: int, mode: int) -> _Job:
    """The job a REQUESTS/DURATIONS line belongs to, checking that `mode` is its next mode."""
    if not 1 <= number <= len(jobs):
        raise text.error(lineno, f"job number {number} out of range 1..{len(jobs)}")
    job = jobs[number - 1]
    if mode == 1 and job.modes:
        raise text.error(lineno, f"job {number} listed twice in REQUESTS/DURATIONS")
    if mode != len(job.modes) + 1:
        raise text.error(
            lineno, f"job {number}: mode {mode} where mode {len(job.modes) + 1} was expected"
        )
    return job


def _read_availabilities(text: _Text, marker: int, k: int) -> list[int]:
    rows = text.body(marker)
    if not rows:
        if marker + 1 >= len(text.lines):
            raise text.eof_error("RESOURCEAVAILABILITIES has no data line")
        raise text.error(marker + 1, "RESOURCEAVAILABILITIES has no data line")
    lineno, tokens = rows[0]
    values = text.ints(lineno, tokens, "RESOURCEAVAILABILITIES")
    if len(values) != k:
        raise text.error(
            lineno, f"expected {k} integers in RESOURCEAVAILABILITIES, got {len(values)}"
        )
    return values


def _blame_psplib(field_path: str, jobs: list[_Job], prec_at: int, avail_at: int) -> int:
    """The line to blame for a model validation error on a PSPLIB-family problem."""
    match = re.match(r"tasks\[(\d+)\](?:\.modes\[(\d+)\])?", field_path)
    if match:
        job = jobs[int(match.group(1))]
        mode = int(match.group(2) or 0)
        return job.mode_lines[mode] if mode < len(job.mode_lines) else job.precedence_line
    if field_path.startswith("resources"):
        return avail_at + 1
    return prec_at + 1


def _first(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(x) for x in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


# ---------------------------------------------------------------------- MPLIB


def read_mplib(path: str | Path) -> Problem:
    """Read an MPLIB1 multi-project (RCMPSP) file into a validated Problem.

    Layout, one item per non-blank line: the number of projects; the number of global resources;
    their capacities; then per project a line `#activities release`, a line of 0/1 flags telling
    which resources the project uses, and one line per activity: `duration d1..dk #successors`
    followed by the successors written `project:activity`.
    """
    return _MplibReader(_Text(path)).read()


class _MplibReader:
    """Walks the non-blank lines of an MPLIB1 file once, keeping each task's line for errors."""

    def __init__(self, text: _Text) -> None:
        self.text = text
        self.lines = iter(
            (i + 1, line.split()) for i, line in enumerate(text.lines) if line.strip()
        )
        self.names: list[str] = []
        self.projects: list[Project] = []
        self.tasks: list[Task] = []
        self.task_lines: list[int] = []
        # (line, before, after): successors are resolved once every project's size is known.
        self.arcs: list[tuple[int, str, str]] = []

    def take(self, count: int, what: str) -> tuple[int, list[int]]:
        lineno, tokens = self.take_tokens(what)
        values = self.text.ints(lineno, tokens, what)
        if len(values) != count:
            raise self.text.error(
                lineno, f"expected {count} integers for {what}, got {len(values)}"
            )
        return lineno, values

    def take_tokens(self, what: str) -> tuple[int, list[str]]:
        entry = next(self.lines, None)
        if entry is None:
            raise self.text.eof_error(f"expected {what}")
        return entry

    def read(self) -> Problem:
        _, (project_count,) = self.take(1, "the number of projects")
        k_line, (k,) = self.take(1, "the number of resources")
        if project_count < 1:
            raise self.text.error(k_line - 1, f"{project_count} projects: nothing to schedule")
        if k < 0:
            raise self.text.error(k_line, f"negative number of resources {k}")
        cap_line, capacities = self.take(k, "the resource capacities")
        self.names = [f"R{r + 1}" for r in range(k)]
        for p in range(1, project_count + 1):
            self.read_project(p)
        extra = next(self.lines, None)
        if extra is not None:
            raise self.text.error(
                extra[0], f"unexpected content after the last of {project_count} projects"
            )
        known = {task.id for task in self.tasks}
        for lineno, before, after in self.arcs:
            if after not in known:
                raise self.text.error(lineno, f"activity {before} has unknown successor {after}")
        resources = tuple(Resource(r, c) for r, c in zip(self.names, capacities, strict=True))
        try:
            return Problem.create(
                name=self.text.path.stem,
                projects=tuple(self.projects),
                tasks=tuple(self.tasks),
                precedences=tuple(Precedence(before, after) for _, before, after in self.arcs),
                resources=resources,
            )
        except ProblemError as exc:
            match = re.match(r"tasks\[(\d+)\]", exc.path)
            lineno = self.task_lines[int(match.group(1))] if match else cap_line
            raise self.text.error(lineno, exc.message) from exc

    def read_project(self, p: int) -> None:
        lineno, (count, release) = self.take(2, f"project {p}: #activities and release date")
        if count < 1 or release < 0:
            raise self.text.error(lineno, f"project {p}: {count} activities, release {release}")
        self.projects.append(Project(str(p), release=release))
        lineno, flags = self.take(len(self.names), f"project {p}: the resource usage flags")
        if any(flag not in (0, 1) for flag in flags):
            raise self.text.error(lineno, f"project {p}: resource usage flags must be 0 or 1")
        for a in range(1, count + 1):
            self.read_activity(p, a, f"project {p}: activity {a} of {count}")

    def read_activity(self, p: int, a: int, what: str) -> None:
        k = len(self.names)
        task_id = f"{p}:{a}"
        lineno, tokens = self.take_tokens(what)
        values = self.text.ints(lineno, tokens[: k + 2], f"activity {task_id}")
        if len(values) < k + 2:
            raise self.text.error(
                lineno,
                f"activity {task_id}: expected {k + 2} integers (duration, {k} demands, "
                f"#successors) before the successors, got {len(values)}",
            )
        duration, demands, count = values[0], values[1 : k + 1], values[k + 1]
        successors = tokens[k + 2 :]
        if count != len(successors):
            raise self.text.error(
                lineno,
                f"activity {task_id} declares {count} successors but lists {len(successors)}",
            )
        for succ in successors:
            if not _ACTIVITY_REF.fullmatch(succ):
                raise self.text.error(
                    lineno, f"activity {task_id}: successor {succ!r} is not project:activity"
                )
            self.arcs.append((lineno, task_id, succ))
        demand = {r: q for r, q in zip(self.names, demands, strict=True) if q}
        self.tasks.append(Task(task_id, str(p), (Mode(duration, demand),)))
        self.task_lines.append(lineno)


# ---------------------------------------------------------------------- dispatch


def read_any(path: str | Path) -> Problem:
    """Read a problem file, choosing the reader by extension and, failing that, by content.

    `.sm` PSPLIB, `.mm` MMLIB, `.json` our format. Otherwise: a "PRECEDENCE RELATIONS" section
    means PSPLIB/MMLIB (read as multi-mode, which covers single-mode files), a first line holding
    one integer means MPLIB1. Other formats, Patterson `.rcp` included, raise ProblemError.
    """
    path = Path(path)
    by_extension: dict[str, Callable[[Path], Problem]] = {
        ".sm": read_psplib_sm,
        ".mm": read_mmlib_mm,
        ".json": load_problem,
    }
    reader = by_extension.get(path.suffix.lower())
    if reader is not None:
        return reader(path)
    text = _Text(path)
    if any(_PRECEDENCES.match(line) for line in text.lines):
        return read_mmlib_mm(path)
    first = next(((i + 1, line.split()) for i, line in enumerate(text.lines) if line.strip()), None)
    if first is not None and len(first[1]) == 1 and first[1][0].isdigit():
        return read_mplib(path)
    raise text.error(
        first[0] if first else 1,
        "unrecognised format: expected PSPLIB .sm, MMLIB .mm, our .json, or MPLIB1 "
        "(a first line holding the number of projects)",
    )
