"""The demo company generator (scripts/odoo_demo.py).

Without Odoo: bad parameters are refused naming the option, and the plan is seeded (same seed,
same company; another seed, another company) and books nobody beyond their day.

On a real Odoo 18 (tests/odoo_server.py; skipped, saying so, without one): a small company
(``--history 20 --orders 10``) is loaded once; what Odoo holds is the plan (a digest of names,
dates and hours read back equals the digest of a second plan with the same seed), no timesheet
is dated before its task's start, nobody logs more than their calendar's hours on a day (none
on a public holiday or their leave), and every confirmed order has its project with tasks.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from optimizer.odoo import JsonRpcTransport
from tests.odoo_server import OdooServer
from tests.scripts import load_script

SHANGHAI = ZoneInfo("Asia/Shanghai")


demo = load_script("odoo_demo")
SMALL = {"history": 20, "orders": 10, "seed": 7, "today": "2026-12-03"}


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--employees", "0"], "--employees"),
        (["--history", "-1"], "--history"),
        (["--orders", "-5"], "--orders"),
        (["--customers", "-2"], "--customers"),
        (["--years", "9"], "--years"),
        (["--years", "0"], "--years"),
        (["--history", "5000"], "--history"),
        (["--today", "2026-13-40"], "--today"),
        (["--portal-users", "1"], "--portal-users"),
    ],
)
def test_impossible_parameters_are_refused_naming_the_option(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # an unreachable URL: a refusal must come before any call to Odoo
    code = demo.main(["--url", "http://127.0.0.1:9", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert option in err, err


def test_same_seed_same_company_another_seed_another() -> None:
    first = demo.plan_company(demo.Params(**SMALL))
    again = demo.plan_company(demo.Params(**SMALL))
    other = demo.plan_company(demo.Params(**(SMALL | {"seed": 8})))
    assert first.digest() == again.digest()
    assert first.digest() != other.digest()
    sales = {o["sale"]: o["kind"] for o in first.orders}
    assert len(sales) == 30, "--history 20 --orders 10 are sales orders..."
    assert len(first.orders) > 30, "...and some open ones have several units (projects)"
    assert set(sales.values()) >= {"history", "quotation", "in_progress", "late"}
    for o in first.orders:  # the units of one order share its customer, kind and dates
        head = next(u for u in first.orders if u["sale"] == o["sale"])
        shared = ("customer", "kind", "line", "date_order", "confirmed", "commitment")
        assert [o.get(k) for k in shared] == [head.get(k) for k in shared]


def test_plan_books_nobody_beyond_their_day() -> None:
    company = demo.plan_company(demo.Params(**(SMALL | {"history": 120, "orders": 60})))
    holidays = set()
    for _name, a, b in demo.HOLIDAYS:
        day = date.fromisoformat(a)
        while day <= date.fromisoformat(b):
            holidays.add(day.isoformat())
            day += timedelta(days=1)
    leave = {
        (lv["employee"], (date.fromisoformat(lv["from"]) + timedelta(days=k)).isoformat())
        for lv in company.leaves
        for k in range((date.fromisoformat(lv["to"]) - date.fromisoformat(lv["from"])).days + 1)
    }
    booked: dict[tuple[int, str], float] = defaultdict(float)
    for order in company.orders:
        for task in order["tasks"]:
            for person, day, hours in task["logs"]:
                booked[(person, day)] += hours
                assert day >= task["start"]
    for (person, day), hours in booked.items():
        assert hours <= 8.0, (person, day, hours)
        assert date.fromisoformat(day).weekday() < 5 and day not in holidays, day
        assert (person, day) not in leave
    today = company.params["today"]
    assert all(day < today for _person, day in booked), "no timesheet from today on"


# ---------------------------------------------------------------------------- real Odoo
@pytest.fixture(scope="module")
def loaded(odoo: OdooServer) -> dict[str, Any]:
    admin = JsonRpcTransport(odoo.url, odoo.db, odoo.login, odoo.password, retries=0)
    company = demo.plan_company(demo.Params(**SMALL))
    result = demo.load_company(admin, company, echo=lambda *a, **k: None)
    return {"admin": admin, "result": result}


def read(admin: JsonRpcTransport, model: str, domain: list[Any], fields: list[str]) -> list:
    return admin.call(model, "search_read", [], {"domain": domain, "fields": fields})


def odoo_digest(admin: JsonRpcTransport) -> str:
    """Names, order dates and logged hours as Odoo holds them, ids left out."""
    partners = sorted(
        r["name"] for r in read(admin, "res.partner", [["is_company", "=", True]], ["name"])
    )
    employees = sorted(
        r["name"]
        for r in read(
            admin, "hr.employee", [["work_email", "like", "@huaxin.example.cn"]], ["name"]
        )
    )
    orders = sorted(
        (r["client_order_ref"], r["partner_id"][1], r["commitment_date"], r["state"])
        for r in read(
            admin,
            "sale.order",
            [],
            ["client_order_ref", "partner_id", "commitment_date", "state"],
        )
    )
    logs = sorted(
        (r["employee_id"][1], r["date"], r["unit_amount"])
        for r in read(
            admin,
            "account.analytic.line",
            # Odoo's own internal project has zero-hour lines on its tasks
            [["task_id", "!=", False], ["unit_amount", ">", 0]],
            ["employee_id", "date", "unit_amount"],
        )
    )
    text = json.dumps([partners, employees, orders, logs], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def plan_digest(company: Any) -> str:
    """The same digest computed from a plan, without Odoo."""
    names = {e["key"]: e["name"] for e in company.employees}
    partners = sorted(
        [c["name"] for c in company.customers] + ["Huaxin Industrial Group 华信实业集团"]
    )
    employees = sorted(names.values())
    customers = {c["key"]: c["name"] for c in company.customers}

    def state(order: dict[str, Any]) -> str:
        if order["kind"] == "quotation":
            return "sent" if order["sale"] % 2 else "draft"
        return "sale"

    heads = {o["sale"]: o for o in reversed(company.orders)}.values()
    orders = sorted(
        (
            f"PO-{o['sale'] + 1000}",
            customers[o["customer"]],
            demo.local_to_utc(date.fromisoformat(o["commitment"]), 17),
            state(o),
        )
        for o in heads
    )
    logs = sorted(
        (names[e], day, hours)
        for o in company.orders
        for t in o["tasks"]
        for e, day, hours in t["logs"]
    )
    text = json.dumps([partners, employees, orders, logs], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_odoo_holds_the_seeded_company(loaded: dict[str, Any]) -> None:
    again = demo.plan_company(demo.Params(**SMALL))
    assert odoo_digest(loaded["admin"]) == plan_digest(again)
    counts = loaded["result"]["counts"]
    assert counts["history_orders"] == 20 and counts["timesheet_lines"] > 0


def test_no_timesheet_before_its_task_starts(loaded: dict[str, Any]) -> None:
    admin = loaded["admin"]
    lines = read(
        admin,
        "account.analytic.line",
        [["project_id.order_sale_order_id", "!=", False]],
        ["task_id", "date"],
    )
    tasks = {
        r["id"]: r["planned_start"]
        for r in read(admin, "project.task", [["timesheet_ids", "!=", False]], ["planned_start"])
    }
    assert lines
    for line in lines:
        start = tasks[line["task_id"][0]]
        assert start, line
        local = datetime.strptime(start, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        assert line["date"] >= local.astimezone(SHANGHAI).date().isoformat(), (line, start)


def _day_hours(admin: JsonRpcTransport) -> dict[int, dict[int, float]]:
    """Per calendar, working hours per weekday (lunch breaks excluded)."""
    hours: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for r in read(
        admin,
        "resource.calendar.attendance",
        [["day_period", "!=", "lunch"]],
        ["calendar_id", "dayofweek", "hour_from", "hour_to"],
    ):
        hours[r["calendar_id"][0]][int(r["dayofweek"])] += r["hour_to"] - r["hour_from"]
    return hours


def _leave_days(rows: list[dict[str, Any]]) -> set[str]:
    days = set()
    for r in rows:
        start = datetime.strptime(r["date_from"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        end = datetime.strptime(r["date_to"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        day = start.astimezone(SHANGHAI).date()
        while day <= end.astimezone(SHANGHAI).date():
            days.add(day.isoformat())
            day += timedelta(days=1)
    return days


def test_nobody_logs_beyond_their_calendar_on_a_day(loaded: dict[str, Any]) -> None:
    admin = loaded["admin"]
    day_hours = _day_hours(admin)
    employees = {
        r["id"]: r for r in read(admin, "hr.employee", [], ["resource_calendar_id", "resource_id"])
    }
    leaves = read(admin, "resource.calendar.leaves", [], ["resource_id", "date_from", "date_to"])
    public = _leave_days([r for r in leaves if not r["resource_id"]])
    personal: dict[int, set[str]] = defaultdict(set)
    for r in leaves:
        if r["resource_id"]:
            personal[r["resource_id"][0]] |= _leave_days([r])
    booked: dict[tuple[int, str], float] = defaultdict(float)
    for r in read(
        admin,
        "account.analytic.line",
        [["project_id.order_sale_order_id", "!=", False]],
        ["employee_id", "date", "unit_amount"],
    ):
        booked[(r["employee_id"][0], r["date"])] += r["unit_amount"]
    assert booked
    for (emp, day), hours in booked.items():
        employee = employees[emp]
        allowed = day_hours[employee["resource_calendar_id"][0]][date.fromisoformat(day).weekday()]
        assert day not in public, (emp, day)
        assert day not in personal[employee["resource_id"][0]], (emp, day)
        assert hours <= allowed + 1e-6, (emp, day, hours, allowed)


def test_every_confirmed_order_has_its_project_with_tasks(loaded: dict[str, Any]) -> None:
    """Routed, a project per order line (unit), each with its WBS; work in progress keeps its
    people; the Chinese logins read Chinese."""
    admin = loaded["admin"]
    counts = loaded["result"]["counts"]
    orders = read(
        admin, "sale.order", [["state", "=", "sale"]], ["name", "order_route_rule_id", "order_line"]
    )
    assert len(orders) == 20 + sum(n for k, n in counts["open_orders"].items() if k != "quotation")
    projects = read(
        admin,
        "project.project",
        [["order_sale_order_id", "in", [o["id"] for o in orders]]],
        ["order_sale_order_id", "order_sale_line_id", "task_count"],
    )
    assert len(projects) == counts["projects"] > len(orders), "some orders have several units"
    by_line = {p["order_sale_line_id"][0]: p for p in projects}
    for order in orders:
        assert order["order_route_rule_id"], f"{order['name']} was routed"
        for line in order["order_line"]:
            assert by_line[line]["task_count"] > 0, f"{order['name']}: each line its project"
    in_progress = read(
        admin,
        "project.task",
        [
            ["state", "=", "01_in_progress"],
            ["timesheet_ids", "!=", False],
            ["project_id.order_sale_order_id", "!=", False],
        ],
        ["user_ids"],
    )
    assigned = [u for t in in_progress for u in t["user_ids"]]
    assert assigned and len(assigned) == len(set(assigned)), "each person on one task in progress"
    delivered = read(
        admin,
        "project.project",
        [
            ["order_sale_order_id", "!=", False],
            ["task_ids", "not any", [["state", "not in", ["1_done", "1_canceled"]]]],
        ],
        ["order_forecast_end", "order_health"],
    )
    assert len(delivered) == counts["delivered_projects"] >= counts["history_orders"], (
        "a delivered order's phases are done too"
    )
    assert not any(p["order_forecast_end"] or p["order_health"] for p in delivered)
    milestones = read(
        admin,
        "project.milestone",
        [["project_id", "in", [p["id"] for p in delivered]]],
        ["is_reached", "reached_date", "deadline"],
    )
    assert milestones and all(m["is_reached"] for m in milestones)
    finished = read(
        admin,
        "project.task",
        [["project_id", "in", [p["id"] for p in delivered]], ["is_wbs_phase", "=", False]],
        ["date_end", "planned_end"],
    )
    assert all(t["date_end"] == t["planned_end"] for t in finished), "ended when work did"
    assert all(m["reached_date"] == m["deadline"] < "2026-07-06" for m in milestones), milestones[
        :3
    ]
    langs = {r["login"]: r["lang"] for r in read(admin, "res.users", [], ["login", "lang"])}
    assert (langs["pm"], langs["portal2"], langs["planner"]) == ("zh_CN", "zh_CN", "en_US")
