from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    order_wbs_template_id = fields.Many2one(
        "order.wbs.template",
        "Delivery WBS Template",
        help="Used when no routing rule sets a template for the order.",
    )
    order_project_per_line = fields.Boolean(
        "One Delivery Project per Line",
        help="Each order line of this product gets its own delivery project instead of "
        "sharing the order's project.",
    )
