from urllib.parse import urlparse

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OrderPortalCommon


@tagged("post_install", "-at_install")
class TestPortalIssue(OrderPortalCommon):
    def _report(self, order, access_token=None, **values):
        data = {
            "csrf_token": http.Request.csrf_token(self),
            "issue_type": "problem",
            "name": "Scratches on the housing",
            "description": "Two deep scratches\non the left side.",
            **values,
        }
        if access_token:
            data["access_token"] = access_token
        return self.url_open(
            f"/my/deliveries/{order.id}/issues/new",
            data=data,
            files={"attachments": ("photo.txt", b"a photo of the scratches", "text/plain")},
            allow_redirects=False,
        )

    def test_uploaded_html_is_kept_as_text(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self.url_open(
            f"/my/deliveries/{self.order_a.id}/issues/new",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "issue_type": "problem",
                "name": "Page",
            },
            files={
                "attachments": ("x.html", b"<html><script>alert(1)</script></html>", "text/html")
            },
            allow_redirects=False,
        )
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "order.portal.issue"), ("name", "=", "x.html")]
        )
        self.assertEqual(
            attachment.mimetype, "text/plain", "A customer's HTML is never served as HTML"
        )

    def _issues(self, order):
        return self.env["order.portal.issue"].search([("sale_order_id", "=", order.id)])

    def test_report_reaches_project_manager(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self._report(self.order_a)
        issue = self._issues(self.order_a)
        self.assertEqual(len(issue), 1, "The form creates one issue")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlparse(response.headers["Location"]).path, issue.access_url)
        self.assertEqual(issue.project_id, self.project_a, "Linked to the delivery project")
        self.assertEqual(issue.partner_id, self.portal_a.partner_id, "Reported by Alice")
        self.assertEqual(issue.commercial_partner_id, self.company_a)
        self.assertEqual(issue.user_id, self.project_manager, "The project manager answers")
        self.assertEqual(issue.stage_id, self.env.ref("order_portal.issue_stage_new"))
        self.assertIn(
            self.project_manager.partner_id, issue.message_partner_ids, "The PM follows it"
        )
        self.assertIn(self.portal_a.partner_id, issue.message_partner_ids)
        notified = self.env["mail.notification"].search(
            [
                ("mail_message_id", "in", issue.message_ids.ids),
                ("res_partner_id", "=", self.project_manager.partner_id.id),
            ]
        )
        self.assertTrue(notified, "The project manager is notified of the new issue")
        self.assertTrue(
            issue.activity_ids.filtered(lambda a: a.user_id == self.project_manager),
            "The project manager has a to-do on the issue",
        )
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", issue._name), ("res_id", "=", issue.id)]
        )
        self.assertEqual(attachments.mapped("name"), ["photo.txt"], "The file is kept")
        # back office: the project manager and the salesman find it
        found = self.env["order.portal.issue"].with_user(self.project_manager).search([])
        self.assertIn(issue, found, "The issue is in the back office")
        self.assertEqual(self.order_a.with_user(self.salesman).order_portal_issue_count, 1)

    def test_answer_visible_to_customer(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self._report(self.order_a)
        issue = self._issues(self.order_a)
        issue.with_user(self.project_manager).message_post(
            body="We send a new housing next week",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        issue.with_user(self.project_manager).message_post(
            body="Supplier penalty to claim", subtype_xmlid="mail.mt_note"
        )
        response = self.url_open(issue.access_url, allow_redirects=False)
        self.assertEqual(response.status_code, 200, "The customer opens the issue page")
        self.assertIn("Scratches on the housing", response.text)
        messages = self.make_jsonrpc_request(
            "/mail/chatter_fetch",
            {
                "thread_model": issue._name,
                "thread_id": issue.id,
                "token": issue._portal_ensure_token(),
            },
        )
        bodies = " ".join(str(m.get("body")) for m in messages["data"]["mail.message"])
        self.assertIn("We send a new housing next week", bodies, "The answer reaches them")
        self.assertNotIn("Supplier penalty", bodies, "Internal notes stay internal")

    def test_customer_posts_in_chatters(self):
        """The pages give the chatter a token, so the customer can write to the team on
        the order (where portal users have no write access) and on the issue."""
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self._report(self.order_a)
        issue = self._issues(self.order_a)
        for record, token in (
            (self.order_a, self.order_a._portal_ensure_token()),
            (issue, issue._portal_ensure_token()),
        ):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": record._name,
                    "thread_id": record.id,
                    "post_data": {"body": "When is the factory test?", "message_type": "comment"},
                    "token": token,
                },
            )
            message = record.message_ids[:1]
            self.assertIn("When is the factory test?", str(message.body))
            self.assertEqual(message.author_id, self.portal_a.partner_id, "Posted as Alice")

    def test_back_office_views(self):
        """The project manager's views of the issues load (kanban by stage, list, form)."""
        Issue = self.env["order.portal.issue"].with_user(self.project_manager)
        views = Issue.get_views([(False, "kanban"), (False, "list"), (False, "form")])
        self.assertEqual(set(views["views"]), {"kanban", "list", "form"})
        action = self.order_a.with_user(self.salesman).action_view_order_portal_issues()
        self.assertEqual(action["domain"], [("sale_order_id", "=", self.order_a.id)])

    def test_issue_logged_in_back_office_is_filed_on_the_delivery_project(self):
        issue = (
            self.env["order.portal.issue"]
            .with_user(self.salesman)
            .create({"name": "Customer called about the packing", "sale_order_id": self.order_a.id})
        )
        self.assertEqual(
            issue.project_id,
            self.project_a,
            "An issue on an order belongs to its delivery project.",
        )
        self.assertEqual(
            issue.user_id,
            self.project_a.user_id,
            "The delivery project's manager answers the issue.",
        )

    @mute_logger("odoo.http")
    def test_other_customer_cannot_report_or_read(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        self._report(self.order_a)
        issue = self._issues(self.order_a)
        self.authenticate(self.portal_b.login, self.portal_b.login)
        response = self._report(self.order_a)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlparse(response.headers["Location"]).path, "/my")
        self.assertEqual(len(self._issues(self.order_a)), 1, "Beta created nothing on Acme's order")
        response = self.url_open(issue.access_url, allow_redirects=False)
        self.assertEqual(urlparse(response.headers["Location"]).path, "/my")
        response = self.url_open(
            f"/my/deliveries/{self.order_b.id}/issues/{issue.id}", allow_redirects=False
        )
        self.assertEqual(
            urlparse(response.headers["Location"]).path, "/my", "An issue under another order"
        )

    def test_public_user_with_token_reports(self):
        self.authenticate(None, None)
        token = self.order_a._portal_ensure_token()
        response = self._report(self.order_a, access_token=token, issue_type="change")
        issue = self._issues(self.order_a)
        self.assertEqual(issue.issue_type, "change")
        self.assertEqual(issue.partner_id, self.company_a, "Reported in the order's name")
        response = self.url_open(response.headers["Location"], allow_redirects=False)
        self.assertEqual(response.status_code, 200, "The shared link opens the issue page")

    def test_missing_subject_creates_nothing(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self._report(self.order_a, name="  ")
        self.assertEqual(response.status_code, 303)
        self.assertIn("issue_error=missing", response.headers["Location"])
        self.assertFalse(self._issues(self.order_a))

    def test_portal_user_orm_rights(self):
        issue = self.env["order.portal.issue"].create(
            {"name": "Back-office issue", "sale_order_id": self.order_a.id}
        )
        self.env["order.portal.issue"].create(
            {"name": "Beta's issue", "sale_order_id": self.order_b.id}
        )
        Issue = self.env["order.portal.issue"].with_user(self.portal_a)
        self.assertEqual(Issue.search([]), issue, "Portal users read their company's issues")
        with self.assertRaises(AccessError, msg="Portal users create issues via the portal"):
            Issue.create({"name": "Direct", "sale_order_id": self.order_a.id})
        with self.assertRaises(AccessError):
            issue.with_user(self.portal_a).write({"name": "Changed"})
        self.assertEqual(issue.user_id, self.project_manager, "Defaults to the project's PM")
