from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.order_portal_issue import ISSUE_TYPES

MAX_ISSUE_FILES = 10


class OrderPortal(CustomerPortal):
    """/my/deliveries: the customer's orders with delivery projects, their timeline,
    and the issues the customer reports on them."""

    _deliveries_per_page = 20

    # ------------------------------------------------------------------ home
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "delivery_count" in counters:
            SaleOrder = request.env["sale.order"]
            values["delivery_count"] = (
                SaleOrder.search_count(self._prepare_deliveries_domain(request.env.user.partner_id))
                if SaleOrder.has_access("read")
                else 0
            )
        return values

    # ------------------------------------------------------------------ access
    def _prepare_deliveries_domain(self, partner):
        commercial = partner.commercial_partner_id
        return [
            ("message_partner_ids", "child_of", [commercial.id]),
            ("partner_id", "child_of", [commercial.id]),
            ("state", "=", "sale"),
            ("order_has_delivery", "=", True),
        ]

    def _order_portal_check_access(self, order_id, access_token=None):
        """The order, sudo'ed, if the visitor may follow its delivery.

        On top of Odoo's check (record rules, else the order's access token), a portal
        user without the token must be a contact of the order's commercial partner: the
        sale portal rule also lets in followers from other companies.
        """
        order_sudo = self._document_check_access("sale.order", order_id, access_token)
        if not order_sudo.delivery_project_ids:
            raise MissingError(request.env._("This order has no delivery to follow."))
        user = request.env.user
        has_token = bool(
            access_token
            and order_sudo.access_token
            and consteq(order_sudo.access_token, access_token)
        )
        if (
            not has_token
            and user.share
            and user.commercial_partner_id != order_sudo.partner_id.commercial_partner_id
        ):
            raise AccessError(request.env._("This order belongs to another customer."))
        return order_sudo

    def _order_portal_check_issue_access(self, order_id, issue_id, access_token=None):
        """The issue, sudo'ed, for a visitor who may read it or holds its order's token."""
        issue_sudo = request.env["order.portal.issue"].sudo().browse(issue_id).exists()
        if not issue_sudo or issue_sudo.sale_order_id.id != order_id:
            raise MissingError(request.env._("This issue does not exist."))
        try:
            return self._document_check_access("order.portal.issue", issue_id, access_token)
        except AccessError:
            self._order_portal_check_access(order_id, access_token)
            return issue_sudo

    # ------------------------------------------------------------------ list
    def _get_deliveries_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "date_order desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name"},
            "commitment": {
                "label": request.env._("Committed Delivery"),
                "order": "commitment_date asc, id desc",
            },
            "forecast": {
                "label": request.env._("Forecast Delivery"),
                "order": "order_forecast_delivery asc, id desc",
            },
        }

    def _get_deliveries_searchbar_inputs(self):
        return {
            "name": {"input": "name", "label": request.env._("Search in Reference")},
            "all": {"input": "all", "label": request.env._("Search in All")},
        }

    def _get_deliveries_search_domain(self, search_in, search):
        if search_in == "name":
            return ["|", ("name", "ilike", search), ("client_order_ref", "ilike", search)]
        return [
            "|",
            "|",
            ("name", "ilike", search),
            ("client_order_ref", "ilike", search),
            ("order_line.name", "ilike", search),
        ]

    def _prepare_deliveries_values(self, page=1, sortby=None, search=None, search_in="name"):
        SaleOrder = request.env["sale.order"]
        values = self._prepare_portal_layout_values()
        domain = self._prepare_deliveries_domain(request.env.user.partner_id)
        sortings = self._get_deliveries_searchbar_sortings()
        if sortby not in sortings:
            sortby = "date"
        inputs = self._get_deliveries_searchbar_inputs()
        if search_in not in inputs:
            search_in = "name"
        if search:
            domain += self._get_deliveries_search_domain(search_in, search)
        # Searched as the visitor: the request steers this domain, so no sudo here.
        pager = portal_pager(
            url="/my/deliveries",
            url_args={"sortby": sortby, "search_in": search_in, "search": search},
            total=SaleOrder.search_count(domain),
            page=page,
            step=self._deliveries_per_page,
        )
        orders = SaleOrder.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._deliveries_per_page,
            offset=pager["offset"],
        )
        values.update(
            {
                # sudo: progress and phase come from the delivery tasks, which portal
                # users cannot read; the records are the ones found above.
                "orders": orders.sudo(),
                "page_name": "delivery",
                "pager": pager,
                "default_url": "/my/deliveries",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_inputs": inputs,
                "search_in": search_in,
                "search": search,
            }
        )
        return values

    @http.route(
        ["/my/deliveries", "/my/deliveries/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_deliveries(self, page=1, sortby=None, search=None, search_in="name", **kw):
        values = self._prepare_deliveries_values(page, sortby, search, search_in)
        return request.render("order_portal.portal_my_deliveries", values)

    # ------------------------------------------------------------------ detail
    def _prepare_delivery_page_values(self, order_sudo, access_token, **kwargs):
        token = order_sudo._portal_ensure_token()
        values = {
            "order": order_sudo,
            "page_name": "delivery",
            "delivery_projects": order_sudo._order_portal_delivery_values(),
            "issues": order_sudo.order_portal_issue_ids,
            "issue_types": ISSUE_TYPES,
            "order_token": access_token or "",
            "issue_error": kwargs.get("issue_error"),
        }
        values = self._get_page_view_values(
            order_sudo, access_token, values, "my_deliveries_history", False, **kwargs
        )
        # The visitor proved read access above; the token lets them post in the
        # order's chatter, which otherwise needs write access on the order.
        values["token"] = token
        return values

    @http.route(["/my/deliveries/<int:order_id>"], type="http", auth="public", website=True)
    def portal_my_delivery(self, order_id, access_token=None, **kw):
        try:
            order_sudo = self._order_portal_check_access(order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_delivery_page_values(order_sudo, access_token, **kw)
        return request.render("order_portal.portal_my_delivery", values)

    # ------------------------------------------------------------------ issues
    def _parse_issue_post(self, order_sudo, post):
        """The issue values of the portal form, or None when a required one is missing."""
        name = (post.get("name") or "").strip()
        issue_type = post.get("issue_type")
        if not name or issue_type not in dict(ISSUE_TYPES):
            return None
        project_id = post.get("project_id")
        return {
            "name": name[:200],
            "issue_type": issue_type,
            "description": (post.get("description") or "").strip(),
            "project_id": int(project_id) if str(project_id or "").isdigit() else False,
        }

    def _read_issue_files(self):
        files = request.httprequest.files.getlist("attachments")
        return [
            (upload.filename, upload.read(), upload.mimetype)
            for upload in files[:MAX_ISSUE_FILES]
            if upload.filename
        ]

    @http.route(
        ["/my/deliveries/<int:order_id>/issues/new"],
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_delivery_report_issue(self, order_id, access_token=None, **post):
        try:
            order_sudo = self._order_portal_check_access(order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._parse_issue_post(order_sudo, post)
        if values is None:
            query = {"access_token": access_token} if access_token else {}
            query["issue_error"] = "missing"
            return request.redirect(
                f"/my/deliveries/{order_id}?{urlencode(query)}#order_portal_report"
            )
        user = request.env.user
        partner = order_sudo.partner_id if user._is_public() else user.partner_id
        # sudo: portal users have no create right on issues; they create them only here,
        # after the access check above, on the checked order.
        issue_sudo = (
            request.env["order.portal.issue"]
            .sudo()
            ._create_from_portal(order_sudo, partner, values, self._read_issue_files())
        )
        query = f"?{urlencode({'access_token': access_token})}" if access_token else ""
        return request.redirect(f"{issue_sudo.access_url}{query}")

    @http.route(
        ["/my/deliveries/<int:order_id>/issues/<int:issue_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_delivery_issue(self, order_id, issue_id, access_token=None, **kw):
        try:
            issue_sudo = self._order_portal_check_issue_access(order_id, issue_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = {
            "issue": issue_sudo,
            "order": issue_sudo.sale_order_id,
            "page_name": "delivery_issue",
            "order_token": access_token
            if access_token
            and issue_sudo.sale_order_id.access_token
            and consteq(issue_sudo.sale_order_id.access_token, access_token)
            else "",
        }
        values = self._get_page_view_values(
            issue_sudo, access_token, values, "my_delivery_issues_history", False, **kw
        )
        values["token"] = issue_sudo._portal_ensure_token()
        return request.render("order_portal.portal_my_delivery_issue", values)

    # ------------------------------------------------------------------ documents
    @http.route(
        ["/my/deliveries/<int:order_id>/documents/<int:attachment_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_delivery_document(self, order_id, attachment_id, access_token=None, **kw):
        try:
            order_sudo = self._order_portal_check_access(order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        attachment_sudo = order_sudo._order_portal_shared_attachments().filtered(
            lambda att: att.id == attachment_id
        )
        if not attachment_sudo:
            return request.redirect(f"/my/deliveries/{order_id}")
        stream = request.env["ir.binary"]._get_stream_from(attachment_sudo)
        return stream.get_response(as_attachment=True)
