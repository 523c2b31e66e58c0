"""Plain-python logic of addons/order_project (no Odoo needed).

The addon's ``tools`` package is loaded by path so the addon's own ``__init__`` (which
imports odoo) never runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parents[1] / "addons" / "order_project"


def _load_tools():
    name = "order_project_tools"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, ADDON / "tools" / "__init__.py", submodule_search_locations=[str(ADDON / "tools")]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return package


_load_tools()

rules = importlib.import_module("order_project_tools.rule_matching")
wbs = importlib.import_module("order_project_tools.wbs")
scheduling = importlib.import_module("order_project_tools.scheduling")
payload_mod = importlib.import_module("order_project_tools.schedule_payload")

MON_FRI_8_17 = tuple(
    (day, h_from, h_to) for day in range(5) for h_from, h_to in ((8, 12), (13, 17))
)


def weekly(rows, leaves=()):
    """Working time repeating ``rows`` (weekday, hour_from, hour_to) every week, minus
    ``leaves``: what Odoo's ``_work_intervals_batch`` hands the first schedule in the addon."""
    fetched = []

    def fetch(start, end):
        fetched.append((start, end))
        day, out = start.date(), []
        while datetime.combine(day, time()) < end:
            midnight = datetime.combine(day, time())
            for weekday, h_from, h_to in rows:
                if weekday != day.weekday():
                    continue
                pieces = [(midnight + timedelta(hours=h_from), midnight + timedelta(hours=h_to))]
                for cut_from, cut_to in leaves:
                    pieces = [
                        part
                        for b, e in pieces
                        for part in ((b, min(e, cut_from)), (max(b, cut_to), e))
                        if part[1] > part[0]
                    ]
                out += [(max(b, start), min(e, end)) for b, e in pieces if e > start and b < end]
            day += timedelta(days=1)
        return out

    working_time = scheduling.WorkingTime(fetch)
    working_time.fetched = fetched
    return working_time


# --- rule matching -------------------------------------------------------------------


@pytest.fixture
def custom_order_from_website():
    return {
        "order_type": "custom",
        "amount": 12000.0,
        "partner_ids": {7, 3},
        "partner_tag_ids": {4},
        "product_ids": {11},
        "product_categ_ids": {5, 1},
        "team_id": 2,
        "origin": "Website eShop S00042",
    }


def test_rule_without_conditions_matches_every_order(custom_order_from_website):
    assert rules.rule_matches({}, custom_order_from_website)


def test_rule_matches_on_every_condition(custom_order_from_website):
    conditions = {
        "order_type": "custom",
        "amount_min": 10000,
        "amount_max": 50000,
        "partner_ids": {3},
        "partner_tag_ids": {4, 9},
        "product_ids": {11},
        "product_categ_ids": {1},
        "team_ids": {2},
        "origin_patterns": rules.split_patterns("website, import"),
    }
    assert rules.rule_matches(conditions, custom_order_from_website)


@pytest.mark.parametrize(
    "conditions",
    [
        {"order_type": "standard"},
        {"amount_min": 20000},
        {"amount_max": 100},
        {"partner_ids": {99}},
        {"partner_tag_ids": {99}},
        {"product_ids": {99}},
        {"product_categ_ids": {99}},
        {"team_ids": {99}},
        {"origin_patterns": ["edi"]},
    ],
)
def test_rule_fails_when_one_condition_fails(conditions, custom_order_from_website):
    assert not rules.rule_matches(conditions, custom_order_from_website)


def test_first_matching_rule_respects_the_given_order(custom_order_from_website):
    ordered = [("big", {"amount_min": 50000}), ("custom", {"order_type": "custom"}), ("all", {})]
    assert rules.first_matching_rule(ordered, custom_order_from_website) == "custom"
    assert rules.first_matching_rule([("x", {"team_ids": {1}})], custom_order_from_website) is None


def test_invalid_conditions_are_explained():
    assert rules.validate_conditions({"amount_min": 10, "amount_max": 5}) == [
        "the minimum amount 10 is above the maximum 5"
    ]
    assert rules.validate_conditions({"order_type": "bespoke"})
    assert rules.validate_conditions({"origin_patterns": ["x"]})
    assert rules.validate_conditions({"amount_min": 0, "amount_max": 0}) == []


# --- WBS codes and cycles ------------------------------------------------------------


