from collections import defaultdict

from odoo import api, fields, models

from odoo.addons.project.models.project_task import CLOSED_STATES

CLOSED = tuple(CLOSED_STATES)


def _wbs_key(task):
    """Order tasks by WBS code as numbers (1.10 after 1.9), then by sequence."""
    code = tuple(int(part) for part in (task.wbs_code or "").split(".") if part.isdigit())
    return (not code, code, task.sequence, task.id)


def _root(task):
    while task.parent_id:
        task = task.parent_id
    return task


class SaleOrder(models.Model):
    _inherit = "sale.order"

    order_portal_issue_ids = fields.One2many(
        "order.portal.issue", "sale_order_id", "Delivery Issues"
    )
    order_portal_issue_count = fields.Integer("Issues", compute="_compute_order_portal_issue_count")
    order_forecast_delivery = fields.Datetime(
        "Forecast Delivery",
        compute="_compute_order_forecast_delivery",
        store=True,
        help="The latest forecast end of the order's delivery projects, from the last plan.",
    )
    # Stored: portal users cannot search the delivery projects themselves (their rules
    # hide them), so the list of their orders filters on this flag instead.
    order_has_delivery = fields.Boolean(
        "Has Delivery Projects", compute="_compute_order_has_delivery", store=True, index=True
    )
    order_delivery_progress = fields.Integer(
        "Delivery Progress (%)",
        compute="_compute_order_delivery_progress",
        help="Share of the delivery tasks that are done (cancelled tasks do not count).",
    )
    order_delivery_phase = fields.Char(
        "Current Phase",
        compute="_compute_order_delivery_progress",
        help="The first phase of the delivery that is not finished.",
    )

    @api.depends("order_portal_issue_ids")
    def _compute_order_portal_issue_count(self):
        counts = dict(
            self.env["order.portal.issue"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
        for order in self:
            order.order_portal_issue_count = counts.get(order, 0)

    @api.depends("delivery_project_ids.order_forecast_end")
    def _compute_order_forecast_delivery(self):
        for order in self:
            ends = [end for end in order.delivery_project_ids.mapped("order_forecast_end") if end]
            order.order_forecast_delivery = max(ends) if ends else False

    @api.depends("delivery_project_ids", "delivery_project_ids.active")
    def _compute_order_has_delivery(self):
        for order in self:
            order.order_has_delivery = bool(order.delivery_project_ids)

    def _compute_order_delivery_progress(self):
        tasks = self.env["project.task"].search(
            [("project_id.order_sale_order_id", "in", self.ids)]
        )
        task_ids_by_order = defaultdict(list)
        for task in tasks:
            task_ids_by_order[task.project_id.order_sale_order_id.id].append(task.id)
        for order in self:
            order_tasks = tasks.browse(task_ids_by_order[order.id])
            work = order_tasks.filtered(lambda t: not t.is_wbs_phase and t.state != "1_canceled")
            done = work.filtered(lambda t: t.state == "1_done")
            order.order_delivery_progress = round(100 * len(done) / len(work)) if work else 0
            # a phase is finished when its work is, whatever the state of the phase task
            open_phase_ids = {_root(task).id for task in work - done}
            phases = order_tasks.filtered(lambda t: not t.parent_id).sorted(_wbs_key)
            current = phases.filtered(lambda t, ids=open_phase_ids: t.id in ids)[:1]
            order.order_delivery_phase = current.name or False

    # ------------------------------------------------------------------ portal
    def _order_portal_phase_values(self, phase, subtasks):
        """What the customer may know of a phase: dates and state, nothing else."""
        leaves = subtasks.filtered(lambda t: not t.is_wbs_phase) or phase
        open_leaves = leaves.filtered(lambda t: t.state not in CLOSED)
        ends = [end for end in leaves.mapped("date_end") if end]
        now = fields.Datetime.now()
        if not open_leaves:
            state = "done"
        elif leaves.filtered(lambda t: t.state in CLOSED) or (
            phase.planned_start and phase.planned_start <= now
        ):
            state = "late" if phase.planned_end and phase.planned_end < now else "in_progress"
        else:
            state = "planned"
        slip = False
        if phase.planned_end and phase.baseline_end:
            slip = (phase.planned_end.date() - phase.baseline_end.date()).days
        return {
            "id": phase.id,
            "name": phase.name,
            "wbs_code": phase.wbs_code or "",
            "planned_start": phase.planned_start,
            "planned_end": phase.planned_end,
            "baseline_start": phase.baseline_start,
            "baseline_end": phase.baseline_end,
            "actual_end": max(ends) if ends and not open_leaves else False,
            "state": state,
            "slip_days": slip,
        }

    @staticmethod
    def _order_portal_place_bars(phases):
        """Left offset and width (in % of the project's span) of each phase's planned and
        baseline bars, for a timeline drawn with plain CSS."""
        moments = [
            phase[key]
            for phase in phases
            for key in ("planned_start", "planned_end", "baseline_start", "baseline_end")
            if phase[key]
        ]
        if not moments:
            return phases
        origin, span = min(moments), (max(moments) - min(moments)).total_seconds() or 1.0
        for phase in phases:
            for kind in ("planned", "baseline"):
                start, end = phase[f"{kind}_start"], phase[f"{kind}_end"]
                if start and end:
                    left = 100.0 * (start - origin).total_seconds() / span
                    width = max(100.0 * (end - start).total_seconds() / span, 1.0)
                    phase[f"{kind}_bar"] = (
                        f"left: {left:.1f}%; width: {min(width, 100 - left):.1f}%;"
                    )
                else:
                    phase[f"{kind}_bar"] = False
        return phases

    def _order_portal_milestone_values(self, milestone):
        baselines = [end for end in milestone.task_ids.mapped("baseline_end") if end]
        return {
            "id": milestone.id,
            "name": milestone.name,
            "planned": milestone.deadline,
            "baseline": max(baselines).date() if baselines else False,
            "actual": milestone.reached_date if milestone.is_reached else False,
            "is_reached": milestone.is_reached,
            "is_late": bool(milestone.is_deadline_exceeded),
        }

    def _order_portal_deliverable_values(self, task, attachments):
        return {
            "id": task.id,
            "name": task.name,
            "wbs_code": task.wbs_code or "",
            "deliverable": task.deliverable or "",
            "released_date": task.order_portal_released_date,
            "documents": [
                {"id": att.id, "name": att.name, "mimetype": att.mimetype}
                for att in attachments
                if att.res_id == task.id
            ],
        }

    def _order_portal_delivery_values(self):
        """The delivery of this order as the customer sees it: plain values only, so no
        internal field (costs, workloads, planned people, internal notes) reaches the page.

        Call it on a record the caller already checked the customer's access to.
        """
        self.ensure_one()
        projects = []
        for project in self.delivery_project_ids:
            # project.task_ids hides closed tasks; finished work belongs on this page
            tasks = project.tasks
            phases = tasks.filtered(lambda t: not t.parent_id).sorted(_wbs_key)
            # one recursive query for the whole project, not one per phase
            subtask_ids = phases._get_subtask_ids_per_task_id()
            released = tasks.filtered("order_portal_released").sorted(_wbs_key)
            attachments = self._order_portal_shared_attachments(released)
            projects.append(
                {
                    "id": project.id,
                    "name": project.name,
                    "code": project.order_code or "",
                    "health": project.order_health or False,
                    "forecast_end": project.order_forecast_end,
                    "phases": self._order_portal_place_bars(
                        [
                            self._order_portal_phase_values(
                                p, tasks & tasks.browse(subtask_ids[p.id])
                            )
                            for p in phases
                        ]
                    ),
                    "milestones": [
                        self._order_portal_milestone_values(m) for m in project.milestone_ids
                    ],
                    "deliverables": [
                        self._order_portal_deliverable_values(t, attachments) for t in released
                    ],
                }
            )
        return projects

    def _order_portal_shared_attachments(self, released_tasks=None):
        """Documents attached to the released tasks of this order's delivery projects."""
        if released_tasks is None:
            released_tasks = self.delivery_project_ids.tasks.filtered("order_portal_released")
        if not released_tasks:
            return self.env["ir.attachment"]
        return self.env["ir.attachment"].search(
            [("res_model", "=", "project.task"), ("res_id", "in", released_tasks.ids)],
            order="name, id",
        )

    # ------------------------------------------------------------------ actions
    def action_view_order_portal_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "order_portal.order_portal_issue_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"default_sale_order_id": self.id}
        return action
