from urllib.parse import urlparse

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OrderPortalCommon


@tagged("post_install", "-at_install")
class TestPortalAccess(OrderPortalCommon):
    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def assertRefused(self, response, msg):
        self.assertEqual(response.status_code, 303, msg)
        self.assertEqual(urlparse(response.headers["Location"]).path, "/my", msg)

    def test_list_shows_only_own_orders(self):
        for user, own, other in (
            (self.portal_a, self.order_a, self.order_b),
            (self.portal_b, self.order_b, self.order_a),
        ):
            self.authenticate(user.login, user.login)
            response = self._get("/my/deliveries")
            self.assertEqual(response.status_code, 200)
            self.assertIn(own.name, response.text, "A customer sees their own order in delivery")
            self.assertIn(own.client_order_ref, response.text)
            self.assertNotIn(
                other.name, response.text, "A customer never sees another customer's order"
            )
            self.assertNotIn(other.client_order_ref, response.text)

    def test_list_search_and_sort(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self._get("/my/deliveries?search=PO-ACME&search_in=name&sortby=forecast")
        self.assertIn(self.order_a.name, response.text, "Searching the customer's reference")
        response = self._get("/my/deliveries?search=nothing-like-this&sortby=bogus")
        self.assertEqual(response.status_code, 200, "An unknown sorting falls back")
        self.assertNotIn(self.order_a.name, response.text)

    def test_home_counter(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["delivery_count"]})
        self.assertEqual(result["delivery_count"], 1, "One order of Acme is in delivery")

    def test_detail_own_order(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self._get(f"/my/deliveries/{self.order_a.id}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        for phase in self.project_a.task_ids.filtered(lambda t: not t.parent_id):
            self.assertIn(phase.name, html, "Every phase appears in the timeline")
        for milestone in self.project_a.milestone_ids:
            self.assertIn(milestone.name, html, "Every milestone appears")
        self.assertIn("Signed inspection report", html, "The released deliverable is shown")
        self.assertIn("inspection_report.txt", html, "Its document can be downloaded")
        self.assertIn("o_portal_chatter", html, "The order's chatter is on the page")
        self.assertIn("order_portal_report", html, "The report form is on the page")

    def test_finished_work_stays_visible(self):
        """Closed tasks leave project.task_ids; the customer still sees what is done."""
        phases = self.project_a.tasks.filtered(lambda t: not t.parent_id).sorted("wbs_code")
        first_work = self.project_a.tasks.filtered(
            lambda t: t.id in phases[0]._get_all_subtasks().ids and not t.is_wbs_phase
        )
        (first_work | self.released_task).state = "1_done"
        self.assertEqual(
            self.order_a.order_delivery_phase,
            phases[1].name,
            "Once the first phase's work is done, the second one is the current phase",
        )
        values = self.order_a._order_portal_delivery_values()[0]
        self.assertEqual(values["phases"][0]["state"], "done")
        self.assertEqual(
            [d["name"] for d in values["deliverables"]],
            [self.released_task.name],
            "A released deliverable stays listed once its task is done",
        )
        self.authenticate(self.portal_a.login, self.portal_a.login)
        html = self._get(f"/my/deliveries/{self.order_a.id}").text
        self.assertIn("Signed inspection report", html)

    def test_link_from_the_sales_order_page(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self._get(f"/my/orders/{self.order_a.id}")
        self.assertIn(f"/my/deliveries/{self.order_a.id}", response.text)

    @mute_logger("odoo.http")
    def test_detail_other_customer_refused(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.assertRefused(
            self._get(f"/my/deliveries/{self.order_b.id}"),
            "Acme's contact cannot open Beta's order",
        )
        self.assertRefused(
            self._get(f"/my/deliveries/{self.order_b.id}?access_token=wrong-token"),
            "A wrong token does not open another customer's order",
        )
        self.assertRefused(self._get("/my/deliveries/999999999"), "A missing order is refused")

    def test_follower_of_another_company_refused(self):
        """The sale portal rule lets any follower in; the delivery page wants a contact
        of the order's commercial partner."""
        self.order_b.message_subscribe(partner_ids=self.portal_a.partner_id.ids)
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.assertRefused(
            self._get(f"/my/deliveries/{self.order_b.id}"),
            "Following another customer's order does not show its delivery",
        )
        response = self._get("/my/deliveries")
        self.assertNotIn(self.order_b.name, response.text)

    def test_token_access_for_public_user(self):
        self.authenticate(None, None)
        token = self.order_a._portal_ensure_token()
        response = self._get(f"/my/deliveries/{self.order_a.id}?access_token={token}")
        self.assertEqual(response.status_code, 200, "A shared link opens the delivery page")
        self.assertIn(self.order_a.name, response.text)
        self.assertRefused(
            self._get(f"/my/deliveries/{self.order_a.id}"), "Without the token: refused"
        )
        self.assertRefused(
            self._get(f"/my/deliveries/{self.order_a.id}?access_token=not-{token}"),
            "With a wrong token: refused",
        )
        self.assertRefused(
            self._get(f"/my/deliveries/{self.order_b.id}?access_token={token}"),
            "One order's token opens no other order",
        )
        response = self._get("/my/deliveries")
        self.assertEqual(response.status_code, 303, "The list asks the public user to log in")
        self.assertIn("/web/login", response.headers["Location"])

    def test_internal_fields_absent(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        html = self._get(f"/my/deliveries/{self.order_a.id}").text
        for secret in (
            "98765.43",  # internal task description (cost estimate)
            "Budget overrun warning",  # project description
            "Zed Workload Engineer",  # planned people / assignees (workloads)
            "Margin on this order",  # internal note in the order's chatter
            "internal_costing.txt",  # attachment of a task not released
        ):
            self.assertNotIn(secret, html, f"Internal data {secret!r} must not be rendered")
        token = self.order_a._portal_ensure_token()
        messages = self.make_jsonrpc_request(
            "/mail/chatter_fetch",
            {"thread_model": "sale.order", "thread_id": self.order_a.id, "token": token},
        )
        bodies = " ".join(str(m.get("body")) for m in messages["data"]["mail.message"])
        self.assertNotIn("Margin on this order", bodies, "Internal notes stay internal")

    def test_documents(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        url = f"/my/deliveries/{self.order_a.id}/documents"
        response = self._get(f"{url}/{self.shared_document.id}")
        self.assertEqual(response.status_code, 200, "A released document downloads")
        self.assertEqual(response.content, b"All welds inspected: OK")
        response = self._get(f"{url}/{self.internal_document.id}")
        self.assertEqual(response.status_code, 303, "A document not released stays internal")
        self.authenticate(self.portal_b.login, self.portal_b.login)
        self.assertRefused(
            self._get(f"{url}/{self.shared_document.id}"), "Another customer gets nothing"
        )