def test_wbs_codes_number_phases_and_tasks():
    lines = [
        ("design", None, 1),
        ("review", "design", 2),
        ("sketch", "design", 1),
        ("build", None, 2),
        ("weld", "build", 1),
    ]
    assert wbs.wbs_codes(lines) == {
        "design": "1",
        "sketch": "1.1",
        "review": "1.2",
        "build": "2",
        "weld": "2.1",
    }


def test_wbs_codes_break_sequence_ties_by_numeric_id():
    assert wbs.wbs_codes([(10, None, 5), (9, None, 5), (100, None, 1)]) == {
        100: "1",
        9: "2",
        10: "3",
    }


def test_wbs_codes_survive_a_parent_loop():
    codes = wbs.wbs_codes([("a", "b", 1), ("b", "a", 1), ("c", None, 1)])
    assert codes["c"] == "1" and codes["a"] == "?" and codes["b"] == "?"


def test_find_cycle_names_the_loop():
    assert wbs.find_cycle({"b": ["a"], "c": ["b"]}) is None
    cycle = wbs.find_cycle({"a": ["c"], "b": ["a"], "c": ["b"]})
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert wbs.find_cycle({"a": ["a"]}) == ["a", "a"]


def test_topological_order_puts_predecessors_first():
    order = wbs.topological_order({"c": ["a", "b"], "b": ["a"]})
    assert order.index("a") < order.index("b") < order.index("c")
    with pytest.raises(ValueError, match="cycle"):
        wbs.topological_order({"a": ["b"], "b": ["a"]})


# --- forward scheduling ----------------------------------------------------------------


def test_add_hours_crosses_lunch_night_and_weekend():
    cal = weekly(MON_FRI_8_17)
    friday = datetime(2026, 11, 27, 15, 0)  # a Friday
    assert cal.add_hours(friday, 2) == datetime(2026, 11, 27, 17, 0)
    assert cal.add_hours(friday, 3) == datetime(2026, 11, 30, 9, 0)
    assert cal.add_hours(datetime(2026, 11, 23, 11, 0), 2) == datetime(2026, 11, 23, 14, 0)


def test_leaves_are_skipped():
    holiday = (datetime(2026, 11, 30), datetime(2026, 12, 1))
    cal = weekly(MON_FRI_8_17, leaves=(holiday,))
    assert cal.add_hours(datetime(2026, 11, 27, 16, 0), 2) == datetime(2026, 12, 1, 9, 0)


def test_calendar_without_hours_is_refused():
    with pytest.raises(ValueError, match="no working time found within 3660 days"):
        weekly(((0, 8, 8),)).add_hours(datetime(2026, 11, 23, 8, 0), 1)


def test_working_time_is_read_a_few_weeks_at_a_time_and_walks_across_the_reads():
    cal = weekly(MON_FRI_8_17)
    monday = datetime(2026, 11, 23, 8, 0)
    # 60 working days of 8 h: twelve weeks, past the first read of CHUNK_DAYS.
    assert cal.add_hours(monday, 60 * 8) == datetime(2027, 2, 12, 17, 0)
    assert len(cal.fetched) == 2, "twelve weeks take two reads of eight weeks"
    ends = [end for _start, end in cal.fetched]
    assert all(end.time() == time() for end in ends), "reads end at midnight"
    assert cal.fetched[1][0] == ends[0], "each read starts where the last one ended"


def test_forward_schedule_follows_dependencies_lags_and_calendar():
    cal = weekly(MON_FRI_8_17)
    durations = {"design": 16, "buy": 8, "build": 8, "ship": 0, "doc": 4}
    deps = [("design", "buy", 0), ("buy", "build", 4), ("build", "ship", 0), ("design", "doc", 0)]
    plan = scheduling.forward_schedule(durations, deps, cal, datetime(2026, 11, 23, 8, 0))
    assert plan["design"].start == datetime(2026, 11, 23, 8, 0)
    assert plan["design"].end == datetime(2026, 11, 24, 17, 0)  # two full days, ends at close
    assert plan["buy"].start == datetime(2026, 11, 25, 8, 0)  # next morning, not 17:00
    assert plan["build"].start == datetime(2026, 11, 26, 13, 0)  # 4 h lag after buy
    assert plan["ship"].start == plan["ship"].end == plan["build"].end
    assert plan["doc"].slack_hours == 16 and not plan["doc"].critical
    assert all(plan[key].critical for key in ("design", "buy", "build", "ship"))


