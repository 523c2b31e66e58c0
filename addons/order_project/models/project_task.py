from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.project.models.project_task import CLOSED_STATES

from .order_planning_mixin import health_of
from .project_project import HEALTH

# Odoo's kanban colour indexes (web's ColorList): 1 red, 2 orange, 10 green.
HEALTH_COLORS = {"on_track": 10, "at_risk": 2, "late": 1}


def task_health(end, due, state, margin):
    """A task's plan health: its planned end against its due date (its deadline, or else its
    order's committed date); none once it is closed."""
    return state not in CLOSED_STATES and health_of(end, due, margin)


class ProjectTask(models.Model):
    _name = "project.task"
    _inherit = ["project.task", "order.planning.mixin"]

    # Community 18 has only date_deadline/date_end on tasks (planned_date_begin is
    # Enterprise), so the schedule lives in fields of its own.
    planned_start = fields.Datetime(copy=False, tracking=True, index="btree_not_null")
    planned_end = fields.Datetime(copy=False, tracking=True)
    baseline_start = fields.Datetime(copy=False, readonly=True)
    baseline_end = fields.Datetime(copy=False, readonly=True)
    slack_hours = fields.Float("Slack (h)", copy=False, help="Working hours the task can slip.")
    is_critical = fields.Boolean("Critical", copy=False, help="On the critical path.")
    # The optimizer's proposal is kept apart from user_ids: assignees receive
    # notifications and "My Tasks", which stays a person's decision.
    planning_user_ids = fields.Many2many(
        "res.users",
        "order_project_task_planning_user_rel",
        "task_id",
        "user_id",
        "Planned People",
        copy=False,
        help="People the optimizer assigned; 'Adopt Planned People' makes them the assignees.",
    )
    planning_pinned = fields.Boolean(
        "Pinned",
        copy=False,
        tracking=True,
        help="The optimizer never moves a pinned task; its dates are a planner's decision.",
    )
    planning_non_interruptible = fields.Boolean(
        "Run in one stretch",
        help="The optimizer plans the task in one stretch of working time, without a pause.",
    )
    planning_stretch_warning = fields.Char(
        "One-Stretch Warning", compute="_compute_planning_stretch_warning"
    )
    planning_not_before = fields.Datetime(
        "Not before",
        copy=False,
        help="The optimizer never starts the task earlier, e.g. before its material arrives.",
    )
    wbs_code = fields.Char("WBS", copy=False, index="btree_not_null")
    wbs_template_line_id = fields.Many2one("order.wbs.template.line", "WBS Line", copy=False)
    is_wbs_phase = fields.Boolean(
        "Phase", copy=False, help="A summary task; its dates span its tasks."
    )
    duration_hours = fields.Float(
        "Duration (h)", help="Working hours from start to end, used by the schedules."
    )
    headcount = fields.Integer(default=1)
    skill_id = fields.Many2one("hr.skill", "Required Skill")
    skill_level_id = fields.Many2one("hr.skill.level", "Minimum Level")
    job_id = fields.Many2one("hr.job", "Role")
    deliverable = fields.Text("Deliverable Standard")
    order_lag_ids = fields.One2many("order.task.lag", "task_id", "Dependency Lags")
    planning_health = fields.Selection(
        HEALTH,
        "Plan Health",
        compute="_compute_planning_health",
        help="Planned end against the task's deadline, or else its order's committed date: "
        "late when after it, at risk when within the margin set in Settings.",
    )
    planning_health_color = fields.Integer(
        "Plan Health Colour",
        compute="_compute_planning_health",
        help="The kanban colour of the plan health: green, orange or red.",
    )

    @api.depends(
        "planned_end",
        "date_deadline",
        "state",
        "project_id.order_sale_order_id.commitment_date",
    )
    def _compute_planning_health(self):
        margin = self._get_at_risk_margin()
        for task in self:
            task.planning_health = task_health(
                task.planned_end,
                task.date_deadline or task.project_id.order_sale_order_id.commitment_date,
                task.state,
                margin,
            )
            task.planning_health_color = HEALTH_COLORS.get(task.planning_health, 0)

    @api.depends(
        "planning_non_interruptible",
        "duration_hours",
        "project_id.order_calendar_id",
        "project_id.resource_calendar_id",
    )
    @api.depends_context("company", "lang")
    def _compute_planning_stretch_warning(self):
        # A one-stretch task longer than every working block makes the whole re-plan
        # infeasible; the planner learns it here, where the flag is set.
        for task in self:
            calendar = task._get_stretch_calendar()
            if not (task.planning_non_interruptible and calendar):
                task.planning_stretch_warning = False
                continue
            # The calendar the optimizer uses may belong to a company the user is not in.
            calendar_sudo = calendar.sudo()
            task.planning_stretch_warning = calendar_sudo._order_stretch_warning(
                task.duration_hours
            )

    def _get_stretch_calendar(self):
        """The calendar the schedules use for this task's project."""
        self.ensure_one()
        if self.project_id:
            return self.project_id._get_schedule_calendar()
        return (self.company_id or self.env.company).resource_calendar_id

    def _prepare_baseline_values(self):
        return {"baseline_start": self.planned_start, "baseline_end": self.planned_end}

    def action_set_baseline(self):
        """Freeze the current plan as the reference against which slippage is measured."""
        self._check_planner_rights()
        for task in self:
            task.write(task._prepare_baseline_values())
        return True

    def action_adopt_planning_users(self):
        tasks = self.filtered("planning_user_ids")
        if not tasks:
            raise UserError(self.env._("The optimizer has not assigned anybody to these tasks."))
        for task in tasks:
            task.user_ids = task.planning_user_ids
        return True

    def action_toggle_planning_pinned(self):
        for task in self:
            task.planning_pinned = not task.planning_pinned
        return True
