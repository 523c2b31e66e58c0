"""The Odoo connector's transport and reader against a LOCAL FAKE SERVER on 127.0.0.1 that
speaks only the protocol surface used here: Odoo's JSON-RPC ``POST /jsonrpc``
(``common.authenticate`` and ``object.execute_kw``, errors as Odoo 18 serialises them in
``odoo.http.JsonRPCDispatcher.handle_error``) and the Odoo 19 JSON-2 ``POST /json/2/<model>/
<method>``. It is not Odoo: tests/test_e2e_odoo.py runs the connector against a real Odoo 18.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from optimizer.odoo import (
    Json2Transport,
    JsonRpcTransport,
    OdooAccessError,
    OdooConnectionError,
    OdooNotFoundError,
    OdooServerError,
    OdooValidationError,
    ReplanError,
    ReplanStopped,
    Transport,
    read_snapshot,
    replan,
)
from optimizer.odoo.reader import search_read_all
from tests.odoo_server import free_port

KEY = "5ecret0ab1e5c0ffee5ecret0ab1e5c0ffee0000"
Handler = Callable[[str, dict[str, Any], dict[str, str]], tuple[int, Any]]


class FakeOdoo:
    """Records every request; `handle` decides each answer (status, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.handle: Handler = self.default

    def default(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        params = body.get("params", {})
        if params.get("service") == "common" and params.get("method") == "authenticate":
            db, login, key, _env = params["args"]
            return 200, rpc_result(7 if (login, key) == ("bot", KEY) else False)
        if params.get("service") == "object":
            _db, _uid, _key, model, method, args, kwargs = params["args"]
            return 200, rpc_result({"model": model, "method": method, "kwargs": kwargs})
        return 404, {"error": "unexpected"}

    def count(self, rpc_method: str) -> int:
        return sum(
            1 for _p, b, _h in self.requests if b.get("params", {}).get("method") == rpc_method
        )


def rpc_result(result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "result": result}


def rpc_error(name: str, message: str, code: int = 200) -> dict[str, Any]:
    """An error as Odoo 18's JsonRPCDispatcher.handle_error answers it (HTTP 200)."""
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {
            "code": code,
            "message": "Odoo Server Error",
            "data": {
                "name": name,
                "debug": "Traceback (most recent call last): ...",
                "message": message,
                "arguments": [message],
                "context": {},
            },
        },
    }


@pytest.fixture
def fake_odoo() -> Iterator[tuple[str, FakeOdoo]]:
    fake = FakeOdoo()

    class RequestHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append((self.path, body, headers))
            status, answer = fake.handle(self.path, body, headers)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fake
    finally:
        server.shutdown()
        server.server_close()


def transport(url: str, **options: Any) -> JsonRpcTransport:
    return JsonRpcTransport(
        url, "prod", "bot", KEY, timeout=5, retries=2, sleep=lambda s: None, **options
    )


def test_authenticates_once_and_calls_execute_kw(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, fake = fake_odoo
    odoo = transport(url)
    answer = odoo.call("project.task", "search_read", [], {"domain": [], "limit": 2})
    odoo.call("project.task", "search_read", [], {"domain": []})
    assert answer == {
        "model": "project.task",
        "method": "search_read",
        "kwargs": {"domain": [], "limit": 2},
    }
    assert fake.count("authenticate") == 1, "the uid is fetched once"
    path, body, _ = fake.requests[1]
    assert path == "/jsonrpc"
    assert body["params"]["args"][:3] == ["prod", 7, KEY], "execute_kw(db, uid, key, ...)"


def test_retries_502_with_backoff_then_succeeds(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, fake = fake_odoo
    failures = iter([502, 502])
    delays: list[float] = []

    def flaky(path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        status = next(failures, None)
        return (status, {"error": "bad gateway"}) if status else fake.default(path, body, headers)

    fake.handle = flaky
    odoo = JsonRpcTransport(url, "prod", "bot", KEY, retries=3, backoff=0.5, sleep=delays.append)
    assert odoo.authenticate() == 7
    assert delays == [0.5, 1.0], "exponential backoff"
    assert len(fake.requests) == 3


def test_gives_up_after_the_retries_on_5xx(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, fake = fake_odoo
    fake.handle = lambda p, b, h: (503, {"error": "maintenance"})
    with pytest.raises(OdooServerError, match=r"res.users.authenticate: HTTP 503") as info:
        transport(url).authenticate()
    assert info.value.status == 503
    assert len(fake.requests) == 3, "one call and two retries"


def test_no_retry_on_403(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, fake = fake_odoo
    fake.handle = lambda p, b, h: (403, {"error": "forbidden"})
    with pytest.raises(OdooAccessError) as info:
        transport(url).authenticate()
    assert len(fake.requests) == 1, "4xx is never retried"
    assert info.value.status == 403


def test_refused_key_is_an_access_error(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, _ = fake_odoo
    odoo = JsonRpcTransport(url, "prod", "bot", "wrong-key", sleep=lambda s: None)
    with pytest.raises(OdooAccessError, match="login 'bot' refused"):
        odoo.call("project.task", "search_read", [], {})


@pytest.mark.parametrize(
    ("name", "message", "error"),
    [
        ("odoo.exceptions.AccessError", "Only planners may apply a schedule.", OdooAccessError),
        ("odoo.exceptions.AccessDenied", "Access Denied", OdooAccessError),
        ("odoo.exceptions.ValidationError", "Invalid schedule: tasks[0]", OdooValidationError),
        ("odoo.exceptions.UserError", "Set the optimizer URL", OdooValidationError),
        ("odoo.exceptions.MissingError", "Record does not exist", OdooNotFoundError),
        ("odoo.exceptions.UserError", "Object order.planning.run doesn't exist", OdooNotFoundError),
        (
            "builtins.AttributeError",
            "The method 'x.apply_schedule' does not exist",
            OdooNotFoundError,
        ),
        ("builtins.ValueError", "Invalid field 'nope'", OdooServerError),
    ],
)
def test_odoo_errors_name_the_model_and_method(
    fake_odoo: tuple[str, FakeOdoo], name: str, message: str, error: type[Exception]
) -> None:
    url, fake = fake_odoo

    def refuse(path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        if body["params"]["service"] == "object":
            return 200, rpc_error(name, message)
        return fake.default(path, body, headers)

    fake.handle = refuse
    with pytest.raises(error) as info:
        transport(url).call("order.planning.run", "apply_schedule", [], {"payload": {}})
    text = str(info.value)
    assert text.startswith("Odoo order.planning.run.apply_schedule: "), text
    assert message in text
    assert (info.value.model, info.value.method, info.value.odoo_name) == (
        "order.planning.run",
        "apply_schedule",
        name,
    )
    assert fake.count("execute_kw") == 1, "errors Odoo reported are not retried"


def test_http_404_and_422_are_classified(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, fake = fake_odoo
    fake.handle = lambda p, b, h: (404, {"error": "no such route"})
    with pytest.raises(OdooNotFoundError):
        transport(url).authenticate()
    fake.handle = lambda p, b, h: (422, "got an unexpected keyword argument 'x'")
    with pytest.raises(OdooValidationError, match="unexpected keyword"):
        transport(url).authenticate()


def test_connection_errors_are_retried_then_reported() -> None:
    delays: list[float] = []
    odoo = JsonRpcTransport(
        f"http://127.0.0.1:{free_port()}", "prod", "bot", KEY, retries=2, sleep=delays.append
    )
    with pytest.raises(OdooConnectionError, match="after 3 attempt"):
        odoo.authenticate()
    assert len(delays) == 2


def test_the_key_never_leaks(
    fake_odoo: tuple[str, FakeOdoo], caplog: pytest.LogCaptureFixture
) -> None:
    url, fake = fake_odoo
    caplog.set_level(logging.DEBUG)
    # A server that echoes the credentials it was sent in its error texts.
    fake.handle = lambda p, b, h: (200, rpc_error("odoo.exceptions.AccessDenied", f"bad key {b}"))
    odoo = transport(url)
    with pytest.raises(OdooAccessError) as info:
        odoo.authenticate()
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert "***" in str(info.value)
    assert KEY not in repr(odoo) and KEY not in str(vars(odoo))
    fake.handle = lambda p, b, h: (502, {"error": f"proxy saw {b}"})
    with pytest.raises(OdooServerError) as info:
        odoo.authenticate()
    assert KEY not in str(info.value)
    refused = JsonRpcTransport(
        f"http://127.0.0.1:{free_port()}", "prod", "bot", KEY, retries=1, sleep=lambda s: None
    )
    with pytest.raises(OdooConnectionError) as info:
        refused.authenticate()
    assert KEY not in str(info.value)
    assert KEY not in caplog.text
    assert "retry 1/2" in caplog.text


def test_json2_sends_named_parameters_with_a_bearer_key(fake_odoo: tuple[str, FakeOdoo]) -> None:
    url, fake = fake_odoo
    fake.handle = lambda p, b, h: (200, [{"id": 3, "name": "x"}])
    odoo = Json2Transport(url, "prod", KEY, sleep=lambda s: None)
    assert odoo.call("project.task", "read", [[3]], {"fields": ["name"]}) == [
        {"id": 3, "name": "x"}
    ]
    path, body, headers = fake.requests[0]
    assert path == "/json/2/project.task/read"
    assert body == {"ids": [3], "fields": ["name"]}
    assert headers["authorization"] == f"bearer {KEY}"
    assert headers["x-odoo-database"] == "prod"
    fake.handle = lambda p, b, h: (
        422,
        {"name": "odoo.exceptions.ValidationError", "message": "Invalid schedule", "arguments": []},
    )
    with pytest.raises(
        OdooValidationError, match=r"order.planning.run.apply_schedule: HTTP 422: Invalid"
    ):
        odoo.call("order.planning.run", "apply_schedule", [], {"payload": {}})
    fake.handle = lambda p, b, h: (
        401,
        {"name": "werkzeug.exceptions.Unauthorized", "message": f"{h}"},
    )
    with pytest.raises(OdooAccessError) as info:
        odoo.call("project.task", "search_read", [], {})
    assert KEY not in str(info.value)
    with pytest.raises(TypeError, match="by name"):
        odoo.call("project.task", "search_read", [[("id", ">", 0)], ["name"]])


class MemoryOdoo(Transport):
    """An in-memory stand-in for the few model methods the connector calls: ``search_read``
    (domains with ``|``/``&`` and ``in = != > <`` terms) and ``apply_schedule``."""

    def __init__(self, records: dict[str, list[dict[str, Any]]]) -> None:
        self.records = records
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def call(
        self, model: str, method: str, args: Any = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        kwargs = dict(kwargs or {})
        self.calls.append((model, method, kwargs))
        if method == "apply_schedule":
            tasks = kwargs["payload"]["tasks"]
            return {
                "plan_id": kwargs["payload"]["plan_id"],
                "run_id": 1,
                "already_applied": False,
                "applied": len(tasks),
                "conflicts": [],
            }
        assert method == "search_read" and kwargs["order"] == "id"
        rows = [r for r in self.records.get(model, []) if self._match(r, kwargs["domain"])]
        rows.sort(key=lambda r: r["id"])
        return rows[kwargs["offset"] : kwargs["offset"] + kwargs["limit"]]

    @staticmethod
    def _match(row: dict[str, Any], domain: list[Any]) -> bool:
        """Odoo's prefix-notation domain on one stored row; a field the row lacks (or a
        dotted path) matches anything."""
        tokens = list(domain)

        def term(name: str, op: str, value: Any) -> bool:
            if name not in row:
                return True
            own = row[name]
            own = own[0] if isinstance(own, list) and own and op != "in" else own
            if isinstance(own, list) and op == "in":
                own = own[0] if own else False
            ops = {
                "in": lambda: own in value,
                "=": lambda: own == value,
                "!=": lambda: own != value,
                ">": lambda: own > value,
                "<": lambda: own < value,
            }
            return ops[op]()

        def parse() -> bool:
            token = tokens.pop(0)
            if token in ("|", "&"):
                left, right = parse(), parse()
                return (left or right) if token == "|" else (left and right)
            return term(*token)

        result = True
        while tokens:
            result = parse() and result
        return result

    def applied(self) -> list[dict[str, Any]]:
        return [c[2]["payload"] for c in self.calls if c[1] == "apply_schedule"]


def test_reader_pages_and_reads_by_id_lists() -> None:
    projects = [
        {"id": p, "name": f"P{p}", "order_commitment_date": False, "order_priority": "0"}
        for p in (1, 2, 3)
    ]
    tasks = [
        {
            "id": t,
            "name": f"T{t}",
            "project_id": [1 + t % 3, "P"],
            "depend_on_ids": [t - 1] if t > 1 else [],
            "write_date": "2026-11-24 10:00:00",
            "duration_hours": 1.0,
        }
        for t in range(1, 12)
    ]
    odoo = MemoryOdoo({"project.project": projects, "project.task": tasks, "order.task.lag": []})
    snap = read_snapshot(odoo, page_size=4)
    assert [p["id"] for p in snap.projects] == [1, 2, 3]
    assert sorted(t["id"] for t in snap.tasks) == list(range(1, 12))
    task_pages = [c for c in odoo.calls if c[0] == "project.task"]
    assert len(task_pages) == 3, "11 tasks in pages of 4"
    assert all(c[2]["domain"] == [["project_id", "in", [1, 2, 3]]] for c in task_pages)
    assert snap.calls == len(odoo.calls)
    rows, calls = search_read_all(odoo, "project.task", [], ["id"], page_size=11)
    assert (len(rows), calls) == (11, 2), "a full last page needs one more, empty, page"


SHANGHAI = "Asia/Shanghai"
WRITE = "2026-11-24 10:00:00"


def shop_floor(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One order of My Company on a Shanghai 8-12 / 13-17 calendar with a public holiday on
    Tuesday 1 December 2026; Li (user 7, welder at 75%, on leave Wednesday) and Wang (user 8,
    welder at 25%)."""
    attendances = []
    for day in range(5):
        for k, (start, end, period) in enumerate(
            [(8, 12, "morning"), (12, 13, "lunch"), (13, 17, "afternoon")]
        ):
            attendances.append(
                {
                    "id": 10 * day + k + 1,
                    "calendar_id": [1, "Standard"],
                    "dayofweek": str(day),
                    "hour_from": float(start),
                    "hour_to": float(end),
                    "day_period": period,
                    "week_type": False,
                    "date_from": False,
                    "date_to": False,
                    "display_type": False,
                    "resource_id": False,
                }
            )
    people = [(21, 7, 501, "Li"), (22, 8, 502, "Wang")]
    return {
        "project.project": [
            {
                "id": 1,
                "name": "S00001",
                "order_commitment_date": "2026-12-10 09:00:00",
                "order_priority": "1",
                "company_id": [1, "My Company"],
            }
        ],
        "project.task": [
            {
                "project_id": [1, "S00001"],
                "write_date": WRITE,
                "state": "01_in_progress",
                "company_id": [1, "My Company"],
                "headcount": 1,
                **t,
            }
            for t in tasks
        ],
        "res.company": [{"id": 1, "name": "My Company", "resource_calendar_id": [1, "Std"]}],
        "resource.calendar": [
            {
                "id": 1,
                "name": "Standard 40 hours/week",
                "tz": SHANGHAI,
                "two_weeks_calendar": False,
                "company_id": [1, "My Company"],
                "flexible_hours": False,
            }
        ],
        "resource.calendar.attendance": attendances,
        "resource.calendar.leaves": [
            {
                "id": 1,
                "name": "Public holiday",
                "date_from": "2026-11-30 16:00:00",
                "date_to": "2026-12-01 16:00:00",
                "resource_id": False,
                "calendar_id": [1, "Standard"],
                "company_id": [1, "My Company"],
            },
            {
                "id": 2,
                "name": "Li's leave",
                "date_from": "2026-12-01 16:00:00",
                "date_to": "2026-12-02 16:00:00",
                "resource_id": [501, "Li"],
                "calendar_id": [1, "Standard"],
                "company_id": [1, "My Company"],
            },
        ],
        "hr.employee.public": [
            {
                "id": eid,
                "name": name,
                "user_id": [uid, name],
                "resource_id": [rid, name],
                "resource_calendar_id": [1, "Standard"],
                "tz": SHANGHAI,
                "company_id": [1, "My Company"],
            }
            for eid, uid, rid, name in people
        ],
        "hr.employee.skill": [
            {
                "id": 1,
                "employee_id": [21, "Li"],
                "skill_id": [5, "Welding"],
                "skill_level_id": [8, "Senior"],
                "skill_type_id": [3, "Trades"],
                "level_progress": 75,
            },
            {
                "id": 2,
                "employee_id": [22, "Wang"],
                "skill_id": [5, "Welding"],
                "skill_level_id": [7, "Junior"],
                "skill_type_id": [3, "Trades"],
                "level_progress": 25,
            },
        ],
        "hr.skill.level": [
            {"id": 7, "name": "Junior", "level_progress": 25, "skill_type_id": [3, "Trades"]},
            {"id": 8, "name": "Senior", "level_progress": 75, "skill_type_id": [3, "Trades"]},
        ],
    }


def local(text: str) -> datetime:
    """An Odoo UTC datetime text in Shanghai time."""
    return (
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        .replace(tzinfo=ZoneInfo("UTC"))
        .astimezone(ZoneInfo(SHANGHAI))
    )


def test_replan_plans_on_calendars_with_skills_and_writes_back_once() -> None:
    tasks = [
        {"id": 1, "name": "Cut", "duration_hours": 8.0, "depend_on_ids": []},
        {
            "id": 2,
            "name": "Weld",
            "duration_hours": 4.0,
            "depend_on_ids": [1],
            "skill_id": [5, "Welding"],
            "skill_level_id": [8, "Senior"],
        },
        {"id": 3, "name": "Paint", "duration_hours": 2.0, "depend_on_ids": [2], "user_ids": [8]},
    ]
    odoo = MemoryOdoo(shop_floor(tasks))
    # Monday 30 November 2026, 08:00 in Shanghai
    result = replan(odoo, [1], time_limit=1, plan_id="job-1", start=datetime(2026, 11, 30, 0))
    (payload,) = odoo.applied()
    assert payload["plan_id"] == "job-1" and result["applied"] == 3
    rows = {row["task_id"]: row for row in payload["tasks"]}
    cut, weld, paint = (rows[i] for i in (1, 2, 3))
    assert (local(cut["planned_start"]).hour, local(cut["planned_end"]).hour) == (8, 17), (
        "8 working hours around the lunch break"
    )
    assert local(weld["planned_start"]) == datetime(2026, 12, 3, 8, tzinfo=ZoneInfo(SHANGHAI)), (
        "Tuesday is a public holiday, Wednesday the only senior welder is on leave"
    )
    assert weld["user_ids"] == [7], "the qualified person"
    assert paint["planned_start"] >= weld["planned_end"] and paint["user_ids"] == [8]
    models = [c[0] for c in odoo.calls]
    for model in ("hr.employee.public", "hr.employee.skill", "resource.calendar.leaves"):
        assert model in models
    (leaves_read,) = [c[2] for c in odoo.calls if c[0] == "resource.calendar.leaves"]
    assert ["time_type", "=", "leave"] in leaves_read["domain"]
    assert ["date_to", ">", "2026-11-30 00:00:00"] in leaves_read["domain"]


def test_replan_refuses_to_write_what_cannot_be_planned() -> None:
    tasks = [
        {
            "id": 1,
            "name": "Weld",
            "duration_hours": 4.0,
            "depend_on_ids": [],
            "skill_id": [5, "Welding"],
            "skill_level_id": [8, "Senior"],
            "headcount": 2,
        }
    ]
    odoo = MemoryOdoo(shop_floor(tasks))
    with pytest.raises(ReplanError, match=r"needs 2 people with Welding at level >= 75%"):
        replan(odoo, [1], time_limit=1, plan_id="job-2", start=datetime(2026, 11, 30, 0))
    assert odoo.applied() == [], "nothing written"


def test_replan_reports_any_other_failure_to_odoo() -> None:
    """Odoo refusing a read (here an addon older than the optimizer, without a field it
    reads) ends the plan: the run Odoo queued is marked failed with the reason, not left
    running for ever, and the error still reaches the caller."""

    class OldAddon(MemoryOdoo):
        def call(self, model, method, args=(), kwargs=None):  # type: ignore[no-untyped-def]
            if model == "order.task.lag":
                self.calls.append((model, method, dict(kwargs or {})))
                raise OdooServerError(
                    "column order_task_lag.dependency_type does not exist",
                    model=model,
                    method=method,
                )
            return super().call(model, method, args, kwargs)

    tasks = [{"id": 1, "name": "Cut", "duration_hours": 8.0, "depend_on_ids": []}]
    odoo = OldAddon(shop_floor(tasks))
    with pytest.raises(OdooServerError, match="dependency_type"):
        replan(odoo, [1], time_limit=1, plan_id="job-4", start=datetime(2026, 11, 30, 0))
    (failed,) = [c[2] for c in odoo.calls if c[1] == "mark_failed"]
    assert failed["plan_id"] == "job-4"
    assert "dependency_type does not exist" in failed["message"]
    assert odoo.applied() == [], "nothing written"


def test_replan_stopped_by_its_caller_writes_nothing_and_reports_nothing() -> None:
    """A worker giving its job back (shutdown, lost lease) stops the solve through
    `should_stop`: no plan from a cut-short solve is written, no failure is reported to Odoo
    (the next attempt plans again under the same plan id)."""
    tasks = [{"id": 1, "name": "Cut", "duration_hours": 8.0, "depend_on_ids": []}]
    odoo = MemoryOdoo(shop_floor(tasks))
    asked: list[bool] = []

    def should_stop() -> bool:
        asked.append(True)
        return True

    with pytest.raises(ReplanStopped, match="nothing written"):
        replan(
            odoo,
            [1],
            time_limit=5,
            plan_id="job-3",
            start=datetime(2026, 11, 30, 0),
            workers=1,
            should_stop=should_stop,
        )
    assert asked, "the solve asked its caller"
    assert odoo.applied() == [], "nothing written"
    assert not [c for c in odoo.calls if c[1] == "mark_failed"], "nothing reported"
