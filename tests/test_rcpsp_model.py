"""The JSON problem format: valid input round-trips, invalid input names the field and value."""

from __future__ import annotations

import json

import pytest

from optimizer.common.errors import ProblemError
from optimizer.rcpsp.model import Problem, load_problem


def _base() -> dict:
    return {
        "name": "p",
        "resources": [
            {"id": "crew", "capacity": 2},
            {"id": "cash", "capacity": 10, "renewable": False},
        ],
        "projects": [{"id": "SO1", "release": 2, "due": 20, "weight": 2}],
        "tasks": [
            {"id": "a", "project": "SO1", "duration": 3, "demands": {"crew": 1}},
            {
                "id": "b",
                "project": "SO1",
                "modes": [{"duration": 2, "demands": {"crew": 2, "cash": 4}}, {"duration": 5}],
            },
        ],
        "precedences": [{"from": "a", "to": "b", "type": "SS", "lag": 1}],
    }


def test_valid_problem_round_trips():
    problem = Problem.from_dict(_base())
    again = Problem.from_dict(problem.to_dict())
    assert again.to_dict() == problem.to_dict()
    assert problem.tasks[1].modes[1].duration == 5
    assert problem.precedences[0].kind == "SS" and problem.precedences[0].lag == 1
    assert problem.is_multi_mode


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d["tasks"][0].update(duration=-1), "tasks[0].duration", "-1"),
        (lambda d: d["tasks"][0].update(project="SO9"), "tasks[0].project", "SO9"),
        (
            lambda d: d["tasks"][0]["demands"].update(welder=1),
            "tasks[0].modes[0].demands.welder",
            "welder",
        ),
        (
            lambda d: d["tasks"][0]["demands"].update(crew=3),
            "tasks[0].modes[0].demands.crew",
            "capacity is 2",
        ),
        (lambda d: d["tasks"].append(dict(d["tasks"][0])), "tasks[2].id", "duplicate"),
        (lambda d: d["precedences"].append({"from": "b", "to": "a"}), "precedences", "cycle"),
        (lambda d: d["precedences"].append({"from": "a", "to": "zz"}), "precedences[1].to", "zz"),
        (lambda d: d["precedences"][0].update(type="FF"), "precedences[0].type", "FF"),
        (lambda d: d.update(objective="cost"), "objective", "cost"),
        (lambda d: d["resources"][1].update(capacity=1), "resources[1].capacity", "at least 4"),
        (lambda d: d["tasks"][0].pop("duration"), "tasks[0]", "either 'modes' or 'duration'"),
        (lambda d: d["projects"][0].update(weight="high"), "projects[0].weight", "high"),
    ],
)
def test_invalid_problem_names_field_and_value(mutate, path, words):
    data = _base()
    # The cash budget check needs a mode that cannot avoid cash: make mode 2 use some too.
    data["tasks"][1]["modes"][1]["demands"] = {"cash": 4}
    mutate(data)
    with pytest.raises(ProblemError) as err:
        Problem.from_dict(data)
    assert err.value.path == path
    assert words in str(err.value)


def test_load_problem_names_the_file_on_bad_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"projects": [\n  {"id": "P"},\n', encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert str(path) in str(err.value) and "invalid JSON" in str(err.value)


def test_load_problem_names_the_file_and_field(tmp_path):
    data = _base()
    data["tasks"][0]["duration"] = "three"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert str(path) in str(err.value) and "tasks[0].duration" in str(err.value)


def test_the_cycle_named_is_a_real_cycle_even_with_a_task_behind_it() -> None:
    from optimizer.common.graph import find_cycle

    # z only follows the cycle a <-> b; it must not be reported as part of it.
    cycle = find_cycle({"a", "b", "z"}, [("a", "b"), ("b", "a"), ("b", "z")])
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b"}


def test_integral_floats_are_integers_and_huge_integers_are_refused_by_name() -> None:
    """JSON Schema counts 47.0 as an integer: the model holds ints (CP-SAT takes no floats); a
    period past 10^9 is refused at the field, not by an overflow inside the solve."""
    data = {
        "objective": "weighted_tardiness",
        "horizon": 47.0,
        "resources": [{"id": "R", "capacity": 1}],
        "projects": [{"id": "P", "due": 6.0}],
        "tasks": [{"id": "a", "project": "P", "duration": 3.0, "demands": {"R": 1}}],
    }
    problem = Problem.from_dict(data)
    assert problem.horizon == 47 and isinstance(problem.horizon, int)
    assert problem.projects[0].due == 6 and isinstance(problem.projects[0].due, int)
    from optimizer.rcpsp.solver import solve

    assert solve(problem, time_limit=1).status == "OPTIMAL"
    with pytest.raises(ProblemError) as err:
        Problem.from_dict({**data, "tasks": [{**data["tasks"][0], "duration": 2**63}]})
    assert err.value.path == "tasks[0].duration" and "'a'" in str(err.value)
