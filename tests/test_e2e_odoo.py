"""End to end against a REAL Odoo 18 with the project's addons installed.

A fresh database is made by tests/odoo_server.py (``odoo-bin -i sale_management,
order_project``) once for this module. Everything goes through the external API, as in
production: the admin creates a customer, a service product with a WBS template and a
sales order, and confirms it; the optimizer's bot user (in the addon's optimizer bot
group) makes itself an API key with Odoo's own API-key wizard; then `replan` reads,
solves on the company's working calendar and writes the plan back with the bot's key. The
last test gives the company a Shanghai calendar with a public holiday, two employees (one a
senior welder on leave) and a task needing a senior welder. Skipped, saying so, when no
Odoo 18 is installed (``$ODOO18_HOME``, default /opt/odoo18).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import requests

from optimizer.floor.api import plan_floor
from optimizer.odoo import (
    JsonRpcTransport,
    OdooAccessError,
    OdooNotFoundError,
    OdooValidationError,
    ReplanError,
    plan_to_payload,
    read_snapshot,
    records_to_problem,
    replan,
)
from optimizer.odoo.problem import parse_datetime
from tests.odoo_server import OdooServer, modules

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads(
    (ROOT / "addons/order_project/schemas/apply_schedule.schema.json").read_text(encoding="utf-8")
)
RESULT_SCHEMA = {**SCHEMA["$defs"]["result"], "$defs": SCHEMA["$defs"]}
BOT_LOGIN, BOT_PASSWORD = "optimizer_bot", "bot-Pa55word-for-e2e-only"
TASK_FIELDS = ["id", "name", "planned_start", "planned_end", "depend_on_ids", "is_wbs_phase"]
TASK_FIELDS += ["write_date", "parent_id", "planning_user_ids"]


@pytest.fixture(scope="module")
def admin(odoo: OdooServer) -> JsonRpcTransport:
    # The admin works with its password: JSON-RPC takes a password or an API key alike.
    return JsonRpcTransport(odoo.url, odoo.db, odoo.login, odoo.password, retries=1)


def xmlid(admin: JsonRpcTransport, module: str, name: str) -> int:
    (row,) = admin.call(
        "ir.model.data",
        "search_read",
        [],
        {"domain": [["module", "=", module], ["name", "=", name]], "fields": ["res_id"]},
    )
    return int(row["res_id"])


def create(transport: JsonRpcTransport, model: str, values: dict[str, Any]) -> int:
    return int(transport.call(model, "create", [values]))


@pytest.fixture(scope="module")
def delivery(admin: JsonRpcTransport) -> dict[str, Any]:
    """A confirmed sales order for a service sold with the software-delivery WBS template."""
    commitment = (datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=20)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    order, projects = confirm_order(
        admin, "E2E Machines Ltd", "Software delivery (e2e)", 20000.0, commitment
    )
    return {"order": order, "projects": projects, "commitment": commitment}


def web_call(web: requests.Session, url: str, model: str, method: str, args: list[Any]) -> Any:
    """A call through the web client's ``/web/dataset/call_kw`` with a session cookie."""
    body = {"jsonrpc": "2.0", "method": "call", "params": {}}
    body["params"] = {"model": model, "method": method, "args": args, "kwargs": {}}
    answer = web.post(f"{url}/web/dataset/call_kw/{model}/{method}", json=body, timeout=60).json()
    assert "error" not in answer, answer["error"]["data"]["message"]
    return answer["result"]


def bot_api_key(odoo: OdooServer, admin: JsonRpcTransport) -> str:
    """Create the bot user, then let it make its own API key the way the web client does.

    Keys are always made for the caller (``res.users.apikeys._generate`` uses env.user),
    and ``res.users.apikeys.description.make_key`` is guarded by ``check_identity``, which
    needs an HTTP request and session: ``/jsonrpc`` hides the request from the ORM
    (``odoo.http.dispatch_rpc`` runs under ``borrow_request``), so over external RPC it
    raises "This method can only be accessed over HTTP". The bot therefore logs in once on
    ``/web/session/authenticate`` with its password, calls ``make_key``, answers the
    ``res.users.identitycheck`` wizard with its password (``run_check`` then runs
    ``make_key`` in the same request) and reads the key from the returned action's
    context (``default_key``). From then on the connector uses only the key.
    """
    create(
        admin,
        "res.users",
        {
            "name": "Optimizer Bot",
            "login": BOT_LOGIN,
            "password": BOT_PASSWORD,
            "groups_id": [
                [6, 0, [xmlid(admin, "order_project", "group_order_optimizer_bot")]],
            ],
        },
    )
    with requests.Session() as web:
        login = {"db": odoo.db, "login": BOT_LOGIN, "password": BOT_PASSWORD}
        answer = web.post(
            f"{odoo.url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "method": "call", "params": login},
            timeout=60,
        ).json()
        assert answer.get("result", {}).get("uid"), answer
        model = "res.users.apikeys.description"
        wizard = web_call(web, odoo.url, model, "create", [{"name": "order optimizer"}])
        check_action = web_call(web, odoo.url, model, "make_key", [[wizard]])
        assert check_action["res_model"] == "res.users.identitycheck", check_action
        check_id = check_action["res_id"]
        model = "res.users.identitycheck"
        web_call(web, odoo.url, model, "write", [[check_id], {"password": BOT_PASSWORD}])
        key_action = web_call(web, odoo.url, model, "run_check", [[check_id]])
    return str(key_action["context"]["default_key"])


@pytest.fixture(scope="module")
def bot(odoo: OdooServer, admin: JsonRpcTransport) -> JsonRpcTransport:
    return JsonRpcTransport(odoo.url, odoo.db, BOT_LOGIN, bot_api_key(odoo, admin), retries=1)


def read_tasks(transport: JsonRpcTransport, project_id: int) -> dict[int, dict[str, Any]]:
    rows = transport.call(
        "project.task",
        "search_read",
        [],
        {"domain": [["project_id", "=", project_id]], "fields": TASK_FIELDS, "order": "id"},
    )
    return {row["id"]: row for row in rows}