def test_forward_schedule_start_to_start_with_and_without_lag():
    cal = weekly(MON_FRI_8_17)
    durations = {"build": 16, "paint": 4, "check": 4, "pack": 2}
    deps = [
        ("build", "paint", 0, "SS"),
        ("build", "check", 12, "SS"),
        ("build", "pack", 0, "FS"),
        ("paint", "pack", 0),  # three items: finish to start
    ]
    plan = scheduling.forward_schedule(durations, deps, cal, datetime(2026, 11, 23, 8, 0))
    assert plan["paint"].start == plan["build"].start == datetime(2026, 11, 23, 8, 0)
    # 12 working hours in: Tuesday noon, so after lunch
    assert plan["check"].start == datetime(2026, 11, 24, 13, 0)
    assert plan["check"].end == plan["build"].end == datetime(2026, 11, 24, 17, 0)
    assert plan["pack"].start == datetime(2026, 11, 25, 8, 0)
    assert plan["build"].critical and plan["pack"].critical
    assert plan["paint"].slack_hours == 12 and plan["check"].slack_hours == 2
    # a start-to-start lag longer than the predecessor: the successor sets its late start
    figures = scheduling.critical_path({"a": 2, "b": 1}, [("a", "b", 5, "SS")])
    assert figures == {"a": (0, 2, 0), "b": (5, 6, 0)}


def test_forward_schedule_starts_at_next_working_moment():
    cal = weekly(MON_FRI_8_17)
    plan = scheduling.forward_schedule({"a": 1}, [], cal, datetime(2026, 11, 28, 10, 0))  # Sat
    assert plan["a"].start == datetime(2026, 11, 30, 8, 0)


def test_forward_schedule_refuses_unknown_tasks_and_cycles():
    cal = weekly(MON_FRI_8_17)
    with pytest.raises(ValueError, match="unknown"):
        scheduling.forward_schedule({"a": 1}, [("a", "z", 0)], cal, datetime(2026, 11, 23))
    with pytest.raises(ValueError, match="cycle"):
        scheduling.forward_schedule(
            {"a": 1, "b": 1}, [("a", "b", 0), ("b", "a", 0)], cal, datetime(2026, 11, 23)
        )


# --- apply_schedule payload ----------------------------------------------------------


def _payload(**overrides):
    payload = {
        "plan_id": "plan-1",
        "status": "OPTIMAL",
        "objective": 12.5,
        "lower_bound": 12.0,
        "solver": "cp-sat 9.15",
        "figures": {"makespan_hours": 120},
        "tasks": [
            {
                "task_id": 4,
                "write_date": "2026-11-23 10:00:00",
                "planned_start": "2026-11-24 08:00:00",
                "planned_end": "2026-11-24 12:00:00",
                "user_ids": [2, 2, 6],
                "slack_hours": 0,
                "critical": True,
            }
        ],
        "projects": [{"project_id": 3, "forecast_end": "2026-12-01 17:00:00"}],
    }
    payload.update(overrides)
    return payload


def test_valid_payload_is_normalised():
    clean = payload_mod.validate_payload(_payload())
    assert clean["tasks"][0]["planned_start"] == datetime(2026, 11, 24, 8)
    assert clean["tasks"][0]["user_ids"] == [2, 6]
    assert clean["projects"][0]["forecast_end"] == datetime(2026, 12, 1, 17)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"plan_id": ""}, "plan_id"),
        ({"tasks": None}, "tasks"),
        ({"objective": "high"}, "objective"),
        ({"extra": 1}, "payload"),
        ({"tasks": [{"task_id": 4}]}, "tasks[0].write_date"),
        (
            {
                "tasks": [
                    {
                        "task_id": 4,
                        "write_date": "2026-11-23 10:00:00",
                        "planned_start": "2026-11-24 08:00:00",
                        "planned_end": "yesterday",
                    }
                ]
            },
            "tasks[0] (task 4).planned_end",
        ),
        (
            {
                "tasks": [
                    {
                        "task_id": 4,
                        "write_date": "2026-11-23 10:00:00",
                        "planned_start": "2026-11-24 08:00:00",
                        "planned_end": "2026-11-23 08:00:00",
                    }
                ]
            },
            "tasks[0] (task 4).planned_end",
        ),
        (
            {
                "tasks": [
                    {"task_id": True, "write_date": "x", "planned_start": "x", "planned_end": "x"}
                ]
            },
            "tasks[0].task_id",
        ),
        ({"projects": [{"project_id": 3}]}, "projects[0].forecast_end"),
    ],
)
def test_invalid_payload_names_the_field(overrides, field):
    with pytest.raises(payload_mod.PayloadError) as error:
        payload_mod.validate_payload(_payload(**overrides))
    assert error.value.field == field


