from datetime import datetime, timedelta

import pytz

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged, users

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestOrderProject(OrderProjectCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_confirmed_order(client_order_ref="PO-777")

    def test_confirmation_creates_one_project_named_from_the_order(self):
        self.assertEqual(len(self.project), 1, "One delivery project per confirmed order.")
        self.assertEqual(self.project.order_code, self.order.name)
        self.assertTrue(
            self.project.name.startswith(self.order.name),
            "The project name starts with the order number so both read alike.",
        )
        self.assertIn("PO-777", self.project.name, "The customer's reference is in the name.")
        self.assertEqual(self.project.user_id, self.project_manager)
        self.assertIn(self.engineer.partner_id, self.project.message_partner_ids)
        self.assertTrue(self.project.allow_task_dependencies and self.project.allow_milestones)
        self.assertEqual(self.order.delivery_project_count, 1)

    def test_wbs_tasks_milestones_and_dependencies_come_from_the_template(self):
        tasks = self.project.task_ids
        lines = self.tpl_eto.line_ids
        self.assertEqual(len(tasks), len(lines), "Every phase and task of the template is a task.")
        self.assertEqual(
            sorted(tasks.mapped("wbs_code")),
            sorted(lines.mapped("wbs_code")),
            "Tasks carry the template's WBS codes.",
        )
        manufacturing = tasks.filtered(lambda t: t.name == "Manufacturing")
        self.assertEqual(manufacturing.parent_id.name, "Production", "Tasks sit under their phase.")
        self.assertEqual(manufacturing.allocated_hours, 80 * 3, "Effort is duration x headcount.")
        self.assertEqual(manufacturing.depend_on_ids.mapped("name"), ["Production scheduling"])
        proto_build = tasks.filtered(lambda t: t.name == "Prototype build")
        self.assertEqual(proto_build.order_lag_ids.lag_hours, 16.0, "The template lag is kept.")
        milestones = self.project.milestone_ids
        self.assertEqual(
            sorted(milestones.mapped("name")),
            ["Delivery", "Design review", "Procurement", "Production"],
            "Milestone phases become project milestones.",
        )
        self.assertEqual(manufacturing.milestone_id.name, "Production")
        self.assertTrue(
            all(milestones.mapped("deadline")), "Milestones are due when their phase ends."
        )

    def test_first_schedule_follows_dependencies_and_calendar(self):
        tasks = self.project.task_ids.filtered(lambda t: not t.is_wbs_phase)
        self.assertTrue(
            all(tasks.mapped("planned_start")), "Every task has dates before any optimisation."
        )
        for task in tasks:
            self.assertTrue(
                self._in_working_hours(task.planned_start), f"{task.name} starts in working hours"
            )
            self.assertTrue(
                self._in_working_hours(task.planned_end), f"{task.name} ends in working hours"
            )
            for pred in task.depend_on_ids:
                self.assertGreaterEqual(
                    task.planned_start,
                    pred.planned_end,
                    f"{task.name} starts after {pred.name} ends.",
                )
        first = tasks.sorted("planned_start")[:1]
        self.assertGreaterEqual(
            first.planned_start, self.order.date_order.replace(second=0, microsecond=0)
        )
        acceptance = tasks.filtered(lambda t: t.name == "Installation and acceptance")
        self.assertEqual(self.project.order_forecast_end, acceptance.planned_end)
        self.assertTrue(acceptance.is_critical, "The last task is on the critical path.")
        phase = self.project.task_ids.filtered(lambda t: t.name == "Production")
        self.assertEqual(phase.planned_start, min(phase.child_ids.mapped("planned_start")))
        self.assertEqual(phase.planned_end, max(phase.child_ids.mapped("planned_end")))

    def test_confirm_cancel_reconfirm_never_duplicates(self):
        task_count = len(self.project.task_ids)
        self.order._action_cancel()
        self.order.action_draft()
        self.order.action_confirm()
        projects = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search([("order_sale_order_id", "=", self.order.id)])
        )
        self.assertEqual(projects, self.project, "Re-confirming finds the first project again.")
        self.assertEqual(len(self.project.task_ids), task_count, "Its WBS is not generated twice.")

    def test_per_line_projects(self):
        self.custom_product.product_tmpl_id.write(
            {"order_wbs_template_id": self.tpl_arch.id, "order_project_per_line": True}
        )
        order = self._create_order(product=self.standard_product, partner=self.other_customer)
        order.order_line = [
            Command.create({"product_id": self.custom_product.id, "product_uom_qty": 1}),
            Command.create({"product_id": self.custom_product.id, "product_uom_qty": 1}),
        ]
        order.action_confirm()
        per_line = order.delivery_project_ids.filtered("order_sale_line_id")
        self.assertEqual(len(per_line), 2, "Each line of a per-line product gets its own project.")
        self.assertEqual(set(per_line.mapped("order_wbs_template_id")), {self.tpl_arch})
        self.assertEqual(
            sorted(per_line.mapped("order_code")),
            [f"{order.name}/02", f"{order.name}/03"],
            "Per-line projects are coded from the order number and the line.",
        )
        self.assertEqual(
            len(order.delivery_project_ids - per_line),
            1,
            "The other lines (the bearing) share the order's own project.",
        )
        only_per_line = self._create_order(partner=self.other_customer)
        only_per_line.action_confirm()
        self.assertEqual(
            only_per_line.delivery_project_ids.order_sale_line_id,
            only_per_line.order_line,
            "When every line has its own project, no empty order-level project is made.",
        )

    def test_sale_project_project_is_adopted(self):
        service = self.env["product.product"].create(
            {
                "name": "Engineering service",
                "type": "service",
                "service_tracking": "project_only",
                "order_wbs_template_id": self.tpl_software.id,
                "list_price": 100.0,
            }
        )
        order = self._create_order(product=service, partner=self.other_customer)
        order.action_confirm()
        self.assertEqual(
            order.delivery_project_ids,
            order.project_ids.filtered("order_sale_order_id"),
            "The project sale_project creates for the service line becomes the delivery "
            "project; no second project is made.",
        )
        self.assertEqual(len(order.project_ids), 1)
        self.assertTrue(order.delivery_project_ids.task_ids.filtered("wbs_code"))

    def test_set_baseline(self):
        self.project.with_user(self.planner).action_set_baseline()
        task = self.project.task_ids.filtered(lambda t: t.name == "Manufacturing")
        self.assertEqual(task.baseline_end, task.planned_end, "The baseline freezes the plan.")
        with self.assertRaises(AccessError, msg="Setting the baseline is a planner's call."):
            self.project.with_user(self.salesman).action_set_baseline()

    @users("op_salesman")
    def test_salesman_sees_own_orders_projects_only(self):
        project = self.project.with_user(self.env.user)
        self.assertTrue(project.read(["name"]), "The salesman reads his order's project.")
        self.assertTrue(project.task_ids, "and its tasks.")
        other = self._create_order(user=self.other_salesman, partner=self.other_customer)
        other.sudo().action_confirm()
        self.assertFalse(
            self.env["project.project"].search([("order_sale_order_id", "=", other.id)]),
            "Another salesman's delivery project stays invisible.",
        )

    def test_schedule_follows_the_calendar_time_zone(self):
        shanghai = self._make_calendar(
            "Shanghai office", "Asia/Shanghai", ((9, 12, "morning"), (13, 18, "afternoon"))
        )
        self.rule_big_custom.resource_calendar_id = shanghai
        order = self._create_order(partner=self.other_customer)
        order.action_confirm()
        project = order.delivery_project_ids
        self.assertEqual(project.order_calendar_id, shanghai, "The rule's calendar is kept.")
        tz = pytz.timezone("Asia/Shanghai")
        for task in project.task_ids.filtered(lambda t: not t.is_wbs_phase):
            local = pytz.utc.localize(task.planned_start).astimezone(tz)
            hour = local.hour + local.minute / 60
            self.assertTrue(
                local.weekday() < 5 and (9 <= hour < 12 or 13 <= hour < 18),
                f"{task.name} starts at {local}, inside Shanghai working hours",
            )

    def test_plain_salesman_confirms_and_opens_the_order(self):
        seller = new_test_user(
            self.env, login="op_plain_seller", groups="sales_team.group_sale_salesman"
        )
        order = self._create_order(user=seller, partner=self.other_customer)
        order.with_user(seller).action_confirm()
        self.assertEqual(
            len(order.delivery_project_ids),
            1,
            "A salesperson without project rights still gets the delivery project made.",
        )
        form = Form(order.with_user(seller))
        self.assertEqual(form.order_route_rule_id, self.rule_big_custom)

    def test_project_chosen_by_hand_is_never_adopted(self):
        pool = self.env["project.project"].create({"name": "Support pool", "allow_billable": True})
        service = self.env["product.product"].create(
            {
                "name": "On-site support",
                "type": "service",
                "service_tracking": "task_in_project",
                "order_wbs_template_id": self.tpl_software.id,
            }
        )
        order = self._create_order(product=service, partner=self.other_customer)
        order.project_id = pool
        order.action_confirm()
        delivery = order.delivery_project_ids
        self.assertEqual(len(delivery), 1)
        self.assertNotEqual(delivery, pool, "A shared project picked on the quotation stays as is.")
        self.assertFalse(pool.order_sale_order_id)
        self.assertFalse(pool.task_ids.filtered("wbs_code"), "No WBS lands in the shared project.")

    def test_calendar_without_hours_does_not_block_the_sale(self):
        empty = self.env["resource.calendar"].create(
            {"name": "Nobody works", "tz": "UTC", "attendance_ids": [(5, 0, 0)]}
        )
        self.rule_big_custom.resource_calendar_id = empty
        order = self._create_order(partner=self.other_customer)
        order.action_confirm()
        self.assertEqual(order.state, "sale", "The order is confirmed all the same.")
        project = order.delivery_project_ids
        self.assertTrue(project.task_ids, "The WBS is there.")
        self.assertFalse(any(project.task_ids.mapped("planned_start")))
        self.assertIn(
            "could not be computed",
            " ".join(project.message_ids.mapped("body")),
            "The project's chatter says why it has no dates yet.",
        )

    def test_reschedule_moves_unpinned_tasks_only(self):
        tasks = self.project.task_ids.filtered(lambda t: not t.is_wbs_phase)
        pinned, free = tasks[0], tasks[-1]
        pinned.write({"planning_pinned": True, "planned_start": "2020-01-06 08:00:00"})
        free.planned_start = "2020-01-06 08:00:00"
        self.project.with_user(self.planner).action_order_forward_schedule()
        self.assertEqual(str(pinned.planned_start), "2020-01-06 08:00:00", "Pinned stays.")
        self.assertGreater(free.planned_start.year, 2020, "The others are planned again.")

    def test_cancellation_is_told_on_the_project(self):
        self.order._action_cancel()
        self.assertIn("cancelled", " ".join(self.project.message_ids.mapped("body")))

    def test_new_at_risk_margin_re_rates_projects(self):
        self.order.commitment_date = self.project.order_forecast_end + timedelta(hours=30)
        self.assertEqual(self.project.order_health, "on_track", "30 h ahead, 24 h margin.")
        settings = self.env["res.config.settings"].create({"order_at_risk_hours": 48.0})
        settings.set_values()
        self.assertEqual(self.project.order_health, "at_risk", "30 h ahead, 48 h margin.")


