from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestWhyLate(OrderProjectCommon):
    """Planners read in Odoo why an order cannot meet its date: the optimizer's reason,
    bottleneck and critical chain on the project, the run's summary, and why a run failed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_confirmed_order(commitment_date="2030-01-31 17:00:00")
        cls.welder = cls.env["hr.employee"].create(
            {"name": "Li Wei", "user_id": cls.engineer.id, "resource_calendar_id": cls.calendar.id}
        )
        cls.portal_user = new_test_user(cls.env, login="op_portal", groups="base.group_portal")
        cls.Run = cls.env["order.planning.run"]

    def _explained(self, late=True, **values):
        return {
            "project_id": self.project.id,
            "forecast_end": "2030-02-02 09:00:00",
            "late": late,
            "lateness_hours": 40.0 if late else 0.0,
            "reason": f"{self.project.name} ends 2030-02-02 09:00, 40 h after its due date: "
            f"{self.tasks[-1].name} waits for Li Wei",
            "bottleneck": {
                "name": "Li Wei",
                "user_id": self.engineer.id,
                "employee_id": self.welder.id,
            },
            "critical_task_ids": self.tasks[-2:].ids,
            **values,
        }

    def _payload(self, plan_id, projects, summary=None):
        task = self.tasks[0]
        payload = {
            "plan_id": plan_id,
            "status": "FEASIBLE",
            "tasks": [
                {
                    "task_id": task.id,
                    "write_date": self._fmt(task.write_date),
                    "planned_start": self._fmt(task.planned_start),
                    "planned_end": self._fmt(task.planned_end),
                }
            ],
            "projects": projects,
        }
        if summary:
            payload["summary"] = summary
        return payload

    def test_apply_schedule_stores_why_the_order_is_late(self):
        summary = {
            "late_orders": 1,
            "orders": 1,
            "weighted_tardiness": 80.0,
            "bottlenecks": [
                {
                    "name": "Li Wei",
                    "user_id": self.engineer.id,
                    "employee_id": self.welder.id,
                    "orders": 1,
                }
            ],
        }
        result = self.Run.with_user(self.bot).apply_schedule(
            self._payload("why-1", [self._explained()], summary)
        )
        project = self.project
        self.assertTrue(project.order_is_late, "The plan ends the order after its due date.")
        self.assertEqual(project.order_lateness_hours, 40.0)
        self.assertIn("waits for Li Wei", project.order_delay_reason)
        self.assertEqual(project.order_bottleneck_user_id, self.engineer)
        self.assertEqual(project.order_bottleneck_employee_id, self.welder)
        self.assertEqual(project.order_bottleneck_name, "Li Wei")
        self.assertEqual(project.order_critical_task_ids, self.tasks[-2:])
        self.assertEqual(str(project.order_forecast_end), "2030-02-02 09:00:00")
        self.assertEqual(project.order_health, "late")
        self.assertIn(project, project.search([("order_is_late", "=", True)]))
        run = self.Run.browse(result["run_id"])
        self.assertEqual((run.late_order_count, run.order_count), (1, 1))
        self.assertEqual(run.weighted_tardiness, 80.0)
        self.assertIn("1 of 1 order(s) late", run.summary_text)
        self.assertIn("Li Wei (1 order(s))", run.summary_text, "The top bottleneck is named.")

        # The next plan finds the order on time: the explanation follows it.
        on_time = self._explained(
            late=False, reason="ends on time", bottleneck=None, critical_task_ids=[]
        )
        self.Run.with_user(self.bot).apply_schedule(self._payload("why-2", [on_time]))
        self.assertFalse(project.order_is_late)
        self.assertEqual(project.order_lateness_hours, 0.0)
        self.assertFalse(project.order_bottleneck_user_id)
        self.assertFalse(project.order_critical_task_ids)
        self.assertEqual(project.order_delay_reason, "ends on time")

        # An older optimizer sends no explanation: the last one is kept.
        plain = {"project_id": project.id, "forecast_end": "2030-01-20 09:00:00"}
        self.Run.with_user(self.bot).apply_schedule(self._payload("why-3", [plain]))
        self.assertEqual(project.order_delay_reason, "ends on time")

    def test_why_late_reads_in_the_readers_language_and_time_zone(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        waits, held = self.tasks[-1], self.tasks[0]
        details = {
            "cause": "resource",
            "task_id": waits.id,
            "other_task_id": held.id,
            "resource": "Li Wei",
            "until": "2030-02-01T17:00:00+08:00",
            "leave_resource": "Li Wei",
            "leave_name": "",
            "leave_until": "2030-01-28T00:00:00+08:00",
        }
        self.Run.with_user(self.bot).apply_schedule(
            self._payload("why-zh-1", [self._explained(reason_details=details)])
        )
        project = self.project.with_user(self.planner)
        english = project.with_context(lang="en_US", tz="Asia/Shanghai").order_delay_text
        self.assertTrue(english.startswith("The order ends "), english)
        self.assertIn(", 40.0 h after its due date: ", english)
        self.assertIn(f"{waits.name} waits for Li Wei, busy on {held.name} until ", english)
        self.assertIn("5:00", english, "17:00 +08:00 in Shanghai")
        self.assertIn("; Li Wei is on leave until ", english)
        chinese = project.with_context(lang="zh_CN", tz="Asia/Shanghai").order_delay_text
        self.assertTrue(chinese.startswith("订单将于 "), chinese)
        self.assertIn(f"{waits.name} 在等待 Li Wei", chinese)
        self.assertIn("17:00", chinese)
        sentence, chain = chinese.splitlines()
        self.assertTrue(sentence.endswith("。"), chinese)
        first, last = self.tasks[-2:].sorted("planned_start")
        self.assertEqual(
            chain, f"关键链：{first.name} → {last.name}", "the critical chain, first to last"
        )
        self.assertNotIn("Details", english + chinese, "no English text of the optimizer's")

        # a cause without the task it needs, or an older optimizer without details: when and
        # how late the order ends, and its chain, still in the reader's language
        for plan_id, extra in (
            ("why-zh-2", {"reason_details": {"cause": "free"}}),
            ("why-zh-3", {}),
        ):
            self.Run.with_user(self.bot).apply_schedule(
                self._payload(plan_id, [self._explained(**extra)])
            )
            sentence, chain = project.with_context(lang="zh_CN").order_delay_text.splitlines()
            self.assertTrue(sentence.startswith("订单将于 ") and sentence.endswith("。"), sentence)
            self.assertTrue(chain.startswith("关键链："), chain)
        # an order without a forecast: the optimizer's own text, as sent
        project.sudo().order_forecast_end = False
        self.assertEqual(project.order_delay_text, project.order_delay_reason)

    def test_people_and_tasks_deleted_meanwhile_are_dropped_not_refused(self):
        gone = self._explained(
            bottleneck={"name": "Former Welder", "user_id": 999999, "employee_id": 999999},
            critical_task_ids=[self.tasks[-1].id, 999999],
        )
        self.Run.with_user(self.bot).apply_schedule(self._payload("why-gone", [gone]))
        self.assertEqual(self.project.order_bottleneck_name, "Former Welder")
        self.assertFalse(self.project.order_bottleneck_user_id)
        self.assertFalse(self.project.order_bottleneck_employee_id)
        self.assertEqual(self.project.order_critical_task_ids, self.tasks[-1])

    def test_invalid_explanation_is_refused_naming_the_field(self):
        bad = self._explained(lateness_hours=-3)
        with self.assertRaisesRegex(ValidationError, r"projects\[0\].*lateness_hours"):
            self.Run.with_user(self.bot).apply_schedule(self._payload("why-bad", [bad]))
        self.assertFalse(self.project.order_is_late, "Nothing was written.")

    def _conflicts(self):
        return [
            {
                "kind": "solver",
                "project_id": self.project.id,
                "order": self.project.name,
                "task_ids": self.tasks[:1].ids,
                "resources": ["Li Wei"],
                "text": f"task '{self.tasks[0].name}' fits nowhere in the horizon",
            }
        ]

    def test_failed_run_shows_the_explanation(self):
        run = self.Run.sudo().create({"scope": "project", "state": "running"})
        run.plan_id = "odoo-why-failed"
        message = "No plan keeps every hard constraint: Li Wei is on leave"
        Run = self.Run.with_user(self.bot)
        result = Run.mark_failed(run.plan_id, message, self._conflicts())
        self.assertEqual(result, {**result, "run_id": run.id, "state": "failed", "changed": True})
        self.assertEqual(run.state, "failed", "The queued run ends failed, not running forever.")
        self.assertEqual(run.message, message)
        self.assertIn("fits nowhere in the horizon", run.failure_text)
        self.assertEqual(run.failure_conflicts[0]["task_ids"], self.tasks[:1].ids)
        messages = len(run.message_ids)
        again = Run.mark_failed(run.plan_id, message, self._conflicts())
        self.assertFalse(again["changed"], "Reporting the same failure twice changes nothing.")
        self.assertEqual(len(run.message_ids), messages, "and posts nothing more.")
        run.with_user(self.planner).action_retry()
        self.assertEqual(run.state, "queued")
        self.assertFalse(run.failure_conflicts, "A retried run forgets the old explanation.")

    def test_failure_reads_in_the_planners_language_and_time_zone(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        deadline = {
            "kind": "deadline",
            "project_id": self.project.id,
            "order": self.project.name,
            "task_ids": self.tasks[:2].ids,
            "resources": ["Li Wei"],
            "text": "the order must be delivered by 2030-02-01 17:00, but its tasks cannot end "
            "before 2030-02-04 12:00",
            "details": {
                "deadline": "2030-02-01T17:00:00+08:00",
                "earliest_end": "2030-02-04T12:00:00+08:00",
            },
        }
        capacity = {
            "kind": "capacity",
            "task_ids": self.tasks.ids,
            "resources": ["Li Wei"],
            "text": "Between ... Li Wei has 16 h of working time",
            "details": {
                "from": "2030-02-01T09:00:00+08:00",
                "to": "2030-02-04T18:00:00+08:00",
                "needed_hours": 24.0,
                "available_hours": 16.0,
                "missing_hours": 8.0,
            },
        }
        undated = dict(deadline, details={"deadline": "2030-02-01T17:00:00+08:00"})
        result = self.Run.with_user(self.bot).mark_failed(
            "why-zh", "no plan", [deadline, capacity, undated, *self._conflicts()]
        )
        run = self.Run.browse(result["run_id"]).with_user(self.planner)
        first, second = self.tasks[0].name, self.tasks[1].name

        english = run.with_context(lang="en_US", tz="Asia/Shanghai").failure_text.splitlines()
        self.assertEqual(len(english), 6, "two worded conflicts with details, two texts as sent")
        self.assertTrue(english[0].startswith("- The deadline "), english)
        self.assertIn(f"cannot be met: {first} → {second} cannot end before", english[0])
        self.assertIn("5:00", english[0], "17:00 in Shanghai is 5 PM in Shanghai")
        self.assertEqual(english[1], "  Details: " + deadline["text"])
        self.assertIn("Li Wei have 16.0 h of working time, but 24.0 h", english[2])
        self.assertIn("(8.0 h short)", english[2])
        self.assertEqual(english[4], "- " + undated["text"], "a missing date: the text as sent")
        self.assertIn("fits nowhere in the horizon", english[5], "no sentence for the solver's")
        in_utc = run.with_context(lang="en_US", tz="UTC").failure_text
        self.assertIn("9:00", in_utc.splitlines()[0], "17:00 +08:00 is 09:00 UTC")

        chinese = run.with_context(lang="zh_CN", tz="Asia/Shanghai").failure_text.splitlines()
        self.assertTrue(chinese[0].startswith("- 无法满足截止时间 "), chinese)
        self.assertIn("17:00", chinese[0])
        self.assertIn(f"{first} → {second}", chinese[0])
        self.assertTrue(chinese[1].startswith("  详情："), chinese[1])
        self.assertIn("缺 8.0 小时", chinese[2])
        form = self.Run.with_user(self.planner).get_views([(False, "form")])["views"]["form"]
        self.assertIn(
            'name="message" nolabel="1" class="text-break" invisible="failure_text"',
            form["arch"],
            "the worded conflicts replace the optimizer's English message in the form",
        )

    def _zh_requester_run(self, plan_id):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.planner.write({"lang": "zh_CN", "tz": "Asia/Shanghai"})
        run = self.Run.with_user(self.planner).create({"scope": "project"})
        run.sudo().write({"plan_id": plan_id, "project_ids": [(6, 0, self.project.ids)]})
        self.assertEqual(run.user_id, self.planner)
        return run

    def test_failure_note_is_written_in_the_requesters_language(self):
        """The bot posts the note, but the planner who asked reads it: in Chinese, with the
        worded conflicts and Shanghai time, not the optimizer's English message."""
        run = self._zh_requester_run("why-note-zh")
        deadline = {
            "kind": "deadline",
            "project_id": self.project.id,
            "task_ids": self.tasks[:2].ids,
            "text": "the order must be delivered by 2030-02-01 17:00",
            "details": {
                "deadline": "2030-02-01T17:00:00+08:00",
                "earliest_end": "2030-02-04T12:00:00+08:00",
            },
        }
        self.Run.with_user(self.bot).mark_failed(run.plan_id, "No plan (English)", [deadline])
        note = run.message_ids[0].body
        self.assertIn("优化器无法生成计划", note)
        self.assertIn("无法满足截止时间", note)
        self.assertIn("17:00", note, "the deadline in the requester's time zone")
        self.assertIn("<br>", note.replace("<br/>", "<br>"), "one line per conflict and detail")
        self.assertNotIn("No plan (English)", note, "the worded conflicts replace the message")

        # No conflicts came with it: the optimizer's message, still under a Chinese heading.
        bare = self._zh_requester_run("why-note-bare")
        self.Run.with_user(self.bot).mark_failed(bare.plan_id, "solver crashed")
        self.assertIn("优化器无法生成计划：", bare.message_ids[0].body)
        self.assertIn("solver crashed", bare.message_ids[0].body)

    def test_applied_plan_note_on_the_project_says_why_it_is_late_in_the_requesters_language(
        self,
    ):
        run = self._zh_requester_run("why-note-applied")
        details = {
            "cause": "resource",
            "task_id": self.tasks[-1].id,
            "other_task_id": self.tasks[0].id,
            "resource": "Li Wei",
            "until": "2030-02-01T17:00:00+08:00",
        }
        self.Run.with_user(self.bot).apply_schedule(
            self._payload(run.plan_id, [self._explained(reason_details=details)])
        )
        note = self.project.message_ids[0].body
        self.assertIn("order.planning.run", note, "it links the run")
        self.assertIn(run.name, note)
        self.assertIn("订单将于 ", note, "the 'why late' sentence, in Chinese")
        self.assertIn("17:00", note)
        self.assertIn("关键链：", note, "with the critical chain below")
        self.assertNotIn("Details", note, "no English text of the optimizer's")

        # On time: the note only says what was applied.
        on_time = self._explained(late=False, reason="ends on time", bottleneck=None)
        self.Run.with_user(self.bot).apply_schedule(self._payload("why-note-on-time", [on_time]))
        self.assertNotIn("ends on time", self.project.message_ids[0].body)

    def test_failure_never_undoes_an_applied_plan(self):
        result = self.Run.with_user(self.bot).apply_schedule(
            self._payload("why-applied", [self._explained()])
        )
        late = self.Run.with_user(self.bot).mark_failed("why-applied", "too late to fail")
        run = self.Run.browse(result["run_id"])
        self.assertEqual((late["state"], late["changed"]), ("done", False))
        self.assertEqual(run.state, "done")
        self.assertFalse(run.failure_text)

    def test_failure_of_a_plan_odoo_never_queued_gets_a_run(self):
        result = self.Run.with_user(self.bot).mark_failed(
            "optimizer-service-42", "no plan", self._conflicts()
        )
        run = self.Run.browse(result["run_id"])
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.project_ids, self.project, "It lists the project in conflict.")
        self.assertEqual(run.scope, "project")

    def test_only_planners_and_the_bot_report_failures(self):
        with self.assertRaises(AccessError):
            self.Run.with_user(self.salesman).mark_failed("why-x", "no plan")
        with self.assertRaisesRegex(ValidationError, "message"):
            self.Run.with_user(self.bot).mark_failed("why-x", "  ")

    def test_project_users_read_the_reasons_portal_users_do_not(self):
        self.Run.with_user(self.bot).apply_schedule(self._payload("why-read", [self._explained()]))
        fnames = [
            "order_is_late",
            "order_lateness_hours",
            "order_bottleneck_user_id",
            "order_bottleneck_employee_id",
            "order_bottleneck_name",
            "order_critical_task_ids",
            "order_delay_details",
            "order_delay_text",
        ]
        (row,) = self.project.with_user(self.engineer).read(fnames)
        self.assertTrue(row["order_is_late"], "A project user reads why the order is late.")
        self.assertEqual(row["order_bottleneck_employee_id"][1], "Li Wei")
        (row,) = self.project.with_user(self.salesman).read(["order_delay_text"])
        self.assertIn(
            "40.0 h after its due date",
            row["order_delay_text"],
            "and so does the order's salesman.",
        )
        for user in (self.engineer, self.salesman):
            with self.assertRaises(
                AccessError,
                msg="The optimizer's English text, naming "
                "other orders' tasks, is for planners only.",
            ):
                self.project.with_user(user).read(["order_delay_reason"])
        (row,) = self.project.with_user(self.planner).read(["order_delay_reason"])
        self.assertIn("Li Wei", row["order_delay_reason"])
        portal_projects = self.env["project.project"].with_user(self.portal_user)
        with self.assertRaises(AccessError):
            portal_projects.check_field_access_rights("read", ["order_delay_reason"])
        self.assertFalse(
            {*fnames, "order_delay_reason"} & set(portal_projects.fields_get()),
            "Internal reasons name people and other customers' orders: portal users never "
            "see them.",
        )

    def test_views_show_the_box_the_filter_and_the_columns(self):
        Project = self.env["project.project"].with_user(self.planner)
        views = Project.get_views([(False, "form"), (False, "list"), (False, "search")])
        self.assertIn('name="order_why_late"', views["views"]["form"]["arch"])
        self.assertIn("order_critical_task_ids", views["views"]["form"]["arch"])
        self.assertIn("order_lateness_hours", views["views"]["list"]["arch"])
        self.assertIn('name="order_late"', views["views"]["search"]["arch"])
        run_form = self.Run.with_user(self.planner).get_views([(False, "form")])
        self.assertIn("failure_text", run_form["views"]["form"]["arch"])
        self.assertIn("summary_text", run_form["views"]["form"]["arch"])
