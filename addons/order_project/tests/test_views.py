from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestViews(OrderProjectCommon):
    def test_every_role_opens_the_views_of_its_menus(self):
        cases = {
            self.salesman: ["order.planning.run", "project.project", "project.task", "sale.order"],
            self.planner: ["order.planning.run", "order.route.rule", "order.wbs.template"],
            self.env.ref("base.user_admin"): [
                "order.route.rule",
                "order.wbs.template",
                "order.wbs.template.line",
                "order.planning.run",
                "product.template",
                "res.config.settings",
            ],
        }
        for user, models in cases.items():
            for model in models:
                views = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "list"), (False, "form"), (False, "search")])
                )
                self.assertTrue(views["views"]["form"]["arch"], f"{user.login} opens {model}")

    def test_manager_builds_a_rule_and_a_template_in_the_forms(self):
        admin = self.env.ref("base.user_admin")
        with Form(self.env["order.wbs.template"].with_user(admin)) as template_form:
            template_form.name = "Service visit"
            with template_form.line_ids.new() as line:
                line.name = "Visit"
                line.duration_hours = 4
        template = template_form.record
        self.assertEqual(template.line_ids.wbs_code, "1")
        with Form(self.env["order.route.rule"].with_user(admin)) as rule_form:
            rule_form.name = "Service visits"
            rule_form.origin_match = "visit"
            rule_form.wbs_template_id = template
        self.assertEqual(rule_form.record.wbs_template_id, template)

    def test_delivery_team_members_follow_the_project(self):
        team = self.env["crm.team"].create(
            {"name": "Commissioning", "member_ids": [(6, 0, self.planner.ids)]}
        )
        self.rule_big_custom.delivery_team_id = team
        order = self._create_order(partner=self.other_customer)
        order.action_confirm()
        self.assertEqual(order.delivery_team_id, team)
        self.assertIn(
            self.planner.partner_id,
            order.delivery_project_ids.message_partner_ids,
            "The delivery team follows the project.",
        )

    def test_the_projects_list_reads_next_milestones_in_constant_queries(self):
        """Odoo's next-milestone columns cost two queries a project when computed apart; a
        list of delivery projects, each with its WBS milestones, reads them in a fixed number
        of queries however many rows it shows."""
        projects = self.env["project.project"]
        for _ in range(4):
            order = self._create_order()
            order.action_confirm()
            projects |= order.delivery_project_ids
        self.assertEqual(len(projects), 4)
        self.assertTrue(all(projects.mapped("milestone_ids")), "every project has milestones")
        columns = ["next_milestone_id", "can_mark_milestone_as_done"]
        columns += ["is_milestone_deadline_exceeded"]

        def queries(records):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            rows = records.read(columns)
            self.assertTrue(all(row["next_milestone_id"] for row in rows))
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(projects[:1]), queries(projects))

    def test_the_projects_list_shows_a_delivery_projects_customer(self):
        """sale_project hides the customer column's cells of projects that are not billable;
        a delivery project's customer is shown (its order's)."""
        self._setup_confirmed_order()
        self.assertFalse(self.project.allow_billable)
        self.assertEqual(self.project.partner_id, self.order.partner_id)
        arch = self.env["project.project"].with_user(self.planner).get_views([(False, "list")])
        tree = etree.fromstring(arch["views"]["list"]["arch"])
        (partner,) = tree.xpath("//field[@name='partner_id']")
        invisible = partner.get("invisible")
        values = {"allow_billable": False, "order_sale_order_id": self.order.id}
        self.assertFalse(safe_eval(invisible, values), f"shown for a delivery project: {invisible}")
        values["order_sale_order_id"] = False
        self.assertTrue(safe_eval(invisible, values), "other projects keep sale_project's rule")
