from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    order_optimizer_url = fields.Char(
        "Optimizer URL", config_parameter="order_project.optimizer_url"
    )
    order_optimizer_key = fields.Char(
        "Optimizer API Key", config_parameter="order_project.optimizer_key"
    )
    order_at_risk_hours = fields.Float(
        "At-Risk Margin (h)",
        config_parameter="order_project.at_risk_hours",
        default=24.0,
        help="A project whose forecast end is this close to the committed date is at risk.",
    )

    def set_values(self):
        params = self.env["ir.config_parameter"].sudo()
        old_margin = params.get_param("order_project.at_risk_hours")
        res = super().set_values()
        if params.get_param("order_project.at_risk_hours") != old_margin:
            # the health is stored; a new margin re-rates every delivery project at once
            projects = (
                self.env["project.project"].sudo().search([("order_sale_order_id", "!=", False)])
            )
            self.env.add_to_compute(projects._fields["order_health"], projects)
            projects.flush_recordset(["order_health"])
        return res
