from datetime import timedelta

from odoo import api, models
from odoo.exceptions import AccessError


def health_of(end, due, margin):
    """``late`` after ``due``, ``at_risk`` within ``margin`` before it, else ``on_track``;
    nothing without both dates."""
    if not end or not due:
        return False
    if end > due:
        return "late"
    return "at_risk" if end > due - margin else "on_track"


PLANNER_GROUPS = ("order_project.group_order_planner", "order_project.group_order_optimizer_bot")


class OrderPlanningMixin(models.AbstractModel):
    """What the records a planner acts on share: tasks, delivery projects and planning runs
    ask one question of rights (may this user change the plan?) and read one setting (how
    close to its due date an order is at risk)."""

    _name = "order.planning.mixin"
    _description = "Planning Rights and Settings"

    @api.model
    def _check_planner_rights(self):
        """Refuse unless the user plans (a planner, or the optimizer's bot user) or the
        code runs as superuser."""
        if self.env.su:
            return
        if not any(self.env.user.has_group(group) for group in PLANNER_GROUPS):
            raise AccessError(
                self.env._("Only planners and the optimizer's bot user may change the plan.")
            )

    @api.model
    def _get_at_risk_margin(self):
        """An order ending this close before its due date is at risk (Settings, 24 h)."""
        hours = self.env["ir.config_parameter"].sudo().get_param("order_project.at_risk_hours")
        try:
            return timedelta(hours=float(hours or 24.0))
        except ValueError:
            return timedelta(hours=24.0)
