from datetime import datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class OrderProjectCommon(TransactionCase):
    """Two customers, a custom and a standard product, a UTC 8-12/13-17 calendar and
    routing rules for big custom orders and for web orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.calendar = cls._make_calendar(
            "Workshop 40h (UTC)",
            "UTC",
            ((8, 12, "morning"), (12, 13, "lunch"), (13, 17, "afternoon")),
        )
        cls.salesman = new_test_user(
            cls.env, login="op_salesman", groups="order_project.group_order_user"
        )
        cls.other_salesman = new_test_user(
            cls.env, login="op_other_salesman", groups="order_project.group_order_user"
        )
        cls.planner = new_test_user(
            cls.env, login="op_planner", groups="order_project.group_order_planner"
        )
        cls.bot = new_test_user(
            cls.env, login="op_bot", groups="order_project.group_order_optimizer_bot"
        )
        cls.project_manager = new_test_user(
            cls.env, login="op_pm", groups="project.group_project_manager"
        )
        cls.engineer = new_test_user(
            cls.env, login="op_engineer", groups="project.group_project_user"
        )
        cls.vip_tag = cls.env["res.partner.category"].create({"name": "VIP"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Acme Machines", "category_id": [Command.link(cls.vip_tag.id)]}
        )
        cls.other_customer = cls.env["res.partner"].create({"name": "Beta Retail"})
        cls.custom_categ = cls.env["product.category"].create(
            {"name": "Special machines", "order_custom": True}
        )
        cls.custom_subcateg = cls.env["product.category"].create(
            {"name": "Presses", "parent_id": cls.custom_categ.id}
        )
        cls.standard_categ = cls.env["product.category"].create({"name": "Spare parts"})
        cls.custom_product = cls.env["product.product"].create(
            {
                "name": "Custom press",
                "type": "consu",
                "list_price": 50000.0,
                "categ_id": cls.custom_subcateg.id,
            }
        )
        cls.standard_product = cls.env["product.product"].create(
            {
                "name": "Bearing",
                "type": "consu",
                "list_price": 100.0,
                "categ_id": cls.standard_categ.id,
            }
        )
        cls.tpl_eto = cls.env.ref("order_project.wbs_template_eto")
        cls.tpl_software = cls.env.ref("order_project.wbs_template_software")
        cls.tpl_arch = cls.env.ref("order_project.wbs_template_arch")
        # Shared data rules would interfere with the ones under test.
        cls.env["order.route.rule"].search([]).active = False
        cls.rule_big_custom = cls.env["order.route.rule"].create(
            {
                "name": "Big custom machines",
                "sequence": 1,
                "order_type": "custom",
                "amount_min": 10000.0,
                "wbs_template_id": cls.tpl_eto.id,
                "project_manager_id": cls.project_manager.id,
                "delivery_user_ids": [Command.set(cls.engineer.ids)],
                "priority": "1",
                "resource_calendar_id": cls.calendar.id,
            }
        )
        cls.rule_web = cls.env["order.route.rule"].create(
            {
                "name": "Web orders",
                "sequence": 2,
                "origin_match": "website, eshop",
                "wbs_template_id": cls.tpl_software.id,
                "resource_calendar_id": cls.calendar.id,
            }
        )

    @classmethod
    def _make_calendar(cls, name, tz, periods):
        """A Monday-Friday calendar with the same ``(hour_from, hour_to, day_period)`` daily."""
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": tz,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for hour_from, hour_to, period in periods
                ],
            }
        )

    @classmethod
    def _create_order(cls, product=None, qty=1.0, user=None, partner=None, **values):
        product = product or cls.custom_product
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "user_id": (user or cls.salesman).id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
                **values,
            }
        )

    @classmethod
    def _setup_confirmed_order(cls, **values):
        """Confirm an order into ``cls.order``, ``cls.project`` (its delivery project) and
        ``cls.tasks`` (the project's leaf tasks, by id)."""
        cls.order = cls._create_order(**values)
        cls.order.action_confirm()
        cls.project = cls.order.delivery_project_ids
        cls.tasks = cls.project.task_ids.filtered(lambda t: not t.is_wbs_phase).sorted("id")

    @staticmethod
    def _in_working_hours(moment):
        hour = moment.hour + moment.minute / 60.0
        return moment.weekday() < 5 and (8 <= hour <= 12 or 13 <= hour <= 17)

    @staticmethod
    def _fmt(moment):
        return datetime.strftime(moment, "%Y-%m-%d %H:%M:%S")
