from datetime import datetime, timedelta

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OrderProjectCommon


def wbs_key(task):
    return tuple(int(part) for part in task.wbs_code.split("."))


@tagged("post_install", "-at_install")
class TestPhaseKanban(OrderProjectCommon):
    """A delivery project's tasks in a Kanban with one column per WBS phase, opened from the
    project by its planners and its salesperson, never by a portal user; each card shows the
    task's plan health."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_confirmed_order(commitment_date="2030-01-31 17:00:00")
        cls.phases = cls.project.task_ids.filtered("is_wbs_phase").sorted(wbs_key)
        cls.kanban_view = cls.env.ref("order_project.project_task_view_kanban_by_phase")
        cls.portal_user = new_test_user(
            cls.env, login="op_kanban_portal", groups="base.group_portal"
        )
        # the order's customer, the one portal user who could have a reason to look
        cls.portal_user.partner_id.parent_id = cls.customer

    def _columns(self, user):
        """The Kanban's columns as the web client asks for them (``web_read_group`` on the
        action's domain, grouped and ordered as the view says): ``[(phase, count)]``."""
        action = self.project.with_user(user).action_view_tasks_by_phase()
        tasks = self.env["project.task"].with_user(user).with_context(**action["context"])
        (group_by,) = action["context"]["group_by"]
        result = tasks.web_read_group(
            action["domain"], [], [group_by], orderby=f"{group_by} ASC", lazy=True
        )
        return [
            (self.env["project.task"].browse(group[group_by][0]), group[f"{group_by}_count"])
            for group in result["groups"]
        ]

    def test_the_action_shows_the_leaf_tasks_in_the_columns_of_their_phases(self):
        action = self.project.with_user(self.planner).action_view_tasks_by_phase()
        self.assertEqual(action["res_model"], "project.task")
        self.assertEqual(
            action["domain"], [("project_id", "=", self.project.id), ("is_wbs_phase", "=", False)]
        )
        self.assertEqual(action["context"]["default_project_id"], self.project.id)
        self.assertEqual(action["context"]["group_by"], ["parent_id"])
        self.assertEqual(
            [view_type for _view_id, view_type in action["views"]], ["kanban", "list", "form"]
        )
        self.assertEqual(action["views"][0][0], self.kanban_view.id)
        self.assertIn(self.project.name, action["display_name"])

        leaves = self.env["project.task"].search(action["domain"])
        self.assertEqual(leaves, self.tasks, "the project's leaf tasks, no phase")
        expected = [
            (phase, len(phase.child_ids.filtered(lambda task: not task.is_wbs_phase)))
            for phase in self.phases
            if phase.child_ids.filtered(lambda task: not task.is_wbs_phase)
        ]
        self.assertGreaterEqual(len(expected), 3)
        self.assertEqual(self._columns(self.planner), expected, "the phases in WBS order")
        self.assertEqual(sum(count for _phase, count in expected), len(self.tasks))

    def test_the_salesperson_sees_the_columns_of_his_order_and_no_other(self):
        self.assertEqual(self._columns(self.salesman), self._columns(self.planner))
        with self.assertRaises(AccessError):
            self.project.with_user(self.other_salesman).action_view_tasks_by_phase()

    def test_a_portal_user_cannot_open_the_board(self):
        """Not the action, not the columns, not the plan fields: project's portal rules keep
        the customer (a portal user of the order's partner) to the task fields of the portal."""
        with self.assertRaises(AccessError):
            self.project.with_user(self.portal_user).action_view_tasks_by_phase()
        tasks = self.env["project.task"].with_user(self.portal_user)
        domain = [("project_id", "=", self.project.id), ("is_wbs_phase", "=", False)]
        with self.assertRaises(AccessError):
            tasks.web_read_group(domain, [], ["parent_id"])
        with self.assertRaises(AccessError):
            self.tasks[0].with_user(self.portal_user).read(["planning_health"])
        views = tasks.get_views([(self.kanban_view.id, "kanban")])
        fields = views["models"]["project.task"]["fields"]
        for name in ("wbs_code", "planning_health", "planned_end", "planning_user_ids"):
            self.assertNotIn(name, fields, "the portal is never told about the plan fields")

    def test_the_view_loads_for_a_planner_and_a_salesperson(self):
        for user in (self.planner, self.salesman):
            action = self.project.with_user(user).action_view_tasks_by_phase()
            views = self.env["project.task"].with_user(user).get_views(action["views"])
            self.assertEqual(set(views["views"]), {"kanban", "list", "form"}, user.login)
            kanban = etree.fromstring(views["views"]["kanban"]["arch"])
            self.assertEqual(kanban.get("default_group_by"), "parent_id")
            for attribute in ("records_draggable", "group_create", "quick_create", "create"):
                self.assertEqual(kanban.get(attribute), "0", f"{attribute} for {user.login}")
            names = set(kanban.xpath("//field/@name"))
            for name in (
                "wbs_code",
                "name",
                "planning_health",
                "planning_health_color",
                "user_ids",
                "planning_user_ids",
                "planned_end",
                "depend_on_count",
                "closed_depend_on_count",
            ):
                self.assertIn(name, names, f"{name} on the card for {user.login}")
            fields = views["models"]["project.task"]["fields"]
            self.assertIn("planning_health", fields)

    def test_the_project_form_and_card_open_the_board_of_delivery_projects_only(self):
        arch = self.env["project.project"].with_user(self.planner).get_views([(False, "form")])
        form = etree.fromstring(arch["views"]["form"]["arch"])
        (button,) = form.xpath("//button[@name='action_view_tasks_by_phase']")
        self.assertEqual(button.get("invisible"), "not order_sale_order_id")
        arch = self.env["project.project"].with_user(self.planner).get_views([(False, "kanban")])
        kanban = etree.fromstring(arch["views"]["kanban"]["arch"])
        (link,) = kanban.xpath("//a[@name='action_view_tasks_by_phase']")
        self.assertEqual(link.getparent().get("t-if"), "record.order_sale_order_id.raw_value")

    def test_blocked_by_counts_the_unfinished_predecessors(self):
        blocked = self.tasks.filtered("depend_on_ids")[:1]
        self.assertTrue(blocked, "the template links tasks")
        self.assertTrue(self.project.allow_task_dependencies)
        self.assertEqual(
            blocked.depend_on_count - blocked.closed_depend_on_count, len(blocked.depend_on_ids)
        )
        blocked.depend_on_ids.state = "1_done"
        blocked.invalidate_recordset(["depend_on_count", "closed_depend_on_count"])
        self.assertEqual(blocked.depend_on_count - blocked.closed_depend_on_count, 0)

    # ------------------------------------------------------------------ plan health
    def test_plan_health_against_the_deadline_or_the_order_date(self):
        task = self.tasks[0]
        commitment = datetime(2030, 1, 31, 17, 0)
        cases = [
            # (planned end, task deadline, expected health, colour)
            (commitment - timedelta(days=5), False, "on_track", 10),
            (commitment - timedelta(hours=5), False, "at_risk", 2),
            (commitment + timedelta(hours=1), False, "late", 1),
            # the task's own deadline comes before the order's date
            (commitment - timedelta(days=5), commitment - timedelta(days=6), "late", 1),
            (
                commitment - timedelta(days=5),
                commitment - timedelta(days=5, hours=-2),
                "at_risk",
                2,
            ),
            (commitment + timedelta(days=5), commitment + timedelta(days=10), "on_track", 10),
            (False, False, False, 0),
        ]
        for planned_end, deadline, health, colour in cases:
            task.write({"planned_end": planned_end, "date_deadline": deadline})
            self.assertEqual(task.planning_health, health, f"{planned_end} / {deadline}")
            self.assertEqual(task.planning_health_color, colour)

    def test_plan_health_follows_the_order_date_and_the_margin(self):
        task = self.tasks[0]
        task.write({"planned_end": datetime(2030, 1, 30, 9, 0), "date_deadline": False})
        self.assertEqual(task.planning_health, "on_track")
        self.env["ir.config_parameter"].set_param("order_project.at_risk_hours", "48")
        task.invalidate_recordset(["planning_health"])
        self.assertEqual(task.planning_health, "at_risk", "within the 48 h margin")
        self.order.commitment_date = datetime(2030, 1, 29, 17, 0)
        self.assertEqual(task.planning_health, "late", "the promise moved before the end")

    def test_a_closed_task_has_no_plan_health(self):
        task = self.tasks[0]
        task.planned_end = datetime(2030, 2, 5, 9, 0)
        self.assertEqual(task.planning_health, "late")
        task.state = "1_done"
        self.assertFalse(task.planning_health)
        self.assertEqual(task.planning_health_color, 0)
        task.state = "1_canceled"
        self.assertFalse(task.planning_health)

    def test_a_task_without_order_date_nor_deadline_has_no_plan_health(self):
        project = self.env["project.project"].create({"name": "Internal"})
        task = self.env["project.task"].create(
            {
                "name": "Tidy the workshop",
                "project_id": project.id,
                "planned_end": datetime(2030, 1, 1, 9, 0),
                "user_ids": [Command.set(self.engineer.ids)],
            }
        )
        self.assertFalse(task.planning_health)