@tagged("post_install", "-at_install")
class TestStartToStartSchedule(OrderProjectCommon):
    """The first schedule on the 8-12/13-17 UTC calendar from Monday 2030-01-07 08:00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.env["project.project"].create(
            {
                "name": "Start together",
                "allow_task_dependencies": True,
                "order_calendar_id": cls.calendar.id,
            }
        )
        cls.task_of = {
            name: cls.env["project.task"].create(
                {"name": name, "project_id": cls.project.id, "duration_hours": hours}
            )
            for name, hours in (("build", 8), ("paint", 4), ("check", 8), ("pack", 2))
        }

    def _link(self, name, pred, dependency_type="FS", lag_hours=0.0):
        task, before = self.task_of[name], self.task_of[pred]
        task.depend_on_ids = [Command.link(before.id)]
        if dependency_type != "FS" or lag_hours:
            self.env["order.task.lag"].create(
                {
                    "task_id": task.id,
                    "depend_on_id": before.id,
                    "dependency_type": dependency_type,
                    "lag_hours": lag_hours,
                }
            )

    def test_start_to_start_with_and_without_lag(self):
        self._link("paint", "build", "SS")
        self._link("check", "build", "SS", 4)
        self._link("pack", "build")
        self.project._order_project_forward_schedule(datetime(2030, 1, 7, 8, 0))
        dates = {
            name: (self._fmt(task.planned_start), self._fmt(task.planned_end))
            for name, task in self.task_of.items()
        }
        self.assertEqual(
            dates,
            {
                "build": ("2030-01-07 08:00:00", "2030-01-07 17:00:00"),
                # starts with its predecessor
                "paint": ("2030-01-07 08:00:00", "2030-01-07 12:00:00"),
                # four working hours after the predecessor started: after lunch
                "check": ("2030-01-07 13:00:00", "2030-01-08 12:00:00"),
                # finish to start: the next morning
                "pack": ("2030-01-08 08:00:00", "2030-01-08 10:00:00"),
            },
        )
        self.assertEqual(self.project.order_forecast_end, datetime(2030, 1, 8, 12, 0))
        critical = {name for name, task in self.task_of.items() if task.is_critical}
        self.assertEqual(critical, {"build", "check"}, "Build starts the chain to the last end.")
        self.assertEqual(self.task_of["paint"].slack_hours, 8.0)
        self.assertEqual(self.task_of["pack"].slack_hours, 2.0)

    def test_start_to_start_lag_longer_than_the_predecessor(self):
        self._link("pack", "paint", "SS", 6)
        self.project._order_project_forward_schedule(datetime(2030, 1, 7, 8, 0))
        paint, pack = self.task_of["paint"], self.task_of["pack"]
        self.assertEqual(self._fmt(paint.planned_start), "2030-01-07 08:00:00")
        self.assertEqual(
            self._fmt(pack.planned_start),
            "2030-01-07 15:00:00",
            "Six working hours after paint started, though paint ended at noon.",
        )
        self.assertTrue(paint.is_critical and pack.is_critical)
        self.assertEqual(paint.slack_hours, 0.0, "A start-to-start successor bounds its start.")
