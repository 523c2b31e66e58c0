from datetime import datetime, timedelta

from odoo import Command
from odoo.tests import Form, tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestStretchWarning(OrderProjectCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # cls.calendar: 8-12, lunch 12-13, 13-17 on weekdays.
        cls.company.resource_calendar_id = cls.calendar
        cls.project = cls.env["project.project"].create(
            {"name": "Furnace line", "order_calendar_id": cls.calendar.id}
        )

    def test_a_lunch_break_splits_the_day_into_two_blocks(self):
        self.assertEqual(
            self.calendar.order_longest_block_hours,
            4.0,
            "8-12 and 13-17 with a lunch break between are two 4 h blocks",
        )

    def test_touching_rows_without_lunch_make_one_block(self):
        calendar = self._make_calendar(
            "Long day (UTC)", "UTC", ((8, 12, "morning"), (12, 17, "afternoon"))
        )
        self.assertEqual(
            calendar.order_longest_block_hours,
            9.0,
            "8-12 and 12-17 touch without a break: one 9 h block",
        )

    def test_task_longer_than_any_block_warns(self):
        task = self.env["project.task"].create(
            {
                "name": "Heat treatment",
                "project_id": self.project.id,
                "planning_non_interruptible": True,
                "duration_hours": 6.0,
            }
        )
        warning = task.planning_stretch_warning
        self.assertTrue(warning, "a 6 h one-stretch task cannot fit a 4 h block")
        self.assertIn("6.0 h", warning, "the warning names the task's hours")
        self.assertIn("4.0 h", warning, "the warning names the longest block")
        self.assertIn(self.calendar.name, warning, "the warning names the calendar")

    def test_warning_reads_the_working_time_the_schedule_reads(self):
        # Both weeks of a two-week calendar are working time (as for the optimizer); a
        # person's own rows are not the calendar's: the warning and the first schedule read
        # the same intervals, through resource.calendar's own _work_intervals_batch.
        calendar = self._make_calendar("Short days (UTC)", "UTC", ((8, 11, "morning"),))
        resource = self.env["resource.resource"].create({"name": "Night welder"})
        calendar.write(
            {
                "two_weeks_calendar": True,
                "attendance_ids": [
                    Command.update(att.id, {"week_type": "0"}) for att in calendar.attendance_ids
                ]
                + [
                    Command.create(
                        {
                            "name": "Week 2 long day",
                            "dayofweek": "0",
                            "hour_from": 6,
                            "hour_to": 18,
                            "week_type": "1",
                        }
                    ),
                    Command.create(
                        {
                            "name": "Welder long day",
                            "dayofweek": "1",
                            "hour_from": 6,
                            "hour_to": 18,
                            "week_type": "0",
                            "resource_id": resource.id,
                        }
                    ),
                ],
            }
        )
        self.assertEqual(
            calendar.order_longest_block_hours, 12.0, "the second week's long Monday counts"
        )
        # Two weeks from a Monday of the first week type (Odoo's parity).
        monday = datetime(2026, 11, 30)
        if self.env["resource.calendar.attendance"].get_week_type(monday.date()):
            monday += timedelta(days=7)
        intervals = calendar._order_work_intervals(monday, monday + timedelta(days=14))
        hours = sorted(((b - monday).days, b.hour, e.hour) for b, e in intervals)
        first_week = [(day, 8, 11) for day in range(5)]
        self.assertEqual(
            hours,
            first_week + [(7, 6, 18)],
            "week 1: the mornings; week 2: the long Monday only; never the welder's own row",
        )
        working_time, tz = calendar._order_working_time()
        self.assertEqual(tz.zone, "UTC")
        self.assertEqual(
            working_time.add_hours(monday + timedelta(days=7), 12.0),
            monday + timedelta(days=7, hours=18),
            "the first schedule walks the same intervals",
        )

    def test_task_that_fits_or_may_pause_does_not_warn(self):
        task = self.env["project.task"].create(
            {
                "name": "Inspection",
                "project_id": self.project.id,
                "planning_non_interruptible": True,
                "duration_hours": 3.0,
            }
        )
        self.assertFalse(task.planning_stretch_warning, "3 h fit in a 4 h block")
        task.write({"duration_hours": 6.0, "planning_non_interruptible": False})
        self.assertFalse(
            task.planning_stretch_warning, "a task that may pause is split across blocks"
        )

    def test_task_without_project_uses_the_company_calendar(self):
        task = self.env["project.task"].create(
            {"name": "Loose pour", "planning_non_interruptible": True, "duration_hours": 6.0}
        )
        self.assertIn("4.0 h", task.planning_stretch_warning or "")

    def test_wbs_line_form_warns_while_the_user_types(self):
        admin = self.env.ref("base.user_admin")
        admin.company_id.resource_calendar_id = self.calendar
        with Form(self.env["order.wbs.template.line"].with_user(admin)) as line_form:
            line_form.template_id = self.tpl_eto
            line_form.name = "Concrete pour"
            line_form.duration_hours = 6.0
            self.assertFalse(line_form.stretch_warning, "no warning while the flag is off")
            line_form.non_interruptible = True
            self.assertIn("6.0 h", line_form.stretch_warning or "", "6 h > 4 h block")
            line_form.duration_hours = 3.0
            self.assertFalse(line_form.stretch_warning, "3 h fit in a 4 h block")

    def test_warning_speaks_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        task = self.env["project.task"].create(
            {
                "name": "Heat treatment",
                "project_id": self.project.id,
                "planning_non_interruptible": True,
                "duration_hours": 6.0,
            }
        )
        warning = task.with_context(lang="zh_CN").planning_stretch_warning
        self.assertIn("6.0 小时", warning, "a Chinese planner reads the warning in Chinese")
