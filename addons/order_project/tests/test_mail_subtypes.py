from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestMailSubtypes(OrderProjectCommon):
    """Followers subscribe per event: a plan applied, a planning run that failed, a delivery
    that became late or at risk."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_confirmed_order(commitment_date="2030-01-31 17:00:00")
        cls.watchers = {
            event: new_test_user(
                cls.env,
                login=f"op_watch_{event}",
                groups="project.group_project_user",
                notification_type="inbox",
            )
            for event in ("plan_applied", "order_late", "order_at_risk", "run_failed")
        }
        for event in ("plan_applied", "order_late", "order_at_risk"):
            cls.project.message_subscribe(
                partner_ids=cls.watchers[event].partner_id.ids,
                subtype_ids=cls.env.ref(f"order_project.mt_project_{event}").ids,
            )
        cls.Run = cls.env["order.planning.run"]

    def _notified(self, message):
        return {
            event
            for event, user in self.watchers.items()
            if user.partner_id in message.notification_ids.res_partner_id
        }

    def _new_messages(self, record, before):
        self.env.cr.precommit.run()  # tracking messages are written at commit
        return record.message_ids.filtered(lambda m: m.id > before)

    def _apply(self, plan_id, forecast_end):
        task = self.tasks[0]
        return self.Run.with_user(self.bot).apply_schedule(
            {
                "plan_id": plan_id,
                "tasks": [
                    {
                        "task_id": task.id,
                        "write_date": self._fmt(task.write_date),
                        "planned_start": self._fmt(task.planned_start),
                        "planned_end": self._fmt(task.planned_end),
                    }
                ],
                "projects": [{"project_id": self.project.id, "forecast_end": forecast_end}],
            }
        )

    def test_plan_applied_and_late_reach_their_own_followers(self):
        self.env.cr.precommit.run()
        before = max(self.project.message_ids.ids)
        self._apply("subtype-late", "2030-02-04 09:00:00")
        self.assertEqual(self.project.order_health, "late")
        messages = self._new_messages(self.project, before)
        applied = messages.filtered(
            lambda m: m.subtype_id == self.env.ref("order_project.mt_project_plan_applied")
        )
        late = messages.filtered(
            lambda m: m.subtype_id == self.env.ref("order_project.mt_project_order_late")
        )
        self.assertTrue(applied and late, "The plan's note and the late delivery are two events.")
        self.assertEqual(
            self._notified(applied), {"plan_applied"}, "Only the plan's subscriber hears of it."
        )
        self.assertEqual(
            self._notified(late), {"order_late"}, "Only the late-delivery subscriber hears of it."
        )

    def test_at_risk_reaches_its_own_followers(self):
        self.env["ir.config_parameter"].sudo().set_param("order_project.at_risk_hours", "48")
        self.env.cr.precommit.run()
        before = max(self.project.message_ids.ids)
        self._apply("subtype-risk", "2030-01-31 09:00:00")  # 8 h before the commitment
        self.assertEqual(self.project.order_health, "at_risk")
        risk = self._new_messages(self.project, before).filtered(
            lambda m: m.subtype_id == self.env.ref("order_project.mt_project_order_at_risk")
        )
        self.assertTrue(risk, "Becoming at risk is an event of its own.")
        self.assertEqual(self._notified(risk), {"order_at_risk"})

    def test_failed_run_reaches_the_run_failed_subscriber_only(self):
        run = self.Run.sudo().create(
            {"scope": "project", "project_ids": [Command.set(self.project.ids)]}
        )
        run.plan_id = "subtype-failed"
        failed = self.env.ref("order_project.mt_planning_run_failed")
        run.message_subscribe(
            partner_ids=self.watchers["run_failed"].partner_id.ids, subtype_ids=failed.ids
        )
        run.message_subscribe(
            partner_ids=self.watchers["plan_applied"].partner_id.ids,
            subtype_ids=self.env.ref("mail.mt_comment").ids,
        )
        self.Run.with_user(self.bot).mark_failed(run.plan_id, "solver crashed")
        note = run.message_ids.filtered(lambda m: m.subtype_id == failed)
        self.assertTrue(note, "The failure is posted as a 'Planning Failed' event.")
        self.assertEqual(self._notified(note), {"run_failed"})