def test_duplicate_task_is_refused():
    task = _payload()["tasks"][0]
    with pytest.raises(payload_mod.PayloadError, match="appears twice"):
        payload_mod.validate_payload(_payload(tasks=[task, task]))


def test_conflicts_report_stale_and_pinned_tasks():
    tasks = payload_mod.validate_payload(
        _payload(
            tasks=[
                {
                    "task_id": i,
                    "write_date": "2026-11-23 10:00:00",
                    "planned_start": "2026-11-24 08:00:00",
                    "planned_end": "2026-11-24 09:00:00",
                }
                for i in (1, 2, 3)
            ]
        )
    )["tasks"]
    now = {
        1: datetime(2026, 11, 23, 10, 0, 0, 400),
        2: datetime(2026, 11, 23, 11),
        3: datetime(2026, 11, 23, 10),
    }
    to_write, conflicts = payload_mod.split_conflicts(tasks, now, pinned_ids={3})
    assert [t["task_id"] for t in to_write] == [1]
    assert conflicts == [
        {
            "task_id": 2,
            "reason": "stale",
            "write_date_read": "2026-11-23 10:00:00",
            "write_date_now": "2026-11-23 11:00:00",
        },
        {
            "task_id": 3,
            "reason": "pinned",
            "write_date_read": "2026-11-23 10:00:00",
            "write_date_now": "2026-11-23 10:00:00",
        },
    ]


def test_json_schema_agrees_with_the_python_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ADDON / "schemas" / "apply_schedule.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_payload(), schema)
    payload_mod.validate_payload(_payload())
    bad = _payload(
        tasks=[
            {
                "task_id": 4,
                "write_date": "2026-11-23T10:00:00Z",
                "planned_start": "2026-11-24 08:00:00",
                "planned_end": "2026-11-24 12:00:00",
            }
        ]
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    result = {
        "plan_id": "plan-1",
        "run_id": 1,
        "already_applied": False,
        "applied": 1,
        "conflicts": [
            {
                "task_id": 2,
                "reason": "stale",
                "write_date_read": "2026-11-23 10:00:00",
                "write_date_now": "2026-11-23 11:00:00",
            }
        ],
    }
    jsonschema.validate(result, {**schema["$defs"]["result"], "$defs": schema["$defs"]})


def test_shipped_example_payload_is_valid_for_both_validators():
    jsonschema = pytest.importorskip("jsonschema")
    schemas = ADDON / "schemas"
    schema = json.loads((schemas / "apply_schedule.schema.json").read_text())
    example = json.loads((schemas / "apply_schedule.example.json").read_text())
    jsonschema.validate(example, schema)
    clean = payload_mod.validate_payload(example)
    assert [task["task_id"] for task in clean["tasks"]] == [42, 43]


def _explained(**overrides):
    entry = {
        "project_id": 3,
        "forecast_end": "2026-12-03 09:00:00",
        "lateness_hours": 48.0,
        "late": True,
        "reason": "S00003 ends 2026-12-03 17:00, 48 h after its due date: Weld waits for Li Wei",
        "bottleneck": {"name": "Li Wei", "user_id": 7, "employee_id": None},
        "critical_task_ids": [4, 5, 4],
    }
    entry.update(overrides)
    return entry


SUMMARY = {
    "late_orders": 1,
    "orders": 2,
    "weighted_tardiness": 48.0,
    "bottlenecks": [{"name": "Li Wei", "user_id": 7, "employee_id": None, "orders": 1}],
}


def test_order_explanations_and_summary_are_normalised():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ADDON / "schemas" / "apply_schedule.schema.json").read_text())
    payload = _payload(
        projects=[_explained(), {"project_id": 9, "forecast_end": "2026-12-01 09:00:00"}],
        summary=SUMMARY,
    )
    jsonschema.validate(payload, schema)
    clean = payload_mod.validate_payload(payload)
    explained, plain = clean["projects"]
    assert explained["critical_task_ids"] == [4, 5], "a chain names a task once"
    assert explained["bottleneck"] == {"name": "Li Wei", "user_id": 7, "employee_id": None}
    assert explained["late"] is True and explained["lateness_hours"] == 48.0
    assert explained["reason_details"] == {}, "none sent: none kept"
    assert "late" not in plain, "without 'late' Odoo keeps the order's explanation as it is"
    assert clean["summary"]["bottlenecks"][0]["orders"] == 1
    assert payload_mod.validate_payload(_payload())["summary"] is None


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (_explained(late="yes"), "projects[0] (project 3).late"),
        (_explained(lateness_hours=-1), "projects[0] (project 3).lateness_hours"),
        (_explained(reason=7), "projects[0] (project 3).reason"),
        (_explained(critical_task_ids=["t4"]), "projects[0] (project 3).critical_task_ids"),
        (_explained(bottleneck={"name": ""}), "projects[0] (project 3).bottleneck.name"),
        (
            _explained(bottleneck={"name": "x", "user_id": 0}),
            "projects[0] (project 3).bottleneck.user_id",
        ),
        (_explained(bottleneck={"name": "x", "login": "x"}), "projects[0] (project 3).bottleneck"),
        (
            _explained(reason_details={"cause": "resource", "task_id": [4]}),
            "projects[0] (project 3).reason_details.task_id",
        ),
        (_explained(reason_details="waits"), "projects[0] (project 3).reason_details"),
    ],
)
def test_invalid_explanations_name_the_field(entry, field):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ADDON / "schemas" / "apply_schedule.schema.json").read_text())
    with pytest.raises(payload_mod.PayloadError) as error:
        payload_mod.validate_payload(_payload(projects=[entry]))
    assert error.value.field == field
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_payload(projects=[entry]), schema)


