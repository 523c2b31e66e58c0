from odoo import api, fields, models
from odoo.tools import plaintext2html

ISSUE_TYPES = [("problem", "Problem"), ("change", "Change Request")]


class OrderPortalIssue(models.Model):
    _name = "order.portal.issue"
    _description = "Delivery Issue"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    # The customer answers on the issue's portal page with read access only.
    _mail_post_access = "read"

    name = fields.Char("Subject", required=True, tracking=True)
    issue_type = fields.Selection(
        ISSUE_TYPES, "Type", required=True, default="problem", tracking=True
    )
    description = fields.Text(help="As the customer wrote it.")
    sale_order_id = fields.Many2one(
        "sale.order", "Sales Order", required=True, index=True, ondelete="cascade", tracking=True
    )
    project_id = fields.Many2one(
        "project.project",
        "Delivery Project",
        index="btree_not_null",
        domain="[('order_sale_order_id', '=', sale_order_id)]",
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner", "Reported By", help="The customer contact who reported the issue."
    )
    commercial_partner_id = fields.Many2one(
        related="sale_order_id.partner_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        "Project Manager",
        tracking=True,
        help="Answers the issue; defaults to the delivery project's manager.",
    )
    stage_id = fields.Many2one(
        "order.portal.issue.stage",
        required=True,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_read_group_stage_ids",
        default=lambda self: self._default_stage_id(),
        ondelete="restrict",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    company_id = fields.Many2one(
        related="sale_order_id.company_id", store=True, index=True, string="Company"
    )
    color = fields.Integer()

    def _default_stage_id(self):
        return self.env["order.portal.issue.stage"].search([], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # every stage is a kanban column, even an empty one (a handful of records)
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    def _compute_access_url(self):
        for issue in self:
            issue.access_url = f"/my/deliveries/{issue.sale_order_id.id}/issues/{issue.id}"

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("sale_order_id"):
                continue
            order = self.env["sale.order"].browse(vals["sale_order_id"])
            if not vals.get("project_id"):
                # Issues logged in the back office name only the order: file them on its
                # delivery project, as the portal form does.
                vals["project_id"] = order.sudo().delivery_project_ids[:1].id or False
            if not vals.get("user_id"):
                project = self.env["project.project"].browse(vals.get("project_id"))
                vals["user_id"] = self._get_responsible(order, project).id
        issues = super().create(vals_list)
        issues._order_portal_notify_responsible()
        return issues

    def write(self, vals):
        res = super().write(vals)
        if vals.get("user_id"):
            self._order_portal_notify_responsible()
        return res

    # ------------------------------------------------------------------ business
    @api.model
    def _get_responsible(self, order, project):
        """The project manager of the delivery: the project's, else the order's."""
        project = project or order.sudo().delivery_project_ids[:1]
        return project.sudo().user_id or order.sudo().order_project_manager_id or order.user_id

    def _order_portal_notify_responsible(self):
        """Make the responsible a follower and give them a to-do they cannot miss."""
        for issue in self.filtered("user_id"):
            issue.message_subscribe(partner_ids=issue.user_id.partner_id.ids)
            issue.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=issue.user_id.id,
                summary=self.env._("Answer the customer's issue: %s", issue.name),
            )

    @api.model
    def _prepare_portal_issue_values(self, order, partner, values):
        """Values of an issue the customer ``partner`` reports on ``order`` from the portal."""
        project = (
            order.delivery_project_ids.filtered(lambda p: p.id == values.get("project_id"))
            or order.delivery_project_ids[:1]
        )
        return {
            "name": values["name"],
            "issue_type": values["issue_type"],
            "description": values.get("description") or False,
            "sale_order_id": order.id,
            "project_id": project.id,
            "partner_id": partner.id,
        }

    @api.model
    def _create_from_portal(self, order, partner, values, files=()):
        """Create the issue, keep the customer's words and files in its chatter and tell
        the project manager. ``files`` are (name, bytes, mimetype) tuples.

        Called by the portal controller once it checked the customer's access to
        ``order``; the portal user has no create right of their own.
        """
        issue = self.create(self._prepare_portal_issue_values(order, partner, values))
        # The files come from outside: never keep them as HTML/SVG, whoever creates them.
        attachments = (
            self.env["ir.attachment"]
            .with_context(attachments_mime_plainxml=True)
            .create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": issue.id,
                    }
                    for name, content, mimetype in files
                ]
            )
        )
        issue.message_subscribe(partner_ids=partner.ids)
        body = plaintext2html(values.get("description") or issue.name)
        issue.message_post(
            body=body,
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachments.ids,
            partner_ids=issue.user_id.partner_id.ids,
        )
        order.message_post(
            body=self.env._(
                "The customer reported an issue: %s", issue._get_html_link(title=issue.name)
            ),
            subtype_xmlid="mail.mt_note",
        )
        return issue
