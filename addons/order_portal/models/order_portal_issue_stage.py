from odoo import fields, models


class OrderPortalIssueStage(models.Model):
    _name = "order.portal.issue.stage"
    _description = "Delivery Issue Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean("Folded in Kanban")
    is_closed = fields.Boolean(
        "Closed Stage", help="Issues in this stage are settled: solved, rejected or withdrawn."
    )
    description = fields.Text(translate=True)
