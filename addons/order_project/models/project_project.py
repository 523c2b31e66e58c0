import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html
from odoo.tools.misc import formatLang

from ..tools import scheduling
from ..tools.errors import ToolError
from . import plan_writer
from .order_planning_mixin import health_of
from .order_route_rule import PRIORITIES
from .reader_wording import reader_datetime, reader_task_names, word_tool_error

HEALTH = [("on_track", "On Track"), ("at_risk", "At Risk"), ("late", "Late")]


class ProjectProject(models.Model):
    _name = "project.project"
    _inherit = ["project.project", "order.planning.mixin"]

    order_sale_order_id = fields.Many2one(
        "sale.order",
        "Delivery Order",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The sales order this project delivers. Unlike sale_line_id it survives a "
        "cancellation, so re-confirming the order finds its project again.",
    )
    order_sale_line_id = fields.Many2one(
        "sale.order.line", "Delivery Order Line", copy=False, index="btree_not_null"
    )
    order_code = fields.Char(copy=False, index="btree_not_null")
    order_wbs_template_id = fields.Many2one("order.wbs.template", "WBS Template", copy=False)
    order_priority = fields.Selection(PRIORITIES, "Delivery Priority", default="0")
    order_commitment_date = fields.Datetime(
        related="order_sale_order_id.commitment_date", string="Committed Delivery"
    )
    # project.project already has resource_calendar_id (computed from the company);
    # the delivery calendar chosen by the routing rule lives beside it.
    order_calendar_id = fields.Many2one(
        "resource.calendar",
        "Delivery Calendar",
        help="Calendar of the schedules; the company's working time when empty.",
    )
    order_forecast_end = fields.Datetime("Forecast End", copy=False, tracking=True)
    order_health = fields.Selection(
        HEALTH,
        "Delivery Health",
        compute="_compute_order_health",
        store=True,
        tracking=True,
        help="Forecast end against the order's committed delivery date: late when after it, "
        "at risk when within the margin set in Settings.",
    )
    # Why the order ends when it does, as the last applied plan explains it. Internal: the
    # reason names people and other customers' orders, so portal users never read it.
    order_lateness_hours = fields.Float(
        "Lateness (Hours)",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Hours the forecast end is after the order's due date in the last applied plan.",
    )
    order_is_late = fields.Boolean(
        "Late Order",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The last applied plan ends this order after its due date.",
    )
    order_delay_reason = fields.Text(
        "Forecast Reason",
        copy=False,
        readonly=True,
        groups="order_project.group_order_planner",
        help="Why the order ends when it does, as the optimizer words it (in English, naming "
        "other orders' tasks: planners only; others read Why Late).",
    )
    order_delay_details = fields.Json(
        "Raw Forecast Reason", copy=False, readonly=True, groups="base.group_user"
    )
    order_delay_text = fields.Text(
        "Why Late",
        compute="_compute_order_delay_text",
        groups="base.group_user",
        help="The forecast reason in your language and time zone.",
    )
    order_bottleneck_name = fields.Char(
        "Bottleneck", copy=False, readonly=True, groups="base.group_user"
    )
    order_bottleneck_user_id = fields.Many2one(
        "res.users", "Bottleneck User", copy=False, readonly=True, groups="base.group_user"
    )
    order_bottleneck_employee_id = fields.Many2one(
        "hr.employee",
        "Bottleneck Employee",
        copy=False,
        readonly=True,
        ondelete="set null",
        groups="base.group_user",
    )
    order_critical_task_ids = fields.Many2many(
        "project.task",
        "order_project_critical_task_rel",
        "project_id",
        "task_id",
        "Critical Chain",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The tasks that set the order's end, first to last; a task of another order "
        "appears when it kept a person busy.",
    )
    planning_run_ids = fields.Many2many(
        "order.planning.run",
        "order_planning_run_project_rel",
        "project_id",
        "run_id",
        "Planning Runs",
        copy=False,
    )
    planning_run_count = fields.Integer(compute="_compute_planning_run_count")

    def _track_subtype(self, init_values):
        """A delivery that becomes late or at risk is an event of its own, which followers
        subscribe to (the subtypes Delivery Late and Delivery At Risk)."""
        self.ensure_one()
        if "order_health" in init_values and self.order_health in ("late", "at_risk"):
            return self.env.ref(f"order_project.mt_project_order_{self.order_health}")
        return super()._track_subtype(init_values)

    @api.depends("milestone_ids", "milestone_ids.is_reached", "milestone_ids.deadline")
    def _compute_next_milestone_id(self):
        """Odoo computes each project's next milestone apart (two queries a project, 176 for a
        list of 80 delivery projects with their WBS milestones); the unreached milestones of
        all of ``self`` are computed together first, so it finds them in the cache."""
        if self._origin.ids:
            unreached = self.env["project.milestone"].search(
                [("project_id", "in", self._origin.ids), ("is_reached", "=", False)]
            )
            unreached.mapped("can_be_marked_as_done")
            unreached.mapped("is_deadline_exceeded")
        return super()._compute_next_milestone_id()

    @api.depends("order_forecast_end", "order_sale_order_id.commitment_date")
    def _compute_order_health(self):
        margin = self._get_at_risk_margin()
        for project in self:
            project.order_health = health_of(
                project.order_forecast_end, project.order_sale_order_id.commitment_date, margin
            )

    @api.depends(
        "order_delay_details",
        "order_delay_reason",
        "order_forecast_end",
        "order_lateness_hours",
        "order_critical_task_ids",
    )
    @api.depends_context("lang", "tz", "uid")  # task names as the reader may read them
    def _compute_order_delay_text(self):
        """What held the order and its critical chain, worded by Odoo in the reader's
        language, naming only the tasks the reader may read; the optimizer's own text only
        when there is no forecast to word, and to planners only (it names every order's
        tasks)."""
        planner = self.env.su or self.env.user.has_group("order_project.group_order_planner")
        for project in self:
            if not project.order_forecast_end:
                # nothing to word: the optimizer's own text, to those who may read it
                project.order_delay_text = planner and project.sudo().order_delay_reason
                continue
            end = reader_datetime(self.env, project.order_forecast_end)
            if project.order_lateness_hours > 0:
                head = self.env._(
                    "The order ends %(end)s, %(hours)s h after its due date",
                    end=end,
                    hours=formatLang(self.env, project.order_lateness_hours, digits=1),
                )
            else:
                head = self.env._("The order ends %(end)s, on time", end=end)
            details = project.order_delay_details
            why = project._order_hold_sentence(details) if details else None
            if why is None:
                lines = [self.env._("%(head)s.", head=head)]
            else:
                lines = [self.env._("%(head)s: %(why)s.", head=head, why=why)]
            chain = project.sudo().order_critical_task_ids.sorted(
                lambda task: (task.planned_start or fields.Datetime.now(), task.id)
            )
            if chain:
                names = reader_task_names(self.env, chain.ids, project)
                lines.append(
                    self.env._("Critical chain: %s", " → ".join(names[i] for i in chain.ids))
                )
            project.order_delay_text = "\n".join(lines)

    def _order_hold_sentence(self, details):
        """What held the order (``order_delay_details``) in the reader's language; None for a
        cause without a sentence of its own or a task deleted since."""
        ids = [i for i in (details.get("task_id"), details.get("other_task_id")) if i]
        names = reader_task_names(self.env, ids, self)
        task = names.get(details.get("task_id"))
        other = names.get(details.get("other_task_id"))
        until = reader_datetime(self.env, details["until"]) if details.get("until") else ""
        resource = details.get("resource") or ""
        cause = details.get("cause")
        if cause == "resource" and task and other and resource and until:
            why = self.env._(
                "%(task)s waits for %(resource)s, busy on %(other)s until %(until)s",
                task=task,
                resource=resource,
                other=other,
                until=until,
            )
        elif cause == "predecessor" and task and other and until:
            why = self.env._(
                "%(task)s waits for %(other)s to end (%(until)s)",
                task=task,
                other=other,
                until=until,
            )
        elif cause == "release" and until:
            why = self.env._("the order is released only on %(until)s", until=until)
        elif cause == "not_before" and task and until:
            why = self.env._("%(task)s may not start before %(until)s", task=task, until=until)
        elif cause == "pinned" and task and until:
            why = self.env._("%(task)s is pinned to start %(until)s", task=task, until=until)
        elif cause == "frozen" and task and until:
            why = self.env._(
                "%(task)s is kept at %(until)s by the previous plan", task=task, until=until
            )
        elif cause == "in_progress" and task:
            why = self.env._("%(task)s is in progress", task=task)
        elif cause == "done" and task:
            why = self.env._("%(task)s is done", task=task)
        elif cause == "free" and task:
            why = self.env._("%(task)s could start earlier", task=task)
        else:
            return None
        if details.get("leave_resource") and details.get("leave_until"):
            leave = self.env._(
                "%(resource)s is on leave until %(until)s",
                resource=details["leave_resource"],
                until=reader_datetime(self.env, details["leave_until"]),
            )
            why = self.env._("%(first)s; %(second)s", first=why, second=leave)
        return why

    def _compute_planning_run_count(self):
        for project in self:
            project.planning_run_count = len(project.planning_run_ids)

    # ------------------------------------------------------------------ WBS
    def _prepare_wbs_task_values(self, line, parent_task=None, wbs_code=False):
        self.ensure_one()
        return {
            "name": line.name,
            "wbs_code": wbs_code,
            "project_id": self.id,
            "parent_id": parent_task.id if parent_task else False,
            "sequence": line.sequence,
            "wbs_template_line_id": line.id,
            "is_wbs_phase": bool(line.child_ids),
            "duration_hours": 0.0 if line.child_ids else line.duration_hours,
            "allocated_hours": 0.0 if line.child_ids else line.duration_hours * line.headcount,
            "headcount": line.headcount,
            "planning_non_interruptible": line.non_interruptible,
            "skill_id": line.skill_id.id,
            "skill_level_id": line.skill_level_id.id,
            "job_id": line.job_id.id,
            "deliverable": line.deliverable,
            "description": line.deliverable and plaintext2html(line.deliverable),
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "user_ids": False,  # the optimizer proposes people; nobody is assigned by default
        }

    def _create_wbs_tasks(self, template):
        """Tasks, milestones and dependencies of ``template`` in this project.

        Created level by level (phases first, one ``create`` per level) so sub-tasks can
        point at their phase; returns the tasks keyed by template line.
        """
        self.ensure_one()
        task_by_line = {}
        codes = {line: line.wbs_code for line in template.line_ids}
        level = template.line_ids.filtered(lambda line: not line.parent_id)
        while level:
            vals_list = [
                self._prepare_wbs_task_values(line, task_by_line.get(line.parent_id), codes[line])
                for line in level
            ]
            tasks = self.env["project.task"].with_context(mail_create_nolog=True).create(vals_list)
            task_by_line.update(zip(level, tasks, strict=True))
            level = level.child_ids
        self._create_wbs_milestones(template, task_by_line)
        self._create_wbs_dependencies(template, task_by_line)
        return task_by_line

    def _create_wbs_milestones(self, template, task_by_line):
        phases = template.line_ids.filtered("is_milestone")
        if not phases:
            return self.env["project.milestone"]
        milestones = self.env["project.milestone"].create(
            [{"name": phase.name, "project_id": self.id} for phase in phases]
        )
        for phase, milestone in zip(phases, milestones, strict=True):
            tasks = self.env["project.task"].browse(
                [task_by_line[line].id for line in phase._get_leaf_lines() | phase]
            )
            tasks.milestone_id = milestone
        return milestones

    def _create_wbs_dependencies(self, template, task_by_line):
        links = template._get_leaf_predecessors()
        predecessors = {}
        for pred, succ in links:
            predecessors.setdefault(succ, []).append(task_by_line[pred].id)
        for succ, pred_ids in predecessors.items():
            task_by_line[succ].depend_on_ids = [fields.Command.set(pred_ids)]
        # a bare link is finish to start without lag: a row only for the others
        self.env["order.task.lag"].create(
            [
                {
                    "task_id": task_by_line[succ].id,
                    "depend_on_id": task_by_line[pred].id,
                    "dependency_type": kind,
                    "lag_hours": lag,
                }
                for (pred, succ), (kind, lag) in links.items()
                if lag or kind != "FS"
            ]
        )

    # ------------------------------------------------------------------ schedule
    def _get_schedule_calendar(self):
        self.ensure_one()
        return (
            self.order_calendar_id
            or self.resource_calendar_id
            or self.env.company.resource_calendar_id
        )

    def _order_local_date(self, moment):
        """The day of ``moment`` (naive UTC) where the project works: in its schedule
        calendar's time zone, as its planned dates and milestones are read."""
        self.ensure_one()
        tz = pytz.timezone(self._get_schedule_calendar().tz or "UTC")
        return pytz.utc.localize(moment).astimezone(tz).date()

    def _get_schedule_network(self):
        """Durations of the schedulable (non-phase) tasks and their links
        ``(predecessor, successor, lag_hours, dependency_type)``: finish to start unless an
        ``order.task.lag`` row says start to start."""
        self.ensure_one()
        # task_ids holds open tasks only: finished work is not rescheduled.
        tasks = self.with_context(active_test=False).task_ids.filtered(
            lambda task: not task.is_wbs_phase
        )
        rows = {(lag.depend_on_id.id, lag.task_id.id): lag for lag in tasks.order_lag_ids}
        durations = {task.id: task.duration_hours for task in tasks}
        links = []
        for task in tasks:
            for pred in task.depend_on_ids:
                if pred.id not in durations:
                    continue
                row = rows.get((pred.id, task.id))
                if row:
                    links.append((pred.id, task.id, row.lag_hours, row.dependency_type))
                else:
                    links.append((pred.id, task.id, 0.0, "FS"))
        return tasks, durations, links

    def _prepare_forward_schedule_values(self, start_utc):
        """Task values of the first schedule: every task as early as its dependencies and
        the working calendar allow, starting at ``start_utc`` (naive UTC)."""
        self.ensure_one()
        calendar = self._get_schedule_calendar()
        if not calendar:
            raise UserError(
                self.env._("Set a working calendar on the company to schedule projects.")
            )
        working_time, tz = calendar._order_working_time()
        tasks, durations, links = self._get_schedule_network()
        origin = pytz.utc.localize(start_utc).astimezone(tz).replace(tzinfo=None)
        plan = scheduling.forward_schedule(durations, links, working_time, origin)

        def utc(moment):
            return tz.localize(moment).astimezone(pytz.utc).replace(tzinfo=None)

        return {
            task: {
                "planned_start": utc(plan[task.id].start),
                "planned_end": utc(plan[task.id].end),
                "slack_hours": plan[task.id].slack_hours,
                "is_critical": plan[task.id].critical,
            }
            for task in tasks
        }

    def _order_project_forward_schedule(self, start_utc):
        """Write the first schedule; pinned tasks keep their dates (a planner's decision)."""
        for project in self:
            try:
                values_by_task = project._prepare_forward_schedule_values(start_utc)
            except ToolError as error:
                raise UserError(word_tool_error(self.env, error)) from None
            for task, values in values_by_task.items():
                if not task.planning_pinned:
                    task.write(values)
            project._update_phase_dates()
            # `tasks`, unlike `task_ids`, keeps finished tasks: they count for the forecast.
            tasks = project.tasks
            ends = [end for end in tasks.mapped("planned_end") if end]
            starts = [start for start in tasks.mapped("planned_start") if start]
            project.write(
                {
                    "order_forecast_end": max(ends) if ends else False,
                    "date_start": project._order_local_date(min(starts))
                    if starts
                    else project.date_start,
                    "date": project._order_local_date(max(ends)) if ends else project.date,
                }
            )
            project._update_milestone_deadlines()

    def _update_phase_dates(self, note=""):
        """Phases span their tasks (deepest phases first, so nested phases add up), written
        for all of ``self`` at once with the plan's writer; the dates that moved are tracked
        in each phase's chatter under ``note``, as the plan's tasks are."""
        phases = self.with_context(active_test=False).tasks.filtered("is_wbs_phase")
        if not phases:
            return
        span = {}  # phase id -> (start, end, critical), as computed in this pass
        for phase in phases.sorted(lambda task: -len(task.wbs_code or "")):
            children = [
                span.get(child.id, (child.planned_start, child.planned_end, child.is_critical))
                for child in phase.child_ids
            ]
            starts = [start for start, _end, _critical in children if start]
            ends = [end for _start, end, _critical in children if end]
            span[phase.id] = (
                min(starts) if starts else None,
                max(ends) if ends else None,
                any(critical for _start, _end, critical in children),
            )
        rows = [
            {"task_id": phase.id, "planned_start": start, "planned_end": end, "critical": critical}
            for phase in phases
            for start, end, critical in [span[phase.id]]
            if (start, end, critical)
            != (phase.planned_start or None, phase.planned_end or None, phase.is_critical)
        ]
        before = {phase.id: (phase.planned_start, phase.planned_end) for phase in phases}
        plan_writer.write_task_plan(self.env, rows)
        plan_writer.track_task_dates(
            self.env, plan_writer.moved_dates(self.env, before, rows), note
        )

    def _update_milestone_deadlines(self):
        """Each milestone is due on the day its last task ends (one read for all of
        ``self``)."""
        milestones = self.milestone_ids
        groups = self.env["project.task"]._read_group(
            [("milestone_id", "in", milestones.ids), ("planned_end", "!=", False)],
            ["milestone_id"],
            ["planned_end:max"],
        )
        for milestone, end in groups:
            day = milestone.project_id._order_local_date(end)
            if milestone.deadline != day:
                milestone.deadline = day

    # ------------------------------------------------------------------ actions
    def action_set_baseline(self):
        self._check_planner_rights()
        self.with_context(active_test=False).tasks.action_set_baseline()
        # planners are project users, who may not post on every project themselves
        for project in self.sudo():
            project.message_post(body=self.env._("Baseline set from the current plan."))
        return True

    def action_order_forward_schedule(self):
        """Recompute the first schedule from now (or the order date if later), e.g. after
        the WBS was edited and before any optimisation; pinned tasks keep their dates."""
        self._check_planner_rights()
        now = fields.Datetime.now()
        # planners are project users: the dates they may set are written as superuser
        for project in self.sudo():
            start = max(project.order_sale_order_id.date_order or now, now)
            project._order_project_forward_schedule(start)
            project.message_post(body=self.env._("Forward schedule recomputed."))
        return True

    def action_order_reoptimize(self):
        """Queue a re-plan of these projects on the optimizer service."""
        run = self.env["order.planning.run"]._queue_replan(
            self, scope="projects" if len(self) > 1 else "project"
        )
        return run._get_records_action()

    def action_view_planning_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "order_project.order_planning_run_action"
        )
        action["domain"] = [("project_ids", "in", self.ids)]
        return action

    def action_view_tasks_by_phase(self):
        """The project's tasks in a Kanban with one column per WBS phase (the phases
        themselves are the columns, not cards)."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.actions"]._for_xml_id(
            "order_project.project_task_action_by_phase"
        )
        action["display_name"] = self.env._(
            "%(project)s: Tasks by Phase", project=self.display_name
        )
        action["domain"] = [("project_id", "=", self.id), ("is_wbs_phase", "=", False)]
        action["context"] = {
            "default_project_id": self.id,
            "group_by": ["parent_id"],
        }
        return action

    def action_view_delivery_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.order_sale_order_id.id,
            "views": [(False, "form")],
        }

    def _order_plan_span(self):
        """``{project: (first planned start, last planned end)}`` of each project's tasks (one
        query; phases, which span their tasks, are left out: they may not be updated yet)."""
        groups = self.env["project.task"]._read_group(
            [
                ("project_id", "in", self.ids),
                ("planned_end", "!=", False),
                ("is_wbs_phase", "=", False),
            ],
            ["project_id"],
            ["planned_start:min", "planned_end:max"],
        )
        return {project: (start, end) for project, start, end in groups}
