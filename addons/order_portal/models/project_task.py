from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    # A deliverable is internal until somebody decides to show it: the customer sees a
    # task's deliverable standard and attachments only once it is released.
    order_portal_released = fields.Boolean(
        "Released to Customer",
        copy=False,
        readonly=True,
        tracking=True,
        help="The deliverable of this task and the documents attached to it (an inspection "
        "report, a drawing...) are shown to the customer on the order's portal page.",
    )
    order_portal_released_date = fields.Date("Released On", copy=False, readonly=True)

    def action_order_portal_release(self):
        self.write(
            {"order_portal_released": True, "order_portal_released_date": fields.Date.today()}
        )
        return True

    def action_order_portal_withdraw(self):
        self.write({"order_portal_released": False, "order_portal_released_date": False})
        return True
