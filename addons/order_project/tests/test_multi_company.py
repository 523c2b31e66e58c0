from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestMultiCompany(OrderProjectCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Order Project B"})
        cls.rule_b = cls.env["order.route.rule"].create(
            {
                "name": "Company B rule",
                "sequence": 0,
                "company_id": cls.company_b.id,
                "wbs_template_id": cls.tpl_arch.id,
            }
        )

    def test_rules_of_another_company_neither_route_nor_show(self):
        order = self._create_order()
        order.action_confirm()
        self.assertEqual(
            order.order_route_rule_id,
            self.rule_big_custom,
            "A rule of company B never routes an order of company A.",
        )
        rules = self.env["order.route.rule"].with_user(self.salesman).search([])
        self.assertNotIn(self.rule_b, rules, "Company A users do not see company B's rules.")

    def test_plan_touching_a_foreign_company_is_refused(self):
        self.planner.write({"company_ids": [Command.set(self.env.company.ids)]})
        project_b = self.env["project.project"].create(
            {"name": "B delivery", "company_id": self.company_b.id}
        )
        task_b = self.env["project.task"].create({"name": "B task", "project_id": project_b.id})
        with self.assertRaises(AccessError):
            self.env["order.planning.run"].with_user(self.planner).apply_schedule(
                {
                    "plan_id": "cross-company",
                    "tasks": [
                        {
                            "task_id": task_b.id,
                            "write_date": self._fmt(task_b.write_date),
                            "planned_start": "2031-01-06 08:00:00",
                            "planned_end": "2031-01-06 09:00:00",
                        }
                    ],
                }
            )

    def test_board_reoptimize_never_queues_another_companys_project(self):
        """The board sends the ids it shows; ids of another company's project, sent by
        hand, are not planned."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("order_project.optimizer_url", "http://optimizer.test:8090/")
        params.set_param("order_project.optimizer_key", "s3cret")
        self.planner.write({"company_ids": [Command.set(self.env.company.ids)]})
        project_b = self.env["project.project"].create(
            {"name": "B delivery", "company_id": self.company_b.id}
        )
        with self.assertRaisesRegex(UserError, "no delivery project"):
            self.env["order.planning.board"].with_user(self.planner).reoptimize(project_b.ids)
        self.assertFalse(
            self.env["order.planning.run"].search([("project_ids", "in", project_b.ids)])
        )
