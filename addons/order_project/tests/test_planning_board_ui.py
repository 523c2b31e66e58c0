import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from ..tools import optimizer_client
from .common import OrderProjectCommon

HOOT_SUITE = "/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&tag=order_project"


class StandInOptimizer:
    """The optimizer service as Odoo sees it: it accepts ``POST /v1/odoo/replan`` (checking
    the key and the body the real service reads), answers 202 with a job id, then applies a
    plan over Odoo's JSON-RPC as the bot user, as the real service does after solving. Its
    plan puts ``successor`` back after ``predecessor``."""

    def __init__(self, odoo_url, database, bot, successor, predecessor, cookies):
        self.odoo_url = odoo_url
        # the service signs in with the bot user's API key, as the real one does
        self.key = (
            bot.env["res.users.apikeys"].with_user(bot).sudo()._generate("rpc", "stand-in", None)
        )
        self.cookies = cookies
        self.database = database
        self.bot = bot
        self.successor = successor
        self.predecessor = predecessor
        self.requests = []
        self.errors = []
        self.appliers = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append((self.path, self.headers.get("Authorization"), body))
                ok = (
                    self.path == "/v1/odoo/replan"
                    and self.headers.get("Authorization") == "Bearer stand-in-key"
                    and set(body) == {"database", "plan_id", "project_ids"}
                )
                self.send_response(202 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"job_id": "stand-in-1"}).encode())
                if ok:
                    applier = threading.Thread(target=stand_in.apply, args=(body,), daemon=True)
                    stand_in.appliers.append(applier)
                    applier.start()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _call(self, model, method, *args):
        response = requests.post(
            f"{self.odoo_url}/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [self.database, self.bot.id, self.key, model, method, list(args)],
                },
            },
            timeout=60,
            cookies=self.cookies(),
        ).json()
        if "error" in response:
            raise RuntimeError(response["error"])
        return response["result"]

    def apply(self, request):
        try:
            tasks = self._call(
                "project.task",
                "read",
                [self.successor.id, self.predecessor.id],
                ["planned_start", "planned_end", "write_date"],
            )
            succ, pred = sorted(tasks, key=lambda t: t["id"] != self.successor.id)
            hours = fields.Datetime.from_string(succ["planned_end"]) - fields.Datetime.from_string(
                succ["planned_start"]
            )
            start = fields.Datetime.from_string(pred["planned_end"])
            self._call(
                "order.planning.run",
                "apply_schedule",
                {
                    "plan_id": request["plan_id"],
                    "status": "FEASIBLE",
                    "tasks": [
                        {
                            "task_id": succ["id"],
                            "write_date": succ["write_date"],
                            "planned_start": fields.Datetime.to_string(start),
                            "planned_end": fields.Datetime.to_string(start + hours),
                        }
                    ],
                },
            )
        except Exception as error:  # noqa: BLE001 (reported by the test)
            self.errors.append(repr(error))

    def stop(self):
        for applier in self.appliers:
            applier.join(timeout=60)
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestPlanningBoardUi(HttpCase, OrderProjectCommon):
    """The board in headless Chromium: its Hoot unit tests, and a planner's tour."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.resource_calendar_id = cls.calendar
        cls._setup_confirmed_order(commitment_date=fields.Datetime.now() + timedelta(days=200))
        cls.successor = cls.tasks.filtered("depend_on_ids")[:1]
        cls.predecessor = cls.successor.depend_on_ids[:1]
        cls.successor.name = "Board successor"
        cls.predecessor.name = "Board predecessor"
        others = cls.tasks - cls.successor - cls.predecessor
        cls.welder = new_test_user(cls.env, login="op_board_welder", groups="base.group_user")
        cls.welder.name = "Board Welder"
        cls.env["hr.employee"].create(
            {
                "name": "Board Welder",
                "user_id": cls.welder.id,
                "resource_calendar_id": cls.calendar.id,
            }
        )
        start = cls.predecessor.planned_start
        for task in others[:2]:
            task.write(
                {
                    "name": "Board overlap",
                    "planned_start": start,
                    "planned_end": start + timedelta(days=1),
                    "planning_user_ids": [Command.set(cls.welder.ids)],
                }
            )

    def test_hoot_unit_tests(self):
        """The board's logic and component tests (static/tests/planning_board.test.js)."""
        with self.assertLogs(self._logger.getChild("browser"), level="INFO") as logs:
            try:
                self.browser_js(
                    HOOT_SUITE,
                    "",
                    "",
                    login="admin",
                    timeout=600,
                    success_signal="[HOOT] test suite succeeded",
                    error_checker=lambda message: "[HOOT]" not in message,
                )
            finally:
                # what the browser said, which assertLogs keeps from the test log
                for line in logs.output:
                    self._logger.info("%s", line[:2000])
        passed = [
            int(match.group(1))
            for line in logs.output
            if (match := re.search(r"passed (\d+) tests", line))
        ]
        self.assertTrue(passed, "Hoot reports how many tests passed.")
        self.assertGreaterEqual(passed[0], 15, "Every test of the file ran, none was filtered out.")

    def test_planner_tour(self):
        params = self.env["ir.config_parameter"].sudo()
        service = StandInOptimizer(
            self.base_url(),
            self.env.cr.dbname,
            self.bot,
            self.successor,
            self.predecessor,
            # the test server serves a request in the test's transaction only with its key
            cookies=lambda: {TEST_CURSOR_COOKIE_NAME: self.http_request_key},
        )
        self.addCleanup(service.stop)
        params.set_param("order_project.optimizer_url", service.url)
        params.set_param("order_project.optimizer_key", "stand-in-key")
        dispatch = self.env.ref("order_project.ir_cron_dispatch_planning_runs")
        trigger = type(self.env["ir.cron"])._trigger

        def trigger_now(cron, at=None):
            # no cron thread runs in tests: the dispatch runs at once, as the cron would
            if cron == dispatch:
                return cron.env["order.planning.run"].sudo()._cron_dispatch_queued_runs()
            return trigger(cron, at)

        self.patch(type(self.env["ir.cron"]), "_trigger", trigger_now)
        # Odoo's test harness takes only a number for a request's timeout, not requests'
        # (connect, read) pair
        self.patch(optimizer_client, "REPLAN_TIMEOUT", 10)
        try:
            self.start_tour(
                "/odoo", "order_project_planning_board", login="op_planner", timeout=180
            )
        finally:
            service.stop()
            self._logger.info("stand-in service: %s, errors %s", service.requests, service.errors)
        self.assertEqual(service.errors, [])
        self.assertEqual(len(service.requests), 1, "One re-optimization, for what was shown.")
        self.assertEqual(service.requests[0][2]["project_ids"], self.project.ids)
        run = self.env["order.planning.run"].search(
            [("plan_id", "=", service.requests[0][2]["plan_id"])]
        )
        self.assertEqual(run.state, "done")
        self.successor.invalidate_recordset()
        self.assertFalse(self.successor.planning_pinned, "Unpinned on the board.")
        self.assertGreaterEqual(
            self.successor.planned_start,
            self.predecessor.planned_end,
            "The applied plan put it back after its predecessor.",
        )
        moved = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.res_id", "=", self.successor.id),
                ("field_id.name", "=", "planning_pinned"),
            ]
        )
        self.assertEqual(len(moved), 2, "Pinned by the drag, then unpinned: both tracked.")
