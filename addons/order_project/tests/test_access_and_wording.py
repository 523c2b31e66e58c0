from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged, users

from .common import OrderProjectCommon

# every internal role of the addon, each in company A only
INTERNAL_LOGINS = ("op_salesman", "op_planner", "op_bot", "op_pm", "op_engineer", "op_manager")


@tagged("post_install", "-at_install")
class TestAccessAndWording(OrderProjectCommon):
    """What each reader may see: company B's WBS data stays in company B, another order's
    task names stay with that order, and a Chinese reader reads the tools' refusals in
    Chinese; a rule's amounts count in the order's currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Order Project B"})
        cls.manager = new_test_user(
            cls.env, login="op_manager", groups="order_project.group_order_manager"
        )
        cls.template_b = cls.env["order.wbs.template"].create(
            {"name": "Company B template", "company_id": cls.company_b.id}
        )
        cls.line_b1, cls.line_b2 = cls.env["order.wbs.template.line"].create(
            [
                {"name": "B design", "template_id": cls.template_b.id, "duration_hours": 8},
                {"name": "B build", "template_id": cls.template_b.id, "duration_hours": 8},
            ]
        )
        cls.dependency_b = cls.env["order.wbs.template.dependency"].create(
            {"line_id": cls.line_b2.id, "depend_on_id": cls.line_b1.id, "lag_hours": 2}
        )
        project_b = cls.env["project.project"].create(
            {"name": "B delivery", "company_id": cls.company_b.id}
        )
        task_b1, task_b2 = cls.env["project.task"].create(
            [
                {"name": "B first", "project_id": project_b.id},
                {"name": "B second", "project_id": project_b.id},
            ]
        )
        cls.lag_b = cls.env["order.task.lag"].create(
            {"task_id": task_b2.id, "depend_on_id": task_b1.id, "lag_hours": 4}
        )

    # ------------------------------------------------------------------ two companies
    def _assert_company_b_hidden(self, records):
        login = self.env.user.login
        user_records = records.with_env(self.env)
        if not self.env["ir.model.access"].check(records._name, "read", raise_exception=False):
            with self.assertRaises(AccessError, msg=f"{login} has no access to the model at all."):
                user_records.search([])
            return
        found = user_records.search([("id", "in", records.ids)])
        self.assertFalse(
            found, f"{login}, in company A only, does not find company B's {records._name}."
        )
        with self.assertRaises(AccessError, msg=f"{login} cannot open it either."):
            user_records.read(["display_name"])

    @users(*INTERNAL_LOGINS)
    def test_wbs_template_lines_of_another_company_are_hidden(self):
        self._assert_company_b_hidden(self.line_b1 | self.line_b2)

    @users(*INTERNAL_LOGINS)
    def test_wbs_template_dependencies_of_another_company_are_hidden(self):
        self._assert_company_b_hidden(self.dependency_b)

    @users(*INTERNAL_LOGINS)
    def test_task_lags_of_another_company_are_hidden(self):
        self._assert_company_b_hidden(self.lag_b)

    def test_users_of_both_companies_see_both(self):
        self.planner.write({"company_ids": [Command.link(self.company_b.id)]})
        lines = (
            self.env["order.wbs.template.line"]
            .with_user(self.planner)
            .with_context(allowed_company_ids=[self.env.company.id, self.company_b.id])
            .search([("id", "=", self.line_b1.id)])
        )
        self.assertEqual(lines, self.line_b1, "A planner allowed in company B reads its lines.")

    # ------------------------------------------------------------------ another order
    def _two_orders(self):
        self._setup_confirmed_order(commitment_date="2030-01-31 17:00:00")
        other = self._create_order(user=self.other_salesman, partner=self.other_customer)
        other.action_confirm()
        other_task = other.delivery_project_ids.task_ids.filtered(lambda t: not t.is_wbs_phase)[0]
        other_task.name = "Beta secret welding"
        return other_task

    def test_why_late_does_not_name_another_orders_task(self):
        other_task = self._two_orders()
        details = {
            "cause": "resource",
            "task_id": self.tasks[-1].id,
            "other_task_id": other_task.id,
            "resource": "Li Wei",
            "until": "2030-02-01T17:00:00+00:00",
        }
        self.project.sudo().write(
            {
                "order_forecast_end": "2030-02-02 09:00:00",
                "order_lateness_hours": 40.0,
                "order_delay_reason": "held by a welder",
                "order_delay_details": details,
            }
        )
        text = self.project.with_user(self.salesman).order_delay_text
        self.assertIn(self.tasks[-1].name, text, "The salesperson reads their own order's task.")
        self.assertNotIn(
            "Beta secret welding", text, "Another customer's task is not named to this salesperson."
        )
        self.assertIn("a task of another project", text)
        self.assertIn(
            f"Beta secret welding ({other_task.project_id.display_name})",
            self.project.with_user(self.planner).order_delay_text,
            "Planners see every delivery task, so they read its name, with its order's project.",
        )
        # the critical chain through the other order's task, and the optimizer's own text
        self.project.sudo().order_critical_task_ids = other_task | self.tasks[-1]
        text = self.project.with_user(self.salesman).order_delay_text
        self.assertNotIn("Beta secret welding", text, "Not in the critical chain either.")
        self.assertIn(self.tasks[-1].name, text.splitlines()[-1])
        with self.assertRaises(AccessError):
            self.project.with_user(self.salesman).read(["order_delay_reason"])
        # without a forecast to word, the optimizer's text is shown to planners only
        self.project.sudo().order_forecast_end = False
        self.assertFalse(self.project.with_user(self.salesman).order_delay_text)
        self.assertEqual(self.project.with_user(self.planner).order_delay_text, "held by a welder")

    def test_failure_sentence_does_not_name_another_orders_task(self):
        other_task = self._two_orders()
        run = (
            self.env["order.planning.run"]
            .sudo()
            .create({"scope": "project", "project_ids": [Command.set(self.project.ids)]})
        )
        run.plan_id = "odoo-secret-failure"
        conflict = {
            "kind": "pinned_overlap",
            "project_id": self.project.id,
            "task_ids": [self.tasks[0].id, other_task.id],
            "resources": ["Li Wei"],
            "text": "Li Wei is double-booked",
            "details": {"at": "2030-02-01T09:00:00+00:00"},
        }
        self.env["order.planning.run"].with_user(self.bot).mark_failed(
            run.plan_id, "No plan", [conflict]
        )
        text = run.with_user(self.salesman).failure_text
        self.assertIn(self.tasks[0].name, text)
        self.assertNotIn("Beta secret welding", text, "Not to the salesperson of another order.")
        self.assertNotIn(
            "Beta secret welding",
            run.message_ids[0].body,
            "The chatter note, read by whoever follows the run, names only its projects' tasks.",
        )

    # ------------------------------------------------------------------ in Chinese
    def test_rule_refusal_reads_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        with self.assertRaises(ValidationError) as caught:
            self.env["order.route.rule"].with_context(lang="zh_CN").create(
                {"name": "Inverted", "amount_min": 100.0, "amount_max": 10.0}
            )
        message = str(caught.exception)
        self.assertIn("最低金额", message, "The reason itself is in Chinese, not only its frame.")
        self.assertNotIn("is above the maximum", message)

    def test_schedule_refusal_reads_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self._setup_confirmed_order()
        idle = self.env["resource.calendar"].create({"name": "No hours", "tz": "UTC"})
        idle.attendance_ids = [Command.clear()]
        self.project.order_calendar_id = idle
        with self.assertRaises(UserError) as caught:
            self.project.with_user(self.planner).with_context(
                lang="zh_CN"
            ).action_order_forward_schedule()
        message = str(caught.exception)
        self.assertIn("工作日历", message, "A planner reading Chinese reads why in Chinese.")
        self.assertNotIn("working calendar", message)

    # ------------------------------------------------------------------ two currencies
    def test_rule_amounts_count_in_the_orders_currency(self):
        """The big-custom rule starts at 10,000 in the company's currency; a euro order of
        12,000 is worth 6,000 of it at a rate of 2 and is not big."""
        euro = self.env.ref("base.EUR")
        euro.active = True
        company_currency = self.env.company.currency_id
        self.assertNotEqual(euro, company_currency)
        self.env["res.currency.rate"].search([("currency_id", "=", euro.id)]).unlink()
        self.env["res.currency.rate"].create(
            {
                "currency_id": euro.id,
                "rate": 2.0,
                "name": fields.Date.today() - timedelta(days=30),
                "company_id": self.env.company.id,
            }
        )
        pricelist = self.env["product.pricelist"].create({"name": "Euro", "currency_id": euro.id})

        def euro_order(amount):
            order = self._create_order(pricelist_id=pricelist.id)
            self.assertEqual(order.currency_id, euro)
            order.order_line.price_unit = amount
            order.order_line.tax_id = False
            order.action_confirm()
            return order

        small = euro_order(12000.0)
        self.assertNotEqual(
            small.order_route_rule_id,
            self.rule_big_custom,
            "12,000 EUR is 6,000 in the company's currency: below the rule's 10,000.",
        )
        big = euro_order(30000.0)
        self.assertEqual(
            big.order_route_rule_id,
            self.rule_big_custom,
            "30,000 EUR is 15,000 in the company's currency: above the rule's 10,000.",
        )
