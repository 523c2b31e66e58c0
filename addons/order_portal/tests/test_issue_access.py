from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OrderPortalCommon


@tagged("post_install", "-at_install")
class TestIssueAccess(OrderPortalCommon):
    """Salespeople follow the issues of what they sold, like their orders; salespeople of all
    documents, project managers and the delivery team read every issue."""

    def test_salespeople_read_the_issues_of_their_own_orders_only(self):
        other_salesman = new_test_user(
            self.env, login="op_portal_other_salesman", groups="order_project.group_order_user"
        )
        all_leads = new_test_user(
            self.env,
            login="op_portal_all_leads",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        issue = self.env["order.portal.issue"].create(
            {"name": "The crate arrived open", "sale_order_id": self.order_a.id}
        )
        Issue = self.env["order.portal.issue"]
        domain = [("id", "=", issue.id)]
        self.assertEqual(
            Issue.with_user(self.salesman).search(domain),
            issue,
            "The order's salesperson reads the issues of the order they sold.",
        )
        self.assertFalse(
            Issue.with_user(other_salesman).search(domain),
            "A salesperson of another order does not find this customer's issue.",
        )
        with self.assertRaises(AccessError, msg="...nor open it by its id."):
            issue.with_user(other_salesman).read(["name"])
        for user in (all_leads, self.project_manager, self.engineer):
            self.assertEqual(
                Issue.with_user(user).search(domain),
                issue,
                f"{user.login} reads every issue: all documents, project manager or delivery team.",
            )
