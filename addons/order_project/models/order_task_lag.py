from odoo import fields, models

DEPENDENCY_TYPES = [("FS", "Finish to Start"), ("SS", "Start to Start")]


class OrderDependencyLink(models.AbstractModel):
    """How a successor waits for its predecessor, on a template line or a task."""

    _name = "order.dependency.link"
    _description = "Dependency Type and Lag"

    dependency_type = fields.Selection(
        DEPENDENCY_TYPES,
        "Type",
        required=True,
        default="FS",
        help="Finish to Start: this task starts after the other one ends. "
        "Start to Start: this task starts once the other one has started.",
    )
    lag_hours = fields.Float(
        "Lag (h)",
        help="Working hours between the end (or, start to start, the start) of the "
        "predecessor and this start.",
    )


class OrderTaskLag(models.Model):
    """Type and lag of one ``depend_on_ids`` link of project.task.

    Odoo's task dependencies are a bare many2many of finish-to-start links; how a link
    binds is kept here, one row per link that has a lag or is start-to-start: the
    successor starts ``lag_hours`` working hours after the predecessor ends (FS) or
    starts (SS). A link without a row is finish-to-start without lag.
    """

    _name = "order.task.lag"
    _inherit = ["order.dependency.link"]
    _description = "Task Dependency Type and Lag"

    task_id = fields.Many2one("project.task", required=True, ondelete="cascade", index=True)
    depend_on_id = fields.Many2one("project.task", "Waits For", required=True, ondelete="cascade")

    _sql_constraints = [
        ("task_depend_on_uniq", "unique(task_id, depend_on_id)", "One lag per dependency."),
    ]
