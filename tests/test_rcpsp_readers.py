"""Readers of the benchmark formats: real PSPLIB/MMLIB/MPLIB files and malformed ones."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from optimizer.common.errors import ProblemError
from optimizer.rcpsp.model import Problem
from optimizer.rcpsp.readers import read_any, read_mmlib_mm, read_mplib, read_psplib_sm

PSPLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "psplib"
J301_1 = PSPLIB / "j30" / "j301_1.sm"
J50100_1 = PSPLIB / "mmlib50" / "J50100_1.mm"
MPLIB_TAR = PSPLIB / "mplib1_set3" / "mplib1_set3.tar.gz"
DATA = Path(__file__).resolve().parent / "data"
MPLIB_TWO_PROJECTS = DATA / "mplib_two_projects.txt"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path}")
    return path


@pytest.fixture
def j301_1_lines() -> list[str]:
    return _need(J301_1).read_text(encoding="utf-8").splitlines()


@pytest.fixture
def mplib_set3_0(tmp_path: Path) -> Path:
    """MPLIB1_Set3_0.txt, extracted from the shared archive into a temporary folder."""
    with tarfile.open(_need(MPLIB_TAR)) as archive:
        member = archive.getmember("mplib1_set3/MPLIB1_Set3_0.txt")
        data = archive.extractfile(member)
        assert data is not None
        target = tmp_path / "MPLIB1_Set3_0.txt"
        target.write_bytes(data.read())
    return target


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _raises_at(reader, path: Path, line: int, fragment: str) -> ProblemError:
    """Assert `reader(path)` fails naming the file and `line`, with `fragment` in the message."""
    with pytest.raises(ProblemError) as info:
        reader(path)
    assert info.value.path == f"{path}:{line}", f"error should point at line {line}: {info.value}"
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert fragment in info.value.message
    return info.value


# ---------------------------------------------------------------------- real files


def test_psplib_j301_1_reads_jobs_resources_and_precedences() -> None:
    problem = read_psplib_sm(_need(J301_1))
    assert problem.name == "j301_1"
    assert problem.int_ids, "PSPLIB job numbers are printed as integers in plan JSON"
    assert [t.id for t in problem.tasks] == [str(j) for j in range(1, 33)], (
        "32 jobs, dummy source 1 and sink 32 included, ids are the job numbers"
    )
    assert [(r.id, r.capacity, r.renewable) for r in problem.resources] == [
        ("R1", 12, True),
        ("R2", 13, True),
        ("R3", 4, True),
        ("R4", 12, True),
    ]
    assert [(p.id, p.release, p.due) for p in problem.projects] == [("P", 0, 38)]
    assert all(len(t.modes) == 1 and t.project == "P" for t in problem.tasks)
    job2 = problem.tasks[problem.task_index["2"]].modes[0]
    assert (job2.duration, job2.demands) == (8, {"R1": 4})
    assert problem.tasks[0].modes[0].duration == 0 and problem.tasks[-1].modes[0].duration == 0
    arcs = {(p.before, p.after) for p in problem.precedences}
    assert {("1", "2"), ("1", "3"), ("1", "4"), ("2", "15"), ("31", "32")} <= arcs
    assert len(problem.precedences) == 48, "the successor counts of j301_1 add up to 48"
    assert all(p.kind == "FS" and p.lag == 0 for p in problem.precedences)


def test_mmlib_reads_modes_and_nonrenewable_budgets() -> None:
    problem = read_mmlib_mm(_need(J50100_1))
    assert problem.name == "J50100_1" and problem.int_ids and problem.is_multi_mode
    assert len(problem.tasks) == 52
    assert [(r.id, r.capacity, r.renewable) for r in problem.resources] == [
        ("R1", 40, True),
        ("R2", 31, True),
        ("N1", 289, False),
        ("N2", 292, False),
    ]
    assert [(p.id, p.release, p.due) for p in problem.projects] == [("P", 0, None)]
    job2 = problem.tasks[problem.task_index["2"]]
    assert [(m.duration, m.demands) for m in job2.modes] == [
        (2, {"R2": 5, "N1": 9, "N2": 9}),
        (5, {"R1": 5, "N1": 3, "N2": 5}),
        (6, {"R1": 5, "N1": 2, "N2": 1}),
    ]
    assert len(problem.tasks[0].modes) == 1 and len(problem.tasks[-1].modes) == 1


def test_mplib_reads_projects_releases_and_global_resources() -> None:
    problem = read_mplib(MPLIB_TWO_PROJECTS)
    assert not problem.int_ids
    assert [(p.id, p.release) for p in problem.projects] == [("1", 0), ("2", 2)]
    assert [t.id for t in problem.tasks] == ["1:1", "1:2", "1:3", "1:4", "2:1", "2:2", "2:3"]
    assert [(r.id, r.capacity, r.renewable) for r in problem.resources] == [
        ("R1", 4, True),
        ("R2", 3, True),
    ]
    assert problem.tasks[problem.task_index["1:3"]].modes[0].demands == {"R1": 2, "R2": 3}
    assert problem.tasks[problem.task_index["2:2"]].project == "2"
    arcs = {(p.before, p.after) for p in problem.precedences}
    assert ("1:4", "2:2") in arcs, "successors may lie in another project"


def test_mplib_reads_a_benchmark_file_by_content(mplib_set3_0: Path) -> None:
    problem = read_any(mplib_set3_0)
    assert problem.name == "MPLIB1_Set3_0"
    assert len(problem.projects) == 24
    assert [r.capacity for r in problem.resources] == [164, 1894, 1879, 1433]
    first = [t for t in problem.tasks if t.project == "1"]
    assert len(first) == 62
    assert first[1].id == "1:2"
    assert first[1].modes[0].duration == 5
    assert first[1].modes[0].demands == {"R1": 6, "R2": 4, "R3": 10, "R4": 6}
    succ = sorted(p.after for p in problem.precedences if p.before == "1:2")
    assert succ == ["1:11", "1:12", "1:13", "1:14", "1:5", "1:7"]


def test_read_any_dispatches_on_extension_and_content(tmp_path: Path) -> None:
    assert read_any(_need(J301_1)).name == "j301_1"
    assert read_any(_need(J50100_1)).is_multi_mode
    as_txt = tmp_path / "j301_1.txt"
    as_txt.write_text(J301_1.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(read_any(as_txt).tasks) == 32, "a PSPLIB file is recognised by its sections"
    as_json = tmp_path / "j301_1.json"
    as_json.write_text(json.dumps(read_psplib_sm(J301_1).to_dict()), encoding="utf-8")
    assert isinstance(read_any(as_json), Problem)
    patterson = _write(tmp_path, "x.rcp", ["3 1", "4", "0 0 1 2"])
    _raises_at(read_any, patterson, 1, "unrecognised format")


def test_sm_reader_refuses_multi_mode_files() -> None:
    with pytest.raises(ProblemError, match="single-mode"):
        read_psplib_sm(_need(J50100_1))


# ---------------------------------------------------------------------- malformed PSPLIB


def test_truncated_sm_names_the_last_line(tmp_path: Path, j301_1_lines: list[str]) -> None:
    path = _write(tmp_path, "cut.sm", j301_1_lines[:40])
    _raises_at(read_psplib_sm, path, 40, "unexpected end of file")


def test_sm_cut_inside_requests(tmp_path: Path, j301_1_lines: list[str]) -> None:
    path = _write(tmp_path, "cut.sm", j301_1_lines[:70])
    _raises_at(read_psplib_sm, path, 70, "unexpected end of file")


def test_non_integer_names_line_and_token(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[55] = "  2      1     8       4    x    0    0"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 56, "non-integer 'x' in REQUESTS/DURATIONS")


def test_wrong_count_of_requests(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[55] = "  2      1     8       4    0    0"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 56, "expected 7 integers in REQUESTS/DURATIONS")


def test_wrong_count_of_successors(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[19] = "   2        1          3           6  11"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 20, "job 2 declares 3 successors but lists 2")


def test_unknown_successor(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[19] = "   2        1          3           6  11  99"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 20, "unknown successor 99")


def test_job_listed_twice(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[20] = j301_1_lines[19]
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 21, "job 2 listed twice")


def test_missing_section(tmp_path: Path, j301_1_lines: list[str]) -> None:
    path = _write(tmp_path, "bad.sm", j301_1_lines[:87])
    _raises_at(read_psplib_sm, path, 87, "missing section 'RESOURCEAVAILABILITIES'")


def test_missing_precedence_section(tmp_path: Path, j301_1_lines: list[str]) -> None:
    path = _write(tmp_path, "bad.sm", j301_1_lines[:16])
    _raises_at(read_psplib_sm, path, 1, "missing section 'PRECEDENCE RELATIONS'")


def test_wrong_count_of_capacities(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[89] = "   12   13    4"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 90, "expected 4 integers in RESOURCEAVAILABILITIES")


def test_demand_above_capacity_blames_the_job_line(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[55] = "  2      1     8      40    0    0    0"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 56, "capacity is 12")


def test_cycle_is_reported_at_the_precedence_section(
    tmp_path: Path, j301_1_lines: list[str]
) -> None:
    j301_1_lines[49] = "  32        1          1           1"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 17, "dependency cycle")


def test_negative_duration_blames_the_job_line(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[56] = "  3      1    -4      10    0    0    0"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 57, "task '3' has negative duration -4")


def test_short_project_information(tmp_path: Path, j301_1_lines: list[str]) -> None:
    j301_1_lines[14] = "    1     30      0       38"
    path = _write(tmp_path, "bad.sm", j301_1_lines)
    _raises_at(read_psplib_sm, path, 15, "expected 6 integers in PROJECT INFORMATION")


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.sm", [])
    _raises_at(read_any, path, 1, "missing section 'PRECEDENCE RELATIONS'")


def test_mm_missing_mode_line(tmp_path: Path) -> None:
    lines = _need(J50100_1).read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("2\t1\t2"))
    del lines[at + 2]  # job 2's third mode
    path = _write(tmp_path, "bad.mm", lines)
    _raises_at(read_mmlib_mm, path, at + 3, "job 2 has 2 of the 3 modes")


# ---------------------------------------------------------------------- malformed MPLIB


@pytest.fixture
def mplib_lines() -> list[str]:
    return MPLIB_TWO_PROJECTS.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("line", "replacement", "fragment"),
    [
        (7, " 0 0 0 2 1:2", "activity 1:1 declares 2 successors but lists 1"),
        (8, " 3 2 1 1 1:9", "activity 1:2 has unknown successor 1:9"),
        (8, " 3 2 1 1 two", "successor 'two' is not project:activity"),
        (9, " 2 y 3 1 1:4", "non-integer 'y' in activity 1:3"),
        (3, " 4", "expected 2 integers for the resource capacities, got 1"),
        (13, " 1 2", "resource usage flags must be 0 or 1"),
        (15, " 4 9 0 1 2:3", "capacity is 4"),
    ],
)
def test_malformed_mplib_names_the_line(
    tmp_path: Path, mplib_lines: list[str], line: int, replacement: str, fragment: str
) -> None:
    mplib_lines[line - 1] = replacement
    path = _write(tmp_path, "bad.txt", mplib_lines)
    _raises_at(read_mplib, path, line, fragment)


def test_truncated_mplib(tmp_path: Path, mplib_lines: list[str]) -> None:
    path = _write(tmp_path, "cut.txt", mplib_lines[:14])
    _raises_at(read_mplib, path, 14, "unexpected end of file")


def test_mplib_with_trailing_content(tmp_path: Path, mplib_lines: list[str]) -> None:
    path = _write(tmp_path, "long.txt", [*mplib_lines, "1 2 3"])
    _raises_at(read_mplib, path, 17, "unexpected content after the last of 2 projects")
