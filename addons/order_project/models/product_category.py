from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    order_custom = fields.Boolean(
        "Custom Orders",
        help="Orders with a product of this category (or of a sub-category) are custom "
        "(engineer-to-order) for the routing rules.",
    )


class ProductTag(models.Model):
    _inherit = "product.tag"

    order_custom = fields.Boolean(
        "Custom Orders",
        help="Orders with a product carrying this tag are custom (engineer-to-order) "
        "for the routing rules.",
    )
