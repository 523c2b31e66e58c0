from unittest.mock import MagicMock, patch

import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import OrderProjectCommon

POST = "odoo.addons.order_project.tools.optimizer_client.requests.post"


@tagged("post_install", "-at_install")
class TestReoptimize(OrderProjectCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_confirmed_order()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("order_project.optimizer_url", "http://optimizer.test:8090/")
        params.set_param("order_project.optimizer_key", "s3cret")

    def _answer(self, status=202, body=None):
        response = MagicMock()
        response.status_code = status
        response.content = b"{}"
        response.json.return_value = body or {"job_id": "job-1"}
        if status >= 400:
            response.raise_for_status.side_effect = requests.HTTPError(f"{status} error")
        return response

    def _dispatch(self):
        return self.env["order.planning.run"]._cron_dispatch_queued_runs()

    def test_reoptimize_queues_a_run_and_calls_the_service(self):
        with patch(POST, return_value=self._answer()) as post:
            action = self.project.with_user(self.planner).action_order_reoptimize()
            run = self.env["order.planning.run"].browse(action["res_id"])
            self.assertEqual(run.state, "queued", "The click returns at once with a queued run.")
            self.assertFalse(post.called, "The service is called after commit, by the cron.")
            self.assertEqual(self._dispatch(), 1)
        self.assertEqual(run.state, "running", "The service accepted the job; the run shows it.")
        self.assertEqual(run.job_id, "job-1")
        self.assertEqual(run.user_id, self.planner)
        self.assertEqual(run.project_ids, self.project)
        url = post.call_args.args[0]
        kwargs = post.call_args.kwargs
        self.assertEqual(url, "http://optimizer.test:8090/v1/odoo/replan")
        self.assertEqual(kwargs["headers"]["Authorization"], "Bearer s3cret")
        self.assertEqual(
            kwargs["json"],
            {
                "database": self.env.cr.dbname,
                "plan_id": run.plan_id,
                "project_ids": self.project.ids,
            },
            "Only what the service uses: the run's projects, its plan id, the database.",
        )
        self.assertTrue(kwargs["timeout"], "The call never blocks without a timeout.")

    def test_service_down_marks_the_run_failed_and_retry_works(self):
        with patch(POST, side_effect=requests.ConnectionError("refused")):
            action = self.order.with_user(self.planner).action_order_reoptimize()
            self._dispatch()
        run = self.env["order.planning.run"].browse(action["res_id"])
        self.assertEqual(
            run.state, "failed", "An unreachable service fails the run, not the click."
        )
        self.assertIn("refused", run.message)
        failed = self.env.ref("order_project.mt_planning_run_failed")
        notice = run.message_ids.filtered(lambda m: m.subtype_id == failed)
        self.assertEqual(len(notice), 1, "Followers of failed runs hear of it once.")
        self.assertIn("refused", notice.body)
        self.env["res.lang"]._activate_lang("zh_CN")
        chinese = run.with_context(lang="zh_CN").failure_text
        self.assertIn("优化器服务", chinese, "The failure reads in the reader's language...")
        self.assertIn("http://optimizer.test:8090", chinese, "...naming the service it tried")
        with patch(POST, return_value=self._answer()):
            run.with_user(self.planner).action_retry()
            self.assertEqual(run.state, "queued")
            self._dispatch()
        self.assertEqual(run.state, "running")

    def test_the_cron_sends_one_run_per_call_and_odoo_commits_between(self):
        """As Odoo's batched crons: one run per call, the rest reported as remaining, so the
        cron commits after each accepted run and calls again (no commit of its own)."""
        with patch(POST, return_value=self._answer()) as post:
            first = self.project.with_user(self.planner).action_order_reoptimize()
            second = self.project.with_user(self.planner).action_order_reoptimize()
            cron = self.env.ref("order_project.ir_cron_dispatch_planning_runs")
            cron.method_direct_trigger()
        runs = self.env["order.planning.run"].browse([first["res_id"], second["res_id"]])
        self.assertEqual(runs.mapped("state"), ["running", "queued"], "Oldest first, one a call.")
        self.assertEqual(post.call_count, 1)
        progress = self.env["ir.cron.progress"].search(
            [("cron_id", "=", cron.id)], order="id desc", limit=1
        )
        self.assertEqual((progress.done, progress.remaining), (1, 1))

    def test_service_error_status_fails_the_run(self):
        with patch(POST, return_value=self._answer(status=503)):
            action = self.project.with_user(self.planner).action_order_reoptimize()
            self._dispatch()
        self.assertEqual(self.env["order.planning.run"].browse(action["res_id"]).state, "failed")

    def test_reoptimize_all_open_orders(self):
        with patch(POST, return_value=self._answer()) as post:
            action = self.env["order.planning.run"].with_user(self.planner).action_reoptimize_all()
            self._dispatch()
        run = self.env["order.planning.run"].browse(action["res_id"])
        self.assertEqual(run.scope, "all")
        self.assertIn(self.project, run.project_ids)
        self.assertEqual(
            post.call_args.kwargs["json"]["project_ids"],
            run.project_ids.ids,
            "All open orders are decided in Odoo, once: the service gets their ids.",
        )

    def test_delivered_orders_are_not_open(self):
        """A delivered order's sale order stays confirmed in Odoo 18: it is its project's work,
        all done or cancelled (phases aside), that closes it for "all open orders"."""
        work = self.project.task_ids.filtered(lambda t: not t.is_wbs_phase)
        work[:1].state = "1_canceled"
        work[1:].state = "1_done"
        self.assertTrue(
            self.project.with_context(active_test=False).tasks.filtered("is_wbs_phase"),
            "The phases stay open: they must not keep the order open.",
        )
        with patch(POST, return_value=self._answer()):
            action = self.env["order.planning.run"].with_user(self.planner).action_reoptimize_all()
        run = self.env["order.planning.run"].browse(action["res_id"])
        self.assertNotIn(self.project, run.project_ids)
        work[:1].state = "01_in_progress"
        with patch(POST, return_value=self._answer()):
            action = self.env["order.planning.run"].with_user(self.planner).action_reoptimize_all()
        run = self.env["order.planning.run"].browse(action["res_id"])
        self.assertIn(self.project, run.project_ids, "One open task keeps the order open.")

    def test_apply_fills_the_queued_run(self):
        with patch(POST, return_value=self._answer()):
            action = self.project.with_user(self.planner).action_order_reoptimize()
            self._dispatch()
        run = self.env["order.planning.run"].browse(action["res_id"])
        Run = self.env["order.planning.run"].with_user(self.bot)
        self.assertFalse(
            hasattr(Run, "report_progress"),
            "Nothing reports progress over RPC: the method is not offered to remote callers.",
        )
        task = self.project.task_ids.filtered(lambda t: not t.is_wbs_phase)[:1]
        result = Run.apply_schedule(
            {
                "plan_id": run.plan_id,
                "tasks": [
                    {
                        "task_id": task.id,
                        "write_date": self._fmt(task.write_date),
                        "planned_start": self._fmt(task.planned_start),
                        "planned_end": self._fmt(task.planned_end),
                    }
                ],
            }
        )
        self.assertEqual(result["run_id"], run.id, "The optimizer's plan lands on the queued run.")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.progress, 100.0)

    def test_missing_url_and_rights(self):
        self.env["ir.config_parameter"].sudo().set_param("order_project.optimizer_url", "")
        with self.assertRaisesRegex(UserError, "optimizer service URL"):
            self.project.with_user(self.planner).action_order_reoptimize()
        with self.assertRaises(AccessError):
            self.project.with_user(self.salesman).action_order_reoptimize()