def lags(
    transport: JsonRpcTransport, task_ids: list[int]
) -> dict[tuple[int, int], tuple[str, float]]:
    """(predecessor, successor) -> (dependency type, lag hours) of the links that have a row."""
    rows = transport.call(
        "order.task.lag",
        "search_read",
        [],
        {
            "domain": [["task_id", "in", task_ids]],
            "fields": ["task_id", "depend_on_id", "dependency_type", "lag_hours"],
        },
    )
    return {
        (r["depend_on_id"][0], r["task_id"][0]): (r["dependency_type"], r["lag_hours"])
        for r in rows
    }


class WorkingTime:
    """The company calendar as Odoo defines it: attendances (breaks excluded) in its time
    zone, minus its calendar-wide and company-wide leaves."""

    def __init__(self, admin: JsonRpcTransport) -> None:
        (company,) = admin.call(
            "res.company", "search_read", [], {"domain": [], "fields": ["resource_calendar_id"]}
        )
        cal_id = company["resource_calendar_id"][0]
        (cal,) = admin.call("resource.calendar", "read", [[cal_id], ["tz"]])
        self.tz = ZoneInfo(cal["tz"] or "UTC")
        rows = admin.call(
            "resource.calendar.attendance",
            "search_read",
            [],
            {
                "domain": [["calendar_id", "=", cal_id], ["day_period", "!=", "lunch"]],
                "fields": ["dayofweek", "hour_from", "hour_to", "display_type", "resource_id"],
            },
        )
        self.hours = [
            (int(r["dayofweek"]), r["hour_from"], r["hour_to"])
            for r in rows
            if not r["display_type"] and not r["resource_id"]
        ]
        leaves = admin.call(
            "resource.calendar.leaves",
            "search_read",
            [],
            {
                "domain": [
                    ["resource_id", "=", False],
                    "|",
                    ["calendar_id", "=", cal_id],
                    ["calendar_id", "=", False],
                ],
                "fields": ["date_from", "date_to"],
            },
        )
        self.closed = [
            (parse_datetime(r["date_from"]), parse_datetime(r["date_to"])) for r in leaves
        ]

    def local(self, text: str) -> datetime:
        return parse_datetime(text).replace(tzinfo=timezone.utc).astimezone(self.tz)

    def works_from(self, text: str) -> bool:
        """Odoo UTC datetime `text` opens an hour of working time (a task may start there)."""
        moment = self.local(text)
        hour = moment.hour + moment.minute / 60
        utc = parse_datetime(text)
        return any(
            day == moment.weekday() and start <= hour < end for day, start, end in self.hours
        ) and not any(a <= utc < b for a, b in self.closed)

    def works_until(self, text: str) -> bool:
        """`text` closes an hour of working time (a task may end there)."""
        moment = self.local(text)
        hour = moment.hour + moment.minute / 60
        utc = parse_datetime(text)
        return any(
            day == moment.weekday() and start < hour <= end for day, start, end in self.hours
        ) and not any(a < utc <= b for a, b in self.closed)


def test_confirmed_order_has_a_project_with_tasks_and_dependencies(
    admin: JsonRpcTransport, delivery: dict[str, Any]
) -> None:
    assert len(delivery["projects"]) == 1, "one delivery project per order"
    tasks = read_tasks(admin, delivery["projects"][0]["id"])
    leaves = [t for t in tasks.values() if not t["is_wbs_phase"]]
    assert len(leaves) >= 3, "the template's tasks were created"
    assert any(t["depend_on_ids"] for t in leaves), "with their dependencies"


def test_replan_with_the_bot_key_writes_every_task_in_one_run(
    admin: JsonRpcTransport, bot: JsonRpcTransport, delivery: dict[str, Any]
) -> None:
    project_id = delivery["projects"][0]["id"]
    start = datetime.now(timezone.utc).replace(tzinfo=None).replace(
        minute=0, second=0, microsecond=0
    ) + timedelta(hours=1)
    result = replan(bot, [project_id], time_limit=5, plan_id="e2e-plan-1", start=start)
    jsonschema.validate({k: v for k, v in result.items() if k != "figures"}, RESULT_SCHEMA)
    tasks = read_tasks(admin, project_id)
    leaves = {tid: t for tid, t in tasks.items() if not t["is_wbs_phase"]}
    assert result["already_applied"] is False and result["conflicts"] == []
    assert result["applied"] == len(leaves), "every schedulable task in the one call"
    assert all(t["planned_start"] and t["planned_end"] for t in tasks.values()), (
        "every task, phases included, has planned dates"
    )
    assert min(parse_datetime(t["planned_start"]) for t in leaves.values()) >= start
    calendar = WorkingTime(admin)
    for tid, task in leaves.items():
        assert calendar.works_from(task["planned_start"]), f"task {tid} starts in working time"
        assert calendar.works_until(task["planned_end"]), f"task {tid} ends in working time"
    runs = admin.call(
        "order.planning.run",
        "search_read",
        [],
        {
            "domain": [["plan_id", "=", "e2e-plan-1"]],
            "fields": ["state", "applied_count", "project_ids", "applied_by_id"],
        },
    )
    assert len(runs) == 1 and runs[0]["state"] == "done", "one planning run records the plan"
    assert runs[0]["applied_count"] == len(leaves)
    assert runs[0]["project_ids"] == [project_id]
    assert runs[0]["applied_by_id"][1] == "Optimizer Bot"
    link_of = lags(admin, list(leaves))
    assert "SS" in {kind for kind, _lag in link_of.values()}, "the template starts some together"
    for tid, task in leaves.items():
        for pred in task["depend_on_ids"]:
            if pred in leaves:
                kind, lag = link_of.get((pred, tid), ("FS", 0.0))
                anchor = leaves[pred]["planned_start" if kind == "SS" else "planned_end"]
                earliest = parse_datetime(anchor) + timedelta(hours=lag)
                assert parse_datetime(task["planned_start"]) >= earliest, (
                    f"task {tid} starts after its predecessor {pred} {kind} (and the lag)"
                )

    # The same plan id again: Odoo answers with the first run and writes nothing.
    again = replan(
        bot, [project_id], time_limit=2, plan_id="e2e-plan-1", start=start + timedelta(hours=5)
    )
    assert again["already_applied"] is True and again["applied"] == 0
    assert again["run_id"] == result["run_id"]
    after = read_tasks(admin, project_id)
    assert {t: (r["planned_start"], r["write_date"]) for t, r in after.items()} == {
        t: (r["planned_start"], r["write_date"]) for t, r in tasks.items()
    }, "a second apply with the same plan id changes nothing"


