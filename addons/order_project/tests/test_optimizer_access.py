from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestOptimizerAccess(OrderProjectCommon):
    """The optimizer's bot reads what a shop-floor plan needs (calendars, time off, people,
    skills) through the external API, without being an HR officer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.welder_user = new_test_user(cls.env, login="op_welder", groups="base.group_user")
        cls.welder = cls.env["hr.employee"].create(
            {
                "name": "Li Wei",
                "user_id": cls.welder_user.id,
                "resource_calendar_id": cls.calendar.id,
            }
        )
        skill_type = cls.env["hr.skill.type"].create(
            {
                "name": "Trades",
                "skill_ids": [(0, 0, {"name": "Welding"})],
                "skill_level_ids": [(0, 0, {"name": "Senior", "level_progress": 75})],
            }
        )
        cls.welding_skill = cls.env["hr.employee.skill"].create(
            {
                "employee_id": cls.welder.id,
                "skill_type_id": skill_type.id,
                "skill_id": skill_type.skill_ids.id,
                "skill_level_id": skill_type.skill_level_ids.id,
            }
        )
        cls.time_off = cls.env["resource.calendar.leaves"].create(
            {
                "name": "Li Wei's leave",
                "resource_id": cls.welder.resource_id.id,
                "date_from": "2026-12-01 00:00:00",
                "date_to": "2026-12-03 00:00:00",
            }
        )
        cls.holiday = cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "date_from": "2026-12-25 00:00:00",
                "date_to": "2026-12-26 00:00:00",
            }
        )

    def test_bot_reads_everybody_s_time_off(self):
        leaves = self.env["resource.calendar.leaves"].with_user(self.bot)
        found = leaves.search_read(
            [("id", "in", [self.time_off.id, self.holiday.id])], ["resource_id", "date_from"]
        )
        self.assertEqual({row["id"] for row in found}, {self.time_off.id, self.holiday.id})
        # another plain employee still sees only global time off and their own
        plain = leaves.with_user(self.engineer).search([("id", "=", self.time_off.id)])
        self.assertFalse(plain)

    def test_bot_only_reads_time_off(self):
        leaves = self.env["resource.calendar.leaves"].with_user(self.bot)
        with self.assertRaises(AccessError):
            leaves.browse(self.time_off.id).write({"name": "changed"})

    def test_bot_reads_people_and_skills(self):
        employee = (
            self.env["hr.employee.public"]
            .with_user(self.bot)
            .search_read(
                [("user_id", "=", self.welder_user.id)],
                ["user_id", "resource_id", "resource_calendar_id", "tz", "company_id"],
            )
        )
        self.assertEqual(employee[0]["resource_calendar_id"][0], self.calendar.id)
        skills = (
            self.env["hr.employee.skill"]
            .with_user(self.bot)
            .search_read(
                [("employee_id", "=", self.welder.id)],
                ["skill_id", "skill_level_id", "level_progress"],
            )
        )
        self.assertEqual(skills[0]["level_progress"], 75)
        attendances = (
            self.env["resource.calendar.attendance"]
            .with_user(self.bot)
            .search_read([("calendar_id", "=", self.calendar.id)], ["day_period"])
        )
        self.assertIn("lunch", {row["day_period"] for row in attendances})
