from datetime import timedelta

import pytz

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestApplySchedule(OrderProjectCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_confirmed_order(commitment_date="2030-01-31 17:00:00")
        cls.Run = cls.env["order.planning.run"]

    def _payload(self, plan_id="plan-A", tasks=None, shift_days=7, **extra):
        tasks = tasks if tasks is not None else self.tasks
        return {
            "plan_id": plan_id,
            "status": "OPTIMAL",
            "objective": 42.0,
            "lower_bound": 40.0,
            "solver": "cp-sat 9.15",
            "figures": {"makespan_hours": 400, "tardiness_hours": 0},
            "tasks": [
                {
                    "task_id": task.id,
                    "write_date": self._fmt(task.write_date),
                    "planned_start": self._fmt(task.planned_start + timedelta(days=shift_days)),
                    "planned_end": self._fmt(task.planned_end + timedelta(days=shift_days)),
                    "user_ids": [self.engineer.id],
                    "slack_hours": 0,
                    "critical": True,
                }
                for task in tasks
            ],
            **extra,
        }

    def test_plan_is_applied_recorded_and_announced(self):
        before = {task.id: task.planned_start for task in self.tasks}
        result = self.Run.with_user(self.bot).apply_schedule(self._payload())
        run = self.Run.browse(result["run_id"])
        self.assertEqual(result["applied"], len(self.tasks), "Every fresh task is rescheduled.")
        self.assertFalse(result["already_applied"])
        self.assertEqual(result["conflicts"], [])
        for task in self.tasks:
            self.assertEqual(task.planned_start, before[task.id] + timedelta(days=7))
            self.assertEqual(
                task.planning_user_ids, self.engineer, "The optimizer's people are kept apart."
            )
            self.assertFalse(task.user_ids, "Assignees stay a person's decision.")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.applied_by_id, self.bot)
        self.assertEqual(run.objective, 42.0)
        self.assertEqual(run.figures["makespan_hours"], 400)
        self.assertIn(self.project, run.project_ids)
        self.assertEqual(
            self.project.order_forecast_end,
            max(self.tasks.mapped("planned_end")),
            "Without explicit projects the forecast is the latest planned end.",
        )
        tz = pytz.timezone(self.project._get_schedule_calendar().tz)
        first = min(self.tasks.mapped("planned_start"))
        self.assertEqual(
            (self.project.date_start, self.project.date),
            (
                pytz.utc.localize(first).astimezone(tz).date(),
                pytz.utc.localize(self.project.order_forecast_end).astimezone(tz).date(),
            ),
            "The project's planned dates follow the plan (its days where it works), as they "
            "follow the first schedule.",
        )
        self.assertIn(
            run.name, self.project.message_ids[0].body, "The project's chatter names the run."
        )

    def test_the_projects_planned_end_is_the_day_where_it_works(self):
        """A forecast at 17:00 UTC is the next morning in Shanghai: the project's planned end
        and its milestones' deadlines are that day, not the UTC one."""
        shanghai = self._make_calendar(
            "Shanghai office", "Asia/Shanghai", ((9, 12, "morning"), (13, 18, "afternoon"))
        )
        self.project.order_calendar_id = shanghai
        payload = self._payload(
            projects=[{"project_id": self.project.id, "forecast_end": "2030-01-20 17:00:00"}]
        )
        self.Run.with_user(self.bot).apply_schedule(payload)
        self.assertEqual(str(self.project.date), "2030-01-21")

    def test_moved_dates_are_tracked_in_each_task_chatter(self):
        moved, kept = self.tasks[0], self.tasks[1]
        old_start, old_end = moved.planned_start, moved.planned_end
        payload = self._payload(tasks=moved | kept)
        kept_row = payload["tasks"][1]
        kept_row["planned_start"] = self._fmt(kept.planned_start)
        kept_row["planned_end"] = self._fmt(kept.planned_end)
        kept_messages = kept.message_ids
        result = self.Run.with_user(self.bot).apply_schedule(payload)
        run = self.Run.browse(result["run_id"])
        tracked = moved.message_ids.filtered("tracking_value_ids")[:1]
        self.assertTrue(tracked, "The moved task's chatter shows the change.")
        self.assertIn(run.name, tracked.body, "The message names the run that moved it.")
        values = {
            v.field_id.name: (v.old_value_datetime, v.new_value_datetime)
            for v in tracked.tracking_value_ids
        }
        self.assertEqual(
            values,
            {
                "planned_start": (old_start, old_start + timedelta(days=7)),
                "planned_end": (old_end, old_end + timedelta(days=7)),
            },
            "Old and new planned dates, as a tracked write shows them.",
        )
        self.assertEqual(kept.message_ids, kept_messages, "A task the plan left alone gets none.")

    def test_phases_follow_their_tasks_and_track_the_move_under_the_run(self):
        """Phases span their tasks after a plan (nested phases too), written in the same batch
        as the tasks and tracked in their chatter under the run's note."""
        phases = self.project.with_context(active_test=False).tasks.filtered("is_wbs_phase")
        self.assertTrue(phases, "The shipped template has phases.")
        before = {phase.id: phase.planned_end for phase in phases}
        result = self.Run.with_user(self.bot).apply_schedule(self._payload())
        run = self.Run.browse(result["run_id"])
        for phase in phases:
            ends = [end for end in phase.child_ids.mapped("planned_end") if end]
            self.assertEqual(phase.planned_end, max(ends), f"{phase.name} spans its tasks")
            if before[phase.id] != phase.planned_end:
                tracked = phase.message_ids.filtered("tracking_value_ids")[:1]
                self.assertIn(run.name, tracked.body, f"{phase.name}'s move names the run")
                self.assertIn("planned_end", tracked.tracking_value_ids.field_id.mapped("name"))
        self.assertTrue(
            any(before[phase.id] != phase.planned_end for phase in phases),
            "A week later: the phases moved with their tasks.",
        )

    def test_a_task_planned_for_the_first_time_tracks_from_no_date(self):
        task = self.tasks[0]
        new_start, new_end = task.planned_start, task.planned_end
        payload = self._payload(tasks=task, shift_days=0)
        task.write({"planned_start": False, "planned_end": False})
        payload["tasks"][0]["write_date"] = self._fmt(task.write_date)
        result = self.Run.with_user(self.bot).apply_schedule(payload)
        self.assertEqual(result["conflicts"], [])
        tracked = task.message_ids.filtered("tracking_value_ids")[:1]
        values = {
            v.field_id.name: (v.old_value_datetime, v.new_value_datetime)
            for v in tracked.tracking_value_ids
        }
        self.assertEqual(
            values,
            {"planned_start": (False, new_start), "planned_end": (False, new_end)},
            "A first plan tracks from an empty date.",
        )

    def test_same_plan_twice_is_a_no_op(self):
        first = self.Run.with_user(self.planner).apply_schedule(self._payload(plan_id="twice"))
        dates = self.tasks.mapped("planned_start")
        again = self.Run.with_user(self.planner).apply_schedule(
            self._payload(plan_id="twice", shift_days=30)
        )
        self.assertTrue(again["already_applied"], "A plan id is applied once.")
        self.assertEqual(again["run_id"], first["run_id"], "The first run is returned.")
        self.assertEqual(
            self.tasks.mapped("planned_start"), dates, "Nothing moved the second time."
        )
        self.assertEqual(self.Run.search_count([("plan_id", "=", "twice")]), 1)

    def test_unknown_task_ids_write_nothing(self):
        payload = self._payload(plan_id="unknown")
        payload["tasks"].append(dict(payload["tasks"][0], task_id=self.tasks[-1].id + 100000))
        dates = self.tasks.mapped("planned_start")
        with self.assertRaisesRegex(ValidationError, str(self.tasks[-1].id + 100000)):
            self.Run.with_user(self.bot).apply_schedule(payload)
        self.assertEqual(self.tasks.mapped("planned_start"), dates, "No task moved.")
        self.assertFalse(self.Run.search([("plan_id", "=", "unknown")]))

    def test_invalid_payload_names_the_field(self):
        payload = self._payload(plan_id="bad")
        payload["tasks"][1]["planned_end"] = "tomorrow"
        with self.assertRaisesRegex(
            ValidationError, rf"tasks\[1\] \(task {self.tasks[1].id}\)\.planned_end"
        ):
            self.Run.with_user(self.bot).apply_schedule(payload)

    def test_stale_and_pinned_tasks_are_skipped_and_reported(self):
        stale, pinned = self.tasks[0], self.tasks[1]
        pinned.planning_pinned = True
        payload = self._payload(plan_id="conflicts")
        # the optimizer read the stale task before a person changed it
        read = stale.write_date - timedelta(minutes=5)
        payload["tasks"][0]["write_date"] = self._fmt(read)
        payload["tasks"][1]["write_date"] = self._fmt(pinned.write_date)
        stale_start, pinned_start = stale.planned_start, pinned.planned_start
        result = self.Run.with_user(self.bot).apply_schedule(payload)
        reasons = {c["task_id"]: c["reason"] for c in result["conflicts"]}
        self.assertEqual(reasons, {stale.id: "stale", pinned.id: "pinned"})
        self.assertEqual(
            stale.planned_start, stale_start, "A task edited meanwhile keeps the person's dates."
        )
        self.assertEqual(pinned.planned_start, pinned_start, "A pinned task is never moved.")
        self.assertEqual(result["applied"], len(self.tasks) - 2)
        conflict = next(c for c in result["conflicts"] if c["task_id"] == stale.id)
        self.assertEqual(conflict["write_date_read"], self._fmt(read))
        self.assertEqual(self.Run.browse(result["run_id"]).conflict_count, 2)

    def test_user_without_rights_is_refused(self):
        with self.assertRaises(AccessError):
            self.Run.with_user(self.salesman).apply_schedule(self._payload(plan_id="sneaky"))
        with self.assertRaises(AccessError):
            self.Run.with_user(self.project_manager).apply_schedule(self._payload(plan_id="pm"))

    def test_projects_forecast_and_health(self):
        forecast = "2030-01-31 12:00:00"
        self.Run.with_user(self.bot).apply_schedule(
            self._payload(
                plan_id="health",
                tasks=self.tasks[:1],
                projects=[{"project_id": self.project.id, "forecast_end": forecast}],
            )
        )
        self.assertEqual(self._fmt(self.project.order_forecast_end), forecast)
        self.assertEqual(
            self.project.order_health, "at_risk", "Five hours before the commitment is at risk."
        )
        self.project.order_forecast_end = "2030-02-01 09:00:00"
        self.assertEqual(self.project.order_health, "late")
        self.project.order_forecast_end = "2030-01-10 09:00:00"
        self.assertEqual(self.project.order_health, "on_track")

    def test_unknown_project_and_user_ids_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "Unknown project"):
            self.Run.with_user(self.bot).apply_schedule(
                self._payload(
                    plan_id="p",
                    projects=[{"project_id": 999999, "forecast_end": "2030-01-01 00:00:00"}],
                )
            )
        payload = self._payload(plan_id="u")
        payload["tasks"][0]["user_ids"] = [999999]
        with self.assertRaisesRegex(ValidationError, "Unknown user"):
            self.Run.with_user(self.bot).apply_schedule(payload)

    def test_bot_lists_open_delivery_projects(self):
        domain = [
            ("order_sale_order_id", "!=", False),
            ("order_sale_order_id.state", "=", "sale"),
            ("active", "=", True),
        ]
        rows = (
            self.env["project.project"]
            .with_user(self.bot)
            .search_read(
                domain, ["order_code", "order_commitment_date", "order_priority", "company_id"]
            )
        )
        self.assertIn(
            self.project.id,
            [row["id"] for row in rows],
            "The optimizer finds the open orders' projects by the order's state.",
        )

    def test_bot_reads_every_delivery_task(self):
        fields = [
            "write_date",
            "planned_start",
            "planned_end",
            "depend_on_ids",
            "duration_hours",
            "skill_id",
            "planning_pinned",
            "project_id",
        ]
        rows = (
            self.env["project.task"]
            .with_user(self.bot)
            .search_read([("project_id", "=", self.project.id)], fields)
        )
        self.assertEqual(
            len(rows),
            len(self.project.task_ids),
            "The optimizer's bot reads the tasks of private delivery projects.",
        )
        lags = (
            self.env["order.task.lag"]
            .with_user(self.bot)
            .search_read(
                [("task_id.project_id", "=", self.project.id)],
                ["task_id", "depend_on_id", "lag_hours"],
            )
        )
        self.assertTrue(lags, "and the dependency lags.")

    def test_bot_reads_people_skills_and_calendars(self):
        skill_type = self.env["hr.skill.type"].create(
            {
                "name": "Welding",
                "skill_ids": [(0, 0, {"name": "TIG"})],
                "skill_level_ids": [(0, 0, {"name": "Expert", "level_progress": 100})],
            }
        )
        employee = self.env["hr.employee"].create(
            {"name": "Wendy Welder", "user_id": self.engineer.id}
        )
        self.env["hr.employee.skill"].create(
            {
                "employee_id": employee.id,
                "skill_id": skill_type.skill_ids.id,
                "skill_level_id": skill_type.skill_level_ids.id,
                "skill_type_id": skill_type.id,
            }
        )
        bot_env = self.env(user=self.bot)
        skills = bot_env["hr.employee.skill"].search_read(
            [("employee_id", "=", employee.id)], ["employee_id", "skill_id", "skill_level_id"]
        )
        self.assertEqual(len(skills), 1, "The optimizer reads who has which skill.")
        people = bot_env["hr.employee.public"].search_read(
            [("id", "=", employee.id)], ["user_id", "resource_calendar_id"]
        )
        self.assertEqual(people[0]["user_id"][0], self.engineer.id)
        leaves = bot_env["resource.calendar.leaves"].search_read([], ["date_from", "date_to"])
        self.assertIsInstance(leaves, list, "and the time off of calendars and people.")

    def test_order_shows_the_worst_health_of_its_projects(self):
        self.project.order_forecast_end = "2030-02-03 09:00:00"
        self.assertEqual(self.order.order_health, "late", "A late project makes the order late.")