def test_task_edited_after_reading_comes_back_as_a_stale_conflict(
    admin: JsonRpcTransport, bot: JsonRpcTransport, delivery: dict[str, Any]
) -> None:
    project_id = delivery["projects"][0]["id"]
    start = datetime.now(timezone.utc).replace(tzinfo=None).replace(
        minute=0, second=0, microsecond=0
    ) + timedelta(hours=2)
    snapshot = read_snapshot(bot, [project_id], now=start)
    problem, context = records_to_problem(snapshot, start)
    plan, timeline, violations = plan_floor(problem, time_limit=3)
    assert violations == [] and plan.status != "INFEASIBLE"
    payload = plan_to_payload(plan, timeline.clock, context, "e2e-plan-2")
    jsonschema.validate(payload, SCHEMA)
    # A person moves a task meanwhile (write_date has a one-second precision in the contract).
    edited = payload["tasks"][-1]["task_id"]
    time.sleep(1.1)
    by_hand = {"planned_start": "2031-01-06 08:00:00", "planned_end": "2031-01-06 12:00:00"}
    admin.call("project.task", "write", [[edited], by_hand])
    result = bot.call("order.planning.run", "apply_schedule", [], {"payload": payload})
    jsonschema.validate(result, RESULT_SCHEMA)
    assert [(c["task_id"], c["reason"]) for c in result["conflicts"]] == [(edited, "stale")]
    assert result["applied"] == len(payload["tasks"]) - 1
    tasks = read_tasks(admin, project_id)
    assert (tasks[edited]["planned_start"], tasks[edited]["planned_end"]) == (
        by_hand["planned_start"],
        by_hand["planned_end"],
    ), "the person's dates are kept"
    other = payload["tasks"][0]
    assert tasks[other["task_id"]]["planned_start"] == other["planned_start"]


def test_real_odoo_errors_name_the_model_and_method(
    odoo: OdooServer, admin: JsonRpcTransport, bot: JsonRpcTransport
) -> None:
    create(
        admin,
        "res.users",
        {"name": "Plain Employee", "login": "plain_employee", "password": BOT_PASSWORD},
    )
    plain = JsonRpcTransport(odoo.url, odoo.db, "plain_employee", BOT_PASSWORD, retries=0)
    payload = {"plan_id": "e2e-refused", "tasks": []}
    with pytest.raises(OdooAccessError, match=r"order\.planning\.run\.apply_schedule"):
        plain.call("order.planning.run", "apply_schedule", [], {"payload": payload})
    unknown = {
        "plan_id": "e2e-unknown",
        "tasks": [
            {
                "task_id": 999999,
                "write_date": "2026-01-01 00:00:00",
                "planned_start": "2026-01-01 08:00:00",
                "planned_end": "2026-01-01 09:00:00",
            }
        ],
    }
    with pytest.raises(OdooValidationError, match=r"apply_schedule: .*999999"):
        bot.call("order.planning.run", "apply_schedule", [], {"payload": unknown})
    with pytest.raises(OdooNotFoundError, match=r"order\.nothing\.search_read"):
        bot.call("order.nothing", "search_read", [], {"domain": []})
    wrong_key = JsonRpcTransport(odoo.url, odoo.db, BOT_LOGIN, "not-the-key", retries=0)
    with pytest.raises(OdooAccessError) as info:
        wrong_key.call("project.task", "search_read", [], {})
    assert "not-the-key" not in str(info.value)


def test_open_orders_scope_finds_the_delivery_project(
    bot: JsonRpcTransport, delivery: dict[str, Any]
) -> None:
    snapshot = read_snapshot(bot)
    project_ids = [p["id"] for p in snapshot.projects]
    assert delivery["projects"][0]["id"] in project_ids
    (project,) = [p for p in snapshot.projects if p["id"] == delivery["projects"][0]["id"]]
    assert project["order_commitment_date"] == delivery["commitment"]
    assert {t["project_id"][0] for t in snapshot.tasks} <= set(project_ids)


def test_pinned_task_keeps_its_dates_and_holds_back_its_successors(
    admin: JsonRpcTransport, bot: JsonRpcTransport, delivery: dict[str, Any]
) -> None:
    project_id = delivery["projects"][0]["id"]
    leaves = {t: r for t, r in read_tasks(admin, project_id).items() if not r["is_wbs_phase"]}
    pinned, successor = next(
        (pred, tid)
        for tid, row in leaves.items()
        for pred in row["depend_on_ids"]
        if pred in leaves
    )
    by_planner = {"planned_start": "2030-01-07 08:00:00", "planned_end": "2030-01-07 16:00:00"}
    admin.call("project.task", "write", [[pinned], {**by_planner, "planning_pinned": True}])
    result = replan(bot, [project_id], time_limit=3, plan_id="e2e-plan-pinned")
    assert result["conflicts"] == [], "a pinned task is not sent, so it is no conflict"
    assert result["applied"] == len(leaves) - 1
    after = read_tasks(admin, project_id)
    assert (after[pinned]["planned_start"], after[pinned]["planned_end"]) == (
        by_planner["planned_start"],
        by_planner["planned_end"],
    ), "the planner's dates stay"
    assert after[successor]["planned_start"] >= by_planner["planned_end"], (
        "its successor waits for the pinned end"
    )


