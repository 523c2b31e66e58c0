from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestRouteRule(OrderProjectCommon):
    def test_big_custom_order_is_routed_by_the_first_matching_rule(self):
        order = self._create_order(origin="website")
        order.action_confirm()
        self.assertEqual(
            order.order_route_rule_id,
            self.rule_big_custom,
            "A 50k custom press ordered on the website matches both rules; the first in "
            "sequence must win.",
        )
        self.assertEqual(order.wbs_template_id, self.tpl_eto, "The rule sets the WBS template.")
        self.assertEqual(order.order_project_manager_id, self.project_manager)
        self.assertEqual(order.order_priority, "1", "The rule's priority is copied on the order.")
        self.assertIn(
            "Big custom machines",
            " ".join(order.message_ids.mapped("body")),
            "The chatter of the order tells which rule routed it.",
        )

    def test_order_type_comes_from_parent_categories_and_tags(self):
        order = self._create_order()
        self.assertEqual(
            order._order_route_facts()["order_type"],
            "custom",
            "A product in a sub-category of a custom category makes the order custom.",
        )
        standard = self._create_order(product=self.standard_product)
        self.assertEqual(standard._order_route_facts()["order_type"], "standard")
        tag = self.env["product.tag"].create({"name": "Made to measure", "order_custom": True})
        self.standard_product.product_tmpl_id.product_tag_ids = tag
        self.assertEqual(
            standard._order_route_facts()["order_type"],
            "custom",
            "A product tag marked custom makes the order custom too.",
        )

    def test_web_order_of_standard_goods_uses_the_channel_rule(self):
        order = self._create_order(product=self.standard_product, qty=3, origin="eShop cart 42")
        order.action_confirm()
        self.assertEqual(
            order.order_route_rule_id,
            self.rule_web,
            "Orders whose origin names the web shop pass through the same rules.",
        )

    def test_unmatched_order_is_reported_and_gets_no_project(self):
        order = self._create_order(product=self.standard_product)
        order.action_confirm()
        self.assertFalse(order.order_route_rule_id)
        self.assertFalse(order.delivery_project_ids, "No template, no delivery project.")
        self.assertIn("No routing rule matched", " ".join(order.message_ids.mapped("body")))

    def test_manual_routing_is_kept_and_logged(self):
        order = self._create_order()
        self.env.cr.precommit.run()  # fields of a new record are tracked from the next commit
        order.write(
            {
                "order_route_manual": True,
                "order_route_rule_id": self.rule_web.id,
                "wbs_template_id": self.tpl_arch.id,
            }
        )
        self.env.cr.precommit.run()  # mail tracking is written at commit time
        order.action_confirm()
        self.assertEqual(
            order.order_route_rule_id, self.rule_web, "A routing set by hand is not overridden."
        )
        self.assertEqual(order.delivery_project_ids.order_wbs_template_id, self.tpl_arch)
        tracked = order.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn(
            "order_route_rule_id", tracked, "The manual change of rule is tracked in the chatter."
        )

    def test_rule_with_invalid_condition_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "can never match"):
            self.env["order.route.rule"].create(
                {"name": "Impossible", "amount_min": 5000.0, "amount_max": 1000.0}
            )
        with self.assertRaises(ValidationError, msg="A one-letter channel pattern means nothing"):
            self.rule_web.origin_match = "w"

    def test_amount_and_customer_tag_conditions(self):
        rule = self.env["order.route.rule"].create(
            {
                "name": "VIP small orders",
                "sequence": 0,
                "amount_max": 500.0,
                "partner_category_ids": [(6, 0, self.vip_tag.ids)],
                "wbs_template_id": self.tpl_software.id,
            }
        )
        small_vip = self._create_order(product=self.standard_product)
        small_other = self._create_order(product=self.standard_product, partner=self.other_customer)
        self.assertEqual(self.env["order.route.rule"]._find_rule_for_order(small_vip), rule)
        self.assertFalse(self.env["order.route.rule"]._find_rule_for_order(small_other))
