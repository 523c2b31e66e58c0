from odoo import api, fields, models
from odoo.exceptions import ValidationError

from . import order_task_lag  # noqa: F401 (order.dependency.link is defined there)


class OrderWbsTemplateDependency(models.Model):
    _name = "order.wbs.template.dependency"
    _inherit = ["order.dependency.link"]
    _description = "Delivery WBS Template Dependency"
    _order = "template_id, id"

    line_id = fields.Many2one(
        "order.wbs.template.line", "Task", required=True, ondelete="cascade", index=True
    )
    depend_on_id = fields.Many2one(
        "order.wbs.template.line",
        "Waits For",
        required=True,
        ondelete="cascade",
        domain="[('template_id', '=', template_id)]",
    )
    template_id = fields.Many2one(
        related="line_id.template_id", store=True, index=True, precompute=True
    )

    _sql_constraints = [
        (
            "line_depend_on_uniq",
            "unique(line_id, depend_on_id)",
            "A task waits for another task only once.",
        ),
    ]

    @api.constrains("line_id", "depend_on_id", "lag_hours")
    def _check_dependency(self):
        for dependency in self:
            if dependency.depend_on_id.template_id != dependency.line_id.template_id:
                raise ValidationError(
                    self.env._(
                        "%(line)s cannot wait for %(other)s: they belong to different templates.",
                        line=dependency.line_id.display_name,
                        other=dependency.depend_on_id.display_name,
                    )
                )
            if dependency.lag_hours < 0:
                raise ValidationError(self.env._("A dependency lag cannot be negative."))
        self.template_id._check_no_dependency_cycle()