def test_customer_sees_the_planned_forecast_in_the_portal(
    odoo: OdooServer, admin: JsonRpcTransport, bot: JsonRpcTransport, delivery: dict[str, Any]
) -> None:
    """The last step of the slice: after a plan is written back, the customer's shared link to
    the order shows the forecast delivery date of that plan."""
    if "order_portal" not in modules():
        pytest.skip("addons/order_portal is not part of this tree")
    project_id = delivery["projects"][0]["id"]
    start = datetime.now(timezone.utc).replace(tzinfo=None).replace(
        minute=0, second=0, microsecond=0
    ) + timedelta(days=2)
    result = replan(bot, [project_id], time_limit=5, plan_id="e2e-portal-plan", start=start)
    assert result["already_applied"] is False
    (project,) = admin.call("project.project", "read", [[project_id], ["order_forecast_end"]])
    tasks = read_tasks(admin, project_id)
    forecast = parse_datetime(project["order_forecast_end"])
    assert forecast == max(parse_datetime(t["planned_end"]) for t in tasks.values()), (
        "the project's forecast is the end of its last planned task"
    )
    url = admin.call("sale.order", "get_portal_url", [[delivery["order"]]])
    token = url.split("access_token=")[1].split("&")[0]
    page = requests.get(
        f"{odoo.url}/my/deliveries/{delivery['order']}",
        params={"access_token": token},
        timeout=60,
    )
    assert page.status_code == 200 and "Forecast" in page.text
    # The page shows dates in the visitor's time zone; either side of midnight UTC is fine.
    shown = {(forecast + timedelta(hours=h)).strftime("%m/%d/%Y") for h in (-12, 0, 12)}
    assert any(day in page.text for day in shown), f"one of {shown} is on the delivery page"
    refused = requests.get(
        f"{odoo.url}/my/deliveries/{delivery['order']}",
        params={"access_token": "wrong"},
        timeout=60,
        allow_redirects=False,
    )
    assert refused.status_code in (302, 303, 403), "a wrong token does not open the order"


SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_day(day: datetime, days: int = 1) -> tuple[str, str]:
    """Whole Shanghai days from `day` (a date at midnight), as Odoo UTC datetime texts."""
    start = day.replace(tzinfo=SHANGHAI).astimezone(timezone.utc)
    end = start + timedelta(days=days)
    fmt = "%Y-%m-%d %H:%M:%S"
    return start.strftime(fmt), end.strftime(fmt)