def test_failure_report_agrees_with_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ADDON / "schemas" / "apply_schedule.schema.json").read_text())
    failure_schema = {**schema["$defs"]["failure"], "$defs": schema["$defs"]}
    report = {
        "plan_id": "odoo-db-12",
        "message": "No plan can keep every hard constraint: Weld cannot end in time",
        "conflicts": [
            {
                "kind": "deadline",
                "project_id": 3,
                "order": "S00003 - Acme",
                "task_ids": [4, 5],
                "resources": ["Li Wei"],
                "text": "Weld must end by 2026-12-01 17:00",
                "details": {
                    "deadline": "2026-12-01T17:00:00+08:00",
                    "earliest_end": "2026-12-02T12:00:00+08:00",
                    "missing_hours": 4.5,
                },
            }
        ],
    }
    jsonschema.validate(report, failure_schema)
    clean = payload_mod.validate_failure(**report)
    assert clean["conflicts"][0]["task_ids"] == [4, 5]
    assert clean["conflicts"][0]["details"] == report["conflicts"][0]["details"]
    detail = {"kind": "x", "text": "y"}
    assert payload_mod.validate_failure("p", "no plan", None)["conflicts"] == []
    for bad, field in [
        ({"message": ""}, "message"),
        ({"plan_id": " "}, "plan_id"),
        ({"conflicts": [{"kind": "x"}]}, "conflicts[0].text"),
        ({"conflicts": [{"kind": "x", "text": "y", "tasks": [1]}]}, "conflicts[0]"),
        ({"conflicts": [{"kind": "x", "text": "y", "task_ids": ["t1"]}]}, "conflicts[0].task_ids"),
        ({"conflicts": [{**detail, "details": ["2026-12-01"]}]}, "conflicts[0].details"),
        ({"conflicts": [{**detail, "details": {"at": True}}]}, "conflicts[0].details.at"),
        ({"conflicts": [{**detail, "details": {"at": "x" * 65}}]}, "conflicts[0].details.at"),
        (
            {"conflicts": [{**detail, "details": {f"d{i}": 1 for i in range(13)}}]},
            "conflicts[0].details",
        ),
    ]:
        with pytest.raises(payload_mod.PayloadError) as error:
            payload_mod.validate_failure(**{**report, **bad})
        assert error.value.field == field
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**report, **bad}, failure_schema)
