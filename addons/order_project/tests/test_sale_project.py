from odoo import Command
from odoo.tests import tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestSaleProjectGeneration(OrderProjectCommon):
    """The delivery project is the project sale_project generates for the order's service
    lines: one generator, never a second project made and then adopted or left behind."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project_service = cls._make_service("Engineering", "project_only")
        cls.task_service = cls._make_service("Commissioning", "task_in_project")

    @classmethod
    def _make_service(cls, name, tracking, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "service_tracking": tracking,
                "order_wbs_template_id": cls.tpl_software.id,
                "list_price": 100.0,
                **values,
            }
        )

    def _confirm(self, *products):
        order = self._create_order(product=products[0], partner=self.other_customer)
        order.order_line = [
            Command.create({"product_id": product.id, "product_uom_qty": 1})
            for product in products[1:]
        ]
        order.action_confirm()
        return order

    def _projects_of(self, order):
        """Every project linked to the order in any way, archived ones included."""
        return (
            self.env["project.project"]
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    "|",
                    ("order_sale_order_id", "=", order.id),
                    ("reinvoiced_sale_order_id", "=", order.id),
                    ("sale_line_id.order_id", "=", order.id),
                ]
            )
        )

    def test_project_only_line_generates_the_one_delivery_project(self):
        order = self._confirm(self.project_service)
        delivery = order.delivery_project_ids
        self.assertEqual(len(delivery), 1)
        self.assertEqual(self._projects_of(order), delivery, "No other project for the order.")
        line = order.order_line
        self.assertEqual(line.project_id, delivery, "sale_project's link: the line's project.")
        self.assertEqual(delivery.sale_line_id, line, "and the project's sales order item.")
        self.assertEqual(order.project_id, delivery, "The order's project, as sale_project sets.")
        self.assertEqual(delivery.reinvoiced_sale_order_id, order)
        self.assertEqual(delivery.order_code, order.name)
        self.assertTrue(delivery.allow_billable, "Billable, as sale_project makes it.")
        self.assertTrue(delivery.account_id, "With the analytic account sale_project gives it.")
        self.assertEqual(
            len(delivery.task_ids),
            len(self.tpl_software.line_ids),
            "Only the WBS tasks: a project_only line makes no task.",
        )

    def test_task_in_project_line_puts_its_task_in_the_delivery_project(self):
        order = self._confirm(self.task_service)
        delivery = order.delivery_project_ids
        self.assertEqual(len(delivery), 1)
        self.assertEqual(self._projects_of(order), delivery)
        line = order.order_line
        self.assertEqual(line.project_id, delivery)
        self.assertEqual(line.task_id.project_id, delivery, "sale_project's task lands there.")
        self.assertEqual(line.task_id.sale_line_id, line)
        self.assertEqual(
            len(delivery.task_ids - line.task_id),
            len(self.tpl_software.line_ids),
            "beside the WBS tasks.",
        )

    def test_several_service_lines_share_the_order_project(self):
        template_project = self.env["project.project"].create({"name": "Service base project"})
        templated = self._make_service(
            "Training", "task_in_project", project_template_id=template_project.id
        )
        order = self._confirm(
            self.project_service, templated, self.task_service, self.standard_product
        )
        delivery = order.delivery_project_ids
        self.assertEqual(len(delivery), 1, "One delivery project per order.")
        self.assertEqual(
            self._projects_of(order),
            delivery,
            "Not even the product with its own project template makes a second project.",
        )
        services = order.order_line.filtered("is_service")
        self.assertEqual(services.project_id, delivery, "Every service line points at it.")
        self.assertEqual(delivery.sale_line_id, services[0], "The first line generated it.")
        self.assertEqual(
            order.order_line.task_id.project_id, delivery, "Both task_in_project tasks are in it."
        )
        self.assertEqual(len(order.order_line.task_id), 2)

    def test_per_line_service_projects(self):
        self.project_service.order_project_per_line = True
        order = self._confirm(self.project_service, self.project_service, self.task_service)
        per_line = order.delivery_project_ids.filtered("order_sale_line_id")
        self.assertEqual(len(per_line), 2, "Each per-line service gets its own project.")
        for project in per_line:
            self.assertEqual(project.order_sale_line_id.project_id, project)
            self.assertEqual(project.sale_line_id, project.order_sale_line_id)
        shared = order.delivery_project_ids - per_line
        self.assertEqual(len(shared), 1, "The other line shares the order's project.")
        task_line = order.order_line.filtered("task_id")
        self.assertEqual(task_line.project_id, shared)
        self.assertEqual(task_line.task_id.project_id, shared)
        self.assertEqual(self._projects_of(order), order.delivery_project_ids, "No orphan.")

    def test_service_without_project_tracking(self):
        global_project = self.env["project.project"].create(
            {"name": "Helpdesk", "allow_billable": True}
        )
        global_task = self._make_service(
            "Hotline", "task_global_project", project_id=global_project.id
        )
        plain = self._make_service("Advice", "no")
        order = self._confirm(plain, global_task)
        delivery = order.delivery_project_ids
        self.assertEqual(len(delivery), 1, "The delivery project is made all the same.")
        self.assertEqual(delivery.sale_line_id, order.order_line[0], "Its item: the first service.")
        self.assertFalse(order.order_line.project_id, "No line generated a project.")
        task = order.order_line.task_id
        self.assertEqual(task.project_id, global_project, "The global task stays global.")
        self.assertEqual(
            self._projects_of(order) - global_project,
            delivery,
            "No project but the delivery project and the shared global one.",
        )

    def test_milestone_service_keeps_its_own_milestone(self):
        milestone_service = self._make_service(
            "Stage payment", "project_only", invoice_policy="delivery", service_type="milestones"
        )
        order = self._confirm(milestone_service)
        delivery = order.delivery_project_ids
        line = order.order_line
        self.assertEqual(self._projects_of(order), delivery)
        billed = delivery.milestone_ids.filtered("sale_line_id")
        self.assertEqual(billed.sale_line_id, line, "sale_project's milestone bills the line.")
        self.assertEqual(len(billed), 1, "The WBS milestones are not billed on it.")
        self.assertEqual(
            sorted((delivery.milestone_ids - billed).mapped("name")),
            sorted(self.tpl_software.line_ids.filtered("is_milestone").mapped("name")),
            "The WBS milestones are there beside it, unbilled.",
        )

    def test_project_from_an_unrouted_confirmation_becomes_the_delivery_project(self):
        untemplated = self._make_service("Audit", "project_only", order_wbs_template_id=False)
        order = self._confirm(untemplated)
        first = order.order_line.project_id
        self.assertTrue(first, "sale_project generated a project.")
        self.assertFalse(order.delivery_project_ids, "No template: no delivery project yet.")
        order._action_cancel()
        order.action_draft()
        order.write({"order_route_manual": True, "wbs_template_id": self.tpl_software.id})
        order.action_confirm()
        self.assertEqual(order.delivery_project_ids, first, "The same project, now delivering.")
        self.assertEqual(self._projects_of(order), first, "No second project.")
        self.assertEqual(len(first.task_ids), len(self.tpl_software.line_ids))