def test_plan_keeps_calendars_holidays_leaves_and_skills(
    odoo: OdooServer, admin: JsonRpcTransport, bot: JsonRpcTransport
) -> None:
    """The company works 8-12 and 13-17 Monday to Friday in Shanghai; Wednesday is a public
    holiday; Li Wei, the only senior welder, is on leave Monday and Tuesday; Wang Fang (a
    junior welder) is assigned a task. The plan starts on Monday 08:00 Shanghai."""
    (company,) = admin.call("res.company", "search_read", [], {"domain": [], "fields": ["id"]})
    attendances = []
    for day in range(5):
        for start, end, period in [(8, 12, "morning"), (12, 13, "lunch"), (13, 17, "afternoon")]:
            attendances.append(
                [
                    0,
                    0,
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": end,
                        "day_period": period,
                    },
                ]
            )
    calendar = create(
        admin,
        "resource.calendar",
        {
            "name": "Shanghai 40 hours (e2e)",
            "tz": "Asia/Shanghai",
            "company_id": company["id"],
            "attendance_ids": attendances,
        },
    )
    admin.call("res.company", "write", [[company["id"]], {"resource_calendar_id": calendar}])
    today = datetime.now(SHANGHAI).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 + (7 - today.weekday()) % 7)
    holiday = shanghai_day(monday + timedelta(days=2))
    create(
        admin,
        "resource.calendar.leaves",
        {
            "name": "Public holiday (e2e)",
            "calendar_id": calendar,
            "date_from": holiday[0],
            "date_to": holiday[1],
        },
    )
    skill_type = create(
        admin,
        "hr.skill.type",
        {
            "name": "Trades (e2e)",
            "skill_ids": [[0, 0, {"name": "Welding"}]],
            "skill_level_ids": [
                [0, 0, {"name": "Junior", "level_progress": 25}],
                [0, 0, {"name": "Senior", "level_progress": 75}],
            ],
        },
    )
    (welding,) = admin.call("hr.skill", "search", [[["skill_type_id", "=", skill_type]]], {})
    levels = {
        r["name"]: r["id"]
        for r in admin.call(
            "hr.skill.level",
            "search_read",
            [],
            {"domain": [["skill_type_id", "=", skill_type]], "fields": ["name"]},
        )
    }
    people = {}
    for login, name, level in [
        ("li.wei", "Li Wei", "Senior"),
        ("wang.fang", "Wang Fang", "Junior"),
    ]:
        user = create(admin, "res.users", {"name": name, "login": login, "password": BOT_PASSWORD})
        employee = create(
            admin,
            "hr.employee",
            {
                "name": name,
                "user_id": user,
                "resource_calendar_id": calendar,
                "tz": "Asia/Shanghai",
                "company_id": company["id"],
            },
        )
        create(
            admin,
            "hr.employee.skill",
            {
                "employee_id": employee,
                "skill_type_id": skill_type,
                "skill_id": welding,
                "skill_level_id": levels[level],
            },
        )
        (row,) = admin.call("hr.employee", "read", [[employee], ["resource_id"]])
        people[login] = {"user": user, "employee": employee, "resource": row["resource_id"][0]}
    leave = shanghai_day(monday, days=2)
    # Li Wei records his own time off (without hr_holidays, only an employee himself may
    # create his personal leaves; record rules hide them from other plain users, and the
    # addon lets the optimizer's bot read them all).
    li_wei = JsonRpcTransport(odoo.url, odoo.db, "li.wei", BOT_PASSWORD, retries=0)
    create(
        li_wei,
        "resource.calendar.leaves",
        {
            "name": "Li Wei's leave (e2e)",
            "resource_id": people["li.wei"]["resource"],
            "date_from": leave[0],
            "date_to": leave[1],
            "time_type": "leave",
        },
    )

    customer = create(admin, "res.partner", {"name": "E2E Welded Frames Ltd"})
    product = create(
        admin,
        "product.product",
        {
            "name": "Welded frame delivery (e2e)",
            "type": "service",
            "list_price": 9000.0,
            "order_wbs_template_id": xmlid(admin, "order_project", "wbs_template_software"),
        },
    )
    order = create(
        admin,
        "sale.order",
        {
            "partner_id": customer,
            "commitment_date": (monday + timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S"),
            "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 1}]],
        },
    )
    admin.call("sale.order", "action_confirm", [[order]])
    (project,) = admin.call(
        "project.project",
        "search_read",
        [],
        {"domain": [["order_sale_order_id", "=", order]], "fields": ["id"]},
    )
    tasks = read_tasks(admin, project["id"])
    leaves = {tid: t for tid, t in tasks.items() if not t["is_wbs_phase"]}
    (weld,) = [tid for tid, t in sorted(leaves.items()) if not t["depend_on_ids"]]
    assigned = max(leaves)  # the last task, freed of its dependencies below
    admin.call(
        "project.task",
        "write",
        [[weld], {"skill_id": welding, "skill_level_id": levels["Senior"], "headcount": 1}],
    )
    admin.call(
        "project.task",
        "write",
        [
            [assigned],
            {"user_ids": [[6, 0, [people["wang.fang"]["user"]]]], "depend_on_ids": [[5, 0, 0]]},
        ],
    )

    start = monday.replace(tzinfo=SHANGHAI).astimezone(timezone.utc).replace(tzinfo=None)
    result = replan(bot, [project["id"]], time_limit=5, plan_id="e2e-floor-plan", start=start)
    assert result["conflicts"] == [] and result["applied"] == len(leaves)
    after = read_tasks(admin, project["id"])
    work = WorkingTime(admin)
    assert work.tz == SHANGHAI and len(work.hours) == 10
    for tid in leaves:
        task = after[tid]
        assert work.works_from(task["planned_start"]), (
            f"task {tid} starts in working time, not at a weekend, break or the holiday: "
            f"{work.local(task['planned_start'])}"
        )
        assert work.works_until(task["planned_end"]), (
            f"task {tid} ends in working time: {work.local(task['planned_end'])}"
        )
    welded = after[weld]
    thursday = (monday + timedelta(days=3, hours=8)).replace(tzinfo=SHANGHAI)
    assert work.local(welded["planned_start"]) >= thursday, (
        "the only senior welder is on leave Monday and Tuesday, Wednesday is a holiday"
    )
    assert welded["planning_user_ids"] == [people["li.wei"]["user"]], "the qualified person"
    assert after[assigned]["planning_user_ids"] == [people["wang.fang"]["user"]]
    assert work.local(after[assigned]["planned_start"]) < thursday, "Wang Fang is not on leave"
    (run,) = admin.call(
        "order.planning.run",
        "search_read",
        [],
        {"domain": [["plan_id", "=", "e2e-floor-plan"]], "fields": ["figures", "state"]},
    )
    assert run["state"] == "done" and "Asia/Shanghai" in run["figures"]["clock"]


def confirm_order(
    admin: JsonRpcTransport, customer: str, product_name: str, price: float, commitment: str
) -> tuple[int, list[dict[str, Any]]]:
    """A confirmed order of one software-template product for a new customer. Returns
    (sale order id, its delivery projects as ``id``/``name`` records)."""
    partner = create(admin, "res.partner", {"name": customer})
    product = create(
        admin,
        "product.product",
        {
            "name": product_name,
            "type": "service",
            "list_price": price,
            "order_wbs_template_id": xmlid(admin, "order_project", "wbs_template_software"),
        },
    )
    order = create(
        admin,
        "sale.order",
        {
            "partner_id": partner,
            "commitment_date": commitment,
            "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 1}]],
        },
    )
    admin.call("sale.order", "action_confirm", [[order]])
    projects = admin.call(
        "project.project",
        "search_read",
        [],
        {"domain": [["order_sale_order_id", "=", order]], "fields": ["id", "name"]},
    )
    return order, projects


def read_in(admin: JsonRpcTransport, lang: str, model: str, record: int, fname: str) -> Any:
    """One field of one record as a reader in `lang` (activated when needed) sees it."""
    (code,) = admin.call(
        "res.lang", "search", [[("code", "=", lang)]], {"context": {"active_test": False}}
    )
    admin.call("res.lang", "write", [[code], {"active": True}])
    (row,) = admin.call(model, "read", [[record], [fname]], {"context": {"lang": lang}})
    return row[fname]


def single_task_order(
    admin: JsonRpcTransport, customer: str, commitment: str, values: dict[str, Any]
) -> tuple[int, int]:
    """A confirmed order whose delivery project is left with one open task: the template's
    first leaf task with `values`; the other tasks are done. Returns (project id, task id)."""
    _order, (project,) = confirm_order(admin, customer, f"Frame for {customer}", 5000.0, commitment)
    leaves = sorted(t for t, r in read_tasks(admin, project["id"]).items() if not r["is_wbs_phase"])
    keep, done = leaves[0], leaves[1:]
    admin.call("project.task", "write", [done, {"state": "1_done"}])
    admin.call("project.task", "write", [[keep], {"depend_on_ids": [[5, 0, 0]], **values}])
    return project["id"], keep


def person(
    odoo: OdooServer, admin: JsonRpcTransport, login: str, name: str
) -> tuple[int, int, int, JsonRpcTransport]:
    """A user with an employee on the company calendar: (user, employee, resource, their
    own transport)."""
    user = create(admin, "res.users", {"name": name, "login": login, "password": BOT_PASSWORD})
    employee = create(admin, "hr.employee", {"name": name, "user_id": user})
    (row,) = admin.call("hr.employee", "read", [[employee], ["resource_id"]])
    own = JsonRpcTransport(odoo.url, odoo.db, login, BOT_PASSWORD, retries=0)
    return user, employee, row["resource_id"][0], own


def monday_start(admin: JsonRpcTransport, weeks: int) -> tuple[datetime, WorkingTime]:
    """Monday `weeks` weeks ahead at the company calendar's first working hour, naive UTC."""
    work = WorkingTime(admin)
    today = datetime.now(work.tz).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 * weeks + (7 - today.weekday()) % 7)
    first = min(start for day, start, _ in work.hours if day == 0)
    local = monday + timedelta(hours=first)
    return local.replace(tzinfo=work.tz).astimezone(timezone.utc).replace(tzinfo=None), work


