import json

from odoo.tests import HttpCase, tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestApplyScheduleJsonRpc(OrderProjectCommon, HttpCase):
    """The optimizer's real path: JSON-RPC ``execute_kw`` with the bot's API key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        order = cls._create_order()
        order.action_confirm()
        cls.task = order.delivery_project_ids.task_ids.filtered(lambda t: not t.is_wbs_phase)[:1]
        cls.api_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.bot)
            .sudo()
            ._generate(None, "optimizer", None)
        )

    def _execute_kw(self, login, key, model, method, args):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.env.cr.dbname, self._uid_of(login), key, model, method, args],
            },
        }
        response = self.url_open(
            "/jsonrpc", data=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        return response.json()

    def _uid_of(self, login):
        return self.env["res.users"].search([("login", "=", login)]).id

    def test_bot_applies_a_plan_over_jsonrpc(self):
        rows = self._execute_kw(
            "op_bot", self.api_key, "project.task", "read", [[self.task.id], ["write_date"]]
        )["result"]
        payload = {
            "plan_id": "rpc-plan-1",
            "status": "OPTIMAL",
            "tasks": [
                {
                    "task_id": self.task.id,
                    "write_date": rows[0]["write_date"],
                    "planned_start": "2031-03-03 08:00:00",
                    "planned_end": "2031-03-03 12:00:00",
                    "critical": True,
                }
            ],
        }
        answer = self._execute_kw(
            "op_bot", self.api_key, "order.planning.run", "apply_schedule", [payload]
        )
        result = answer.get("result")
        self.assertTrue(result, f"apply_schedule answers over JSON-RPC: {answer}")
        self.assertEqual(result["applied"], 1)
        self.assertFalse(result["already_applied"])
        self.task.invalidate_recordset()
        self.assertEqual(self._fmt(self.task.planned_start), "2031-03-03 08:00:00")

    def test_refusal_reaches_the_caller_as_an_access_error(self):
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.salesman)
            .sudo()
            ._generate(None, "not a bot", None)
        )
        answer = self._execute_kw(
            "op_salesman",
            key,
            "order.planning.run",
            "apply_schedule",
            [{"plan_id": "x", "tasks": []}],
        )
        self.assertEqual(
            answer["error"]["data"]["name"],
            "odoo.exceptions.AccessError",
            "A caller outside Planner/bot gets an AccessError, not a silent no-op.",
        )
