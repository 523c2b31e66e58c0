from odoo import fields, models


class OrderTaskLag(models.Model):
    """Lag of one ``depend_on_ids`` link of project.task.

    Odoo's task dependencies are a bare many2many; the working hours to wait after the
    predecessor ends are kept here, one row per link that has a lag.
    """

    _name = "order.task.lag"
    _description = "Task Dependency Lag"

    task_id = fields.Many2one("project.task", required=True, ondelete="cascade", index=True)
    depend_on_id = fields.Many2one("project.task", "Waits For", required=True, ondelete="cascade")
    lag_hours = fields.Float("Lag (h)")

    _sql_constraints = [
        ("task_depend_on_uniq", "unique(task_id, depend_on_id)", "One lag per dependency."),
    ]