def test_one_welder_two_orders_due_the_same_day_the_late_one_says_why(
    odoo: OdooServer, admin: JsonRpcTransport, bot: JsonRpcTransport
) -> None:
    """Zhang Wei is the only welder; two orders due Thursday morning each need two days of
    welding. One of them cannot make it, and its project says why: late, by how much, the
    welder named in the reason and as the bottleneck, and the chain that ends it."""
    skill_type = create(
        admin,
        "hr.skill.type",
        {
            "name": "Fabrication (e2e)",
            "skill_ids": [[0, 0, {"name": "Frame welding"}]],
            "skill_level_ids": [[0, 0, {"name": "Certified", "level_progress": 100}]],
        },
    )
    (skill,) = admin.call("hr.skill", "search", [[["skill_type_id", "=", skill_type]]], {})
    (level,) = admin.call("hr.skill.level", "search", [[["skill_type_id", "=", skill_type]]], {})
    welder_user, welder, _resource, _own = person(odoo, admin, "zhang.wei", "Zhang Wei")
    create(
        admin,
        "hr.employee.skill",
        {
            "employee_id": welder,
            "skill_type_id": skill_type,
            "skill_id": skill,
            "skill_level_id": level,
        },
    )
    start, _work = monday_start(admin, weeks=3)
    due = (start + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")  # Thursday, first hour
    weld = {"skill_id": skill, "skill_level_id": level, "headcount": 1, "duration_hours": 16}
    first = single_task_order(admin, "E2E Frames North", due, {**weld, "name": "Weld frame"})
    second = single_task_order(admin, "E2E Frames South", due, {**weld, "name": "Weld frame"})
    projects = [first[0], second[0]]

    result = replan(bot, projects, time_limit=5, plan_id="e2e-why-late", start=start)
    assert result["applied"] == 2 and result["conflicts"] == []
    fnames = ["name", "order_is_late", "order_lateness_hours", "order_delay_reason"]
    fnames += ["order_bottleneck_user_id", "order_bottleneck_employee_id"]
    fnames += ["order_bottleneck_name", "order_critical_task_ids", "order_health"]
    rows = {r["id"]: r for r in admin.call("project.project", "read", [projects, fnames])}
    late = [r for r in rows.values() if r["order_is_late"]]
    assert len(late) == 1, "one welder, two orders due the same morning: one is late"
    (late,) = late
    (on_time,) = [r for r in rows.values() if not r["order_is_late"]]
    other_task = first[1] if late["id"] == second[0] else second[1]
    own_task = first[1] if late["id"] == first[0] else second[1]
    assert late["order_lateness_hours"] > 0 and late["order_health"] == "late"
    reason = late["order_delay_reason"]
    assert "Zhang Wei" in reason, f"the reason names the welder: {reason}"
    assert reason.startswith(late["name"]) and on_time["name"] in reason, (
        "in Odoo's names: this order, and the other order whose weld kept him busy"
    )
    assert late["order_bottleneck_user_id"][0] == welder_user
    assert late["order_bottleneck_employee_id"][0] == welder
    # the same reason worded by Odoo from its data, in English and in Chinese
    english = read_in(admin, "en_US", "project.project", late["id"], "order_delay_text")
    assert english.startswith("The order ends "), english
    assert (
        f"Weld frame waits for Zhang Wei, busy on Weld frame ({on_time['name']}) until" in english
    ), "the other order's task, with its project's name"
    chinese = read_in(admin, "zh_CN", "project.project", late["id"], "order_delay_text")
    assert chinese.startswith("订单将于 ") and "Weld frame 在等待 Zhang Wei" in chinese, chinese
    assert late["order_bottleneck_name"] == "Zhang Wei"
    # a many2many lists tasks in the task order; the reason tells the chain's sequence
    assert set(late["order_critical_task_ids"]) == {other_task, own_task}
    assert on_time["order_lateness_hours"] == 0.0
    (run,) = admin.call(
        "order.planning.run",
        "search_read",
        [],
        {
            "domain": [["plan_id", "=", "e2e-why-late"]],
            "fields": ["late_order_count", "weighted_tardiness", "summary_text", "bottlenecks"],
        },
    )
    assert run["late_order_count"] == 1 and run["weighted_tardiness"] > 0
    assert "Zhang Wei (1 order(s))" in run["summary_text"]
    late_ids = admin.call("project.project", "search", [[["order_is_late", "=", True]]], {})
    assert late["id"] in late_ids and on_time["id"] not in late_ids, "the Late Orders filter"


def test_infeasible_plan_fails_the_queued_run_with_its_explanation(
    odoo: OdooServer, admin: JsonRpcTransport, bot: JsonRpcTransport
) -> None:
    """The Odoo mapping makes no hard deadline, pin or frozen start (dates are soft, pinned
    tasks are busy time), so what Odoo data can make infeasible is work that fits nowhere:
    here the only assignee of a task is on leave for three years. Nothing is written and the
    run the planner queued ends failed, showing why."""
    user, _employee, resource, own = person(odoo, admin, "sun.li", "Sun Li")
    start, _work = monday_start(admin, weeks=4)
    leave_end = (start + timedelta(days=3 * 365)).strftime("%Y-%m-%d %H:%M:%S")
    create(
        own,
        "resource.calendar.leaves",
        {
            "name": "Long leave (e2e)",
            "resource_id": resource,
            "date_from": (start - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
            "date_to": leave_end,
            "time_type": "leave",
        },
    )
    due = (start + timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
    project, task = single_task_order(
        admin,
        "E2E Frames East",
        due,
        {"name": "Inspect frame", "user_ids": [[6, 0, [user]]], "duration_hours": 8},
    )
    before = read_tasks(admin, project)[task]
    run = create(
        admin,
        "order.planning.run",
        {"scope": "project", "project_ids": [[6, 0, [project]]], "state": "running"},
    )
    # the run was asked for by a planner who reads Chinese, in Shanghai
    read_in(admin, "zh_CN", "order.planning.run", run, "name")  # activates the language
    requester = create(
        admin,
        "res.users",
        {"name": "Chen Jie", "login": "chen.jie.e2e", "lang": "zh_CN", "tz": "Asia/Shanghai"},
    )
    admin.call(
        "order.planning.run", "write", [[run], {"plan_id": "e2e-infeasible", "user_id": requester}]
    )

    with pytest.raises(ReplanError, match="no feasible schedule") as info:
        replan(bot, [project], time_limit=3, plan_id="e2e-infeasible", start=start)
    assert info.value.reported, "Odoo recorded the failure"
    (row,) = admin.call(
        "order.planning.run",
        "read",
        [[run], ["state", "message", "failure_text", "failure_conflicts", "applied_count"]],
    )
    assert row["state"] == "failed", "the queued run ends failed, not running forever"
    assert "Inspect frame" in row["message"] and "Sun Li is on leave" in row["message"], row
    assert f"t{task}" not in row["message"], "Odoo's names, not the engine's ids"
    (conflict,) = row["failure_conflicts"]
    assert conflict["kind"] == "no_room", conflict
    assert conflict["task_ids"] == [task] and conflict["project_id"] == project
    assert conflict["details"]["needed_hours"] == 8.0, conflict
    assert conflict["details"]["available_hours"] == 0.0, conflict
    assert row["failure_text"].startswith("- Inspect frame needs 8.0 h of work by Sun Li")

    # a Chinese planner reads the same failure in Chinese
    chinese = read_in(admin, "zh_CN", "order.planning.run", run, "failure_text")
    assert chinese.startswith("- Inspect frame 需要 Sun Li 完成 8.0 小时的工作"), chinese
    assert "详情：" in chinese, "with the optimizer's own sentence below"
    # the bot's note in the run's chatter is written for the requester: in Chinese
    (note,) = admin.call(
        "mail.message",
        "search_read",
        [[["model", "=", "order.planning.run"], ["res_id", "=", run], ["body", "!=", ""]]],
        {"fields": ["body", "author_id"], "order": "id desc", "limit": 1},
    )
    assert "优化器无法生成计划" in note["body"], note
    assert "Inspect frame 需要 Sun Li 完成 8.0 小时的工作" in note["body"], note
    after = read_tasks(admin, project)[task]
    assert (after["planned_start"], after["write_date"]) == (
        before["planned_start"],
        before["write_date"],
    ), "an infeasible plan writes nothing"


def test_not_before_and_one_stretch_are_kept_by_the_written_plan(
    odoo: OdooServer, admin: JsonRpcTransport, bot: JsonRpcTransport
) -> None:
    """Two orders planned from a Monday's first working hour on the company calendar (8-12
    and 13-17 with a lunch break). The steel of the first arrives on Tuesday at 10:30: its
    4 h of work start no earlier. The second is a 3 h heat treatment that must run in one
    stretch and whose furnace is free from Monday 10:00: 10:00-12:00 and 13:00-14:00 would
    straddle lunch, so it lies inside one attendance block (13:00-16:00). (6 h in one
    stretch would never fit a 4 h half-day: the plan would be infeasible.)"""
    start, work = monday_start(admin, weeks=6)
    monday = start.replace(tzinfo=timezone.utc).astimezone(work.tz)
    morning = min((s, e) for day, s, e in work.hours if day == 0)
    assert morning[1] - morning[0] >= 3, "a half-day of at least 3 h"
    free_at = monday + timedelta(hours=morning[1] - morning[0] - 2)  # 2 h before the break
    steel_at = monday + timedelta(days=1, hours=2.5)
    due = (start + timedelta(days=14)).strftime("%Y-%m-%d %H:%M:%S")

    def utc(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")

    steel_project, steel_task = single_task_order(
        admin,
        "E2E Steel Works",
        due,
        {"name": "Cut beams", "duration_hours": 4, "headcount": 1, "user_ids": [[5, 0, 0]]}
        | {"skill_id": False, "planning_not_before": utc(steel_at)},
    )
    heat_project, heat_task = single_task_order(
        admin,
        "E2E Furnace Co",
        due,
        {"name": "Heat treatment", "duration_hours": 3, "headcount": 1, "user_ids": [[5, 0, 0]]}
        | {"skill_id": False, "planning_non_interruptible": True},
    )
    admin.call("project.task", "write", [[heat_task], {"planning_not_before": utc(free_at)}])
    fields = ["planned_start", "planned_end", "planning_not_before", "planning_non_interruptible"]
    (heat_row,) = admin.call("project.task", "read", [[heat_task], fields])
    assert heat_row["planning_non_interruptible"] and heat_row["planning_not_before"]

    result = replan(
        bot, [steel_project, heat_project], time_limit=5, plan_id="e2e-timing", start=start
    )
    assert result["applied"] == 2 and result["conflicts"] == []
    rows = {
        r["id"]: r for r in admin.call("project.task", "read", [[steel_task, heat_task], fields])
    }

    steel = rows[steel_task]
    steel_start = work.local(steel["planned_start"])
    assert steel_start >= steel_at, f"no cutting before the steel arrives: {steel_start}"
    assert steel_start - steel_at < timedelta(hours=1), "cut as soon as the steel is there"
    assert work.works_from(steel["planned_start"]) and work.works_until(steel["planned_end"])

    heat = rows[heat_task]
    heat_start, heat_end = work.local(heat["planned_start"]), work.local(heat["planned_end"])
    assert heat_start >= free_at, "not before the furnace is free"
    assert heat_end - heat_start == timedelta(hours=3), "three hours without a pause"
    hour_from = heat_start.hour + heat_start.minute / 60
    hour_to = hour_from + 3
    assert any(
        day == heat_start.weekday() and s <= hour_from and hour_to <= e for day, s, e in work.hours
    ), f"inside one attendance block, not across the break: {heat_start}-{heat_end}"
    assert heat_start.date() == monday.date(), "the same Monday, after the break"


def test_first_schedule_and_optimizer_read_a_two_week_calendar_alike(
    admin: JsonRpcTransport, bot: JsonRpcTransport
) -> None:
    """The first schedule (Odoo) and the optimizer (connector) read working time the same way:
    both weeks of a two-week calendar, breaks, a public holiday. An order's tasks, without
    people to wait for and with no earlier plan to keep, get the same dates from both."""
    (company,) = admin.call(
        "res.company", "search_read", [], {"domain": [], "fields": ["resource_calendar_id"]}
    )
    before = company["resource_calendar_id"][0]
    tz = ZoneInfo("Asia/Shanghai")
    # A Monday of the second week type (Odoo's parity), three weeks ahead, at local midnight:
    # a reader of the first week only would plan that week by the other week's hours.
    monday = datetime.now(tz).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    monday += timedelta(days=21 - monday.weekday())
    if (monday.toordinal() - 1) // 7 % 2 != 1:
        monday += timedelta(days=7)
    rows = []
    for week, days, (start, end) in (("0", range(5), (8, 17)), ("1", range(6), (9, 16))):
        for day in days:
            rows.append(
                [
                    0,
                    0,
                    {
                        "name": f"w{week} d{day} am",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": 12,
                        "week_type": week,
                    },
                ]
            )
            rows.append([0, 0, {"name": f"w{week} d{day} lunch", "dayofweek": str(day),
                                "hour_from": 12, "hour_to": 13, "week_type": week,
                                "day_period": "lunch"}])  # fmt: skip
            rows.append([0, 0, {"name": f"w{week} d{day} pm", "dayofweek": str(day),
                                "hour_from": 13, "hour_to": end, "week_type": week}])  # fmt: skip
    calendar = create(
        admin,
        "resource.calendar",
        {"name": "Two-week shop (Shanghai)", "tz": "Asia/Shanghai", "two_weeks_calendar": True,
         "attendance_ids": [[5, 0, 0], *rows]},
    )  # fmt: skip
    holiday = monday + timedelta(days=9)  # the Wednesday of the next (first-type) week
    create(
        admin,
        "resource.calendar.leaves",
        {"name": "Shop holiday", "calendar_id": calendar, "resource_id": False,
         "date_from": utc_text(holiday, tz), "date_to": utc_text(holiday + timedelta(1), tz)},
    )  # fmt: skip
    admin.call("res.company", "write", [[company["id"]], {"resource_calendar_id": calendar}])
    try:
        order, (project,) = confirm_order(
            admin, "Two-week customer", "Portal, two-week shop", 9000.0, "2030-01-31 00:00:00"
        )
        tasks = read_tasks(admin, project["id"])
        leaves = sorted(t for t, r in tasks.items() if not r["is_wbs_phase"])
        # Nobody to wait for: the tasks need only working time.
        admin.call("project.task", "write", [leaves, {"user_ids": [[5, 0, 0]], "skill_id": False}])
        # The first schedule from that Monday's local midnight.
        start = monday.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)
        admin.call("sale.order", "write", [[order], {"date_order": start.isoformat(" ")}])
        admin.call("project.project", "action_order_forward_schedule", [[project["id"]]])
        first = {t: (r["planned_start"], r["planned_end"]) for t, r in read_tasks(admin, project["id"]).items() if t in leaves}  # fmt: skip
        assert all(s and e for s, e in first.values()), first

        def local(text: str) -> datetime:
            return (
                parse_datetime(text)
                .replace(tzinfo=timezone.utc)
                .astimezone(tz)
                .replace(tzinfo=None)
            )

        starts = sorted(local(s) for s, _e in first.values())
        ends = sorted(local(e) for _s, e in first.values())
        span = f"{starts[0]} .. {ends[-1]}"
        assert starts[0] == monday + timedelta(hours=9), f"that week's hours (9-16): {span}"
        assert not any(s.date() == holiday.date() for s in starts), f"not on the holiday: {span}"
        assert ends[-1] > holiday + timedelta(days=1), f"the work runs past the holiday: {span}"
        # The optimizer plans the same tasks from the same moment, with no earlier plan.
        admin.call(
            "project.task", "write", [leaves, {"planned_start": False, "planned_end": False}]
        )
        result = replan(bot, [project["id"]], time_limit=3, plan_id="e2e-two-week", start=start)
        assert result["applied"] == len(leaves) and result["conflicts"] == [], result
        planned = {t: (r["planned_start"], r["planned_end"]) for t, r in read_tasks(admin, project["id"]).items() if t in leaves}  # fmt: skip
        assert planned == first, "the optimizer's dates are the first schedule's"
    finally:
        admin.call("res.company", "write", [[company["id"]], {"resource_calendar_id": before}])


def utc_text(local: datetime, tz: ZoneInfo) -> str:
    """A naive local datetime of `tz` as Odoo's naive UTC text."""
    return local.replace(tzinfo=tz).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
