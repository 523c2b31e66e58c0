from odoo.tests import tagged

from .common import OrderPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTour(OrderPortalCommon):
    def test_report_issue_tour(self):
        self.start_tour("/my/deliveries", "order_portal_report_issue", login="portal_customer")
        issue = self.env["order.portal.issue"].search([("sale_order_id", "=", self.order_a.id)])
        self.assertEqual(len(issue), 1, "The tour reported one issue on Acme's order")
        self.assertEqual(issue.issue_type, "change")
        self.assertEqual(issue.name, "Add a second control panel")
        self.assertIn(self.project_manager.partner_id, issue.message_partner_ids)
