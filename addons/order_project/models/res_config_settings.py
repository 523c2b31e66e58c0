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
