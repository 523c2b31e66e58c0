import logging

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.mail import plaintext2html

from odoo.addons.project.models.project_task import CLOSED_STATES

from ..tools import schedule_payload
from ..tools.optimizer_client import OptimizerUnreachable, request_replan
from . import plan_writer
from .reader_wording import word_failure

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Applied"),
    ("failed", "Failed"),
]


class OrderPlanningRun(models.Model):
    _name = "order.planning.run"
    _description = "Planning Run"
    _inherit = ["mail.thread", "order.planning.mixin"]
    _order = "id desc"
    _rec_name = "name"

    name = fields.Char(
        required=True, readonly=True, default=lambda self: self.env._("New"), copy=False
    )
    plan_id = fields.Char(
        "Plan ID",
        readonly=True,
        copy=False,
        index=True,
        help="The optimizer's idempotency key: a plan is applied once.",
    )
    state = fields.Selection(RUN_STATES, default="queued", required=True, tracking=True)
    scope = fields.Selection(
        [("project", "One Project"), ("projects", "Selected Projects"), ("all", "All Open Orders")],
        default="projects",
        required=True,
    )
    progress = fields.Float(help="Solver progress in percent, as reported by the optimizer.")
    user_id = fields.Many2one(
        "res.users", "Requested By", default=lambda self: self.env.user, readonly=True
    )
    applied_by_id = fields.Many2one("res.users", readonly=True)
    date_applied = fields.Datetime("Applied On", readonly=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, required=True, index=True
    )
    project_ids = fields.Many2many(
        "project.project", "order_planning_run_project_rel", "run_id", "project_id", "Projects"
    )
    solver_status = fields.Char(readonly=True)
    solver = fields.Char(readonly=True)
    objective = fields.Float(readonly=True)
    lower_bound = fields.Float(readonly=True)
    figures = fields.Json("Raw Figures", readonly=True)
    figures_text = fields.Text("Figures", compute="_compute_texts")
    conflicts = fields.Json("Raw Conflicts", readonly=True)
    conflicts_text = fields.Text("Conflicts", compute="_compute_texts")
    conflict_count = fields.Integer(readonly=True)
    applied_count = fields.Integer("Tasks Applied", readonly=True)
    job_id = fields.Char("Optimizer Job", readonly=True)
    message = fields.Text(readonly=True)
    # the run's summary, as the optimizer sends it with the plan
    late_order_count = fields.Integer("Late Orders", readonly=True)
    order_count = fields.Integer("Orders Planned", readonly=True)
    weighted_tardiness = fields.Float(
        "Weighted Tardiness (Hours)",
        readonly=True,
        help="Sum over the orders of their priority weight times the hours they end late.",
    )
    bottlenecks = fields.Json("Raw Bottlenecks", readonly=True)
    summary_text = fields.Text("Summary", compute="_compute_summary_text")
    # why the optimizer could not make a plan (mark_failed)
    failure_conflicts = fields.Json("Raw Failure Conflicts", readonly=True)
    failure_text = fields.Text("Why It Failed", compute="_compute_failure_text")

    _sql_constraints = [
        ("plan_id_uniq", "unique(plan_id)", "A plan is recorded once per plan id."),
    ]

    @api.depends("figures", "conflicts")
    def _compute_texts(self):
        for run in self:
            run.figures_text = "\n".join(
                f"{k}: {v}" for k, v in sorted((run.figures or {}).items())
            )
            run.conflicts_text = "\n".join(
                self.env._("Task %(task)s: %(reason)s", task=c["task_id"], reason=c["reason"])
                for c in (run.conflicts or [])
            )

    @api.depends("state", "late_order_count", "order_count", "weighted_tardiness", "bottlenecks")
    def _compute_summary_text(self):
        for run in self:
            if run.state != "done" or not (run.order_count or run.late_order_count):
                run.summary_text = False
                continue
            lines = [
                self.env._(
                    "%(late)s of %(orders)s order(s) late, weighted tardiness %(hours)s h.",
                    late=run.late_order_count,
                    orders=run.order_count,
                    hours=round(run.weighted_tardiness, 1),
                )
            ]
            people = [
                self.env._("%(name)s (%(orders)s order(s))", name=b["name"], orders=b["orders"])
                for b in run.bottlenecks or []
            ]
            if people:
                lines.append(self.env._("Bottlenecks: %s", ", ".join(people)))
            run.summary_text = "\n".join(lines)

    @api.depends("failure_conflicts")
    @api.depends_context("lang", "tz", "uid")  # task names as the reader may read them
    def _compute_failure_text(self):
        for run in self:
            lines = []
            for conflict in run.failure_conflicts or []:
                sentence = word_failure(self.env, conflict, run.project_ids)
                if sentence:
                    # the reader's language first, then the optimizer's own (English) detail
                    lines += [f"- {sentence}", "  " + self.env._("Details: %s", conflict["text"])]
                else:
                    lines.append(f"- {conflict['text']}")
            run.failure_text = "\n".join(lines)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("order.planning.run") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------ apply_schedule
    @api.model
    def apply_schedule(self, payload):
        """Write an optimizer plan back in one transaction; see schemas/apply_schedule.schema.json.

        Returns ``{"plan_id", "run_id", "already_applied", "applied", "conflicts"}``.
        """
        self._check_planner_rights()
        try:
            plan = schedule_payload.validate_payload(payload)
        except schedule_payload.PayloadError as error:
            raise ValidationError(self.env._("Invalid schedule: %s", error)) from None
        runs = self.sudo()
        done = runs.search([("plan_id", "=", plan["plan_id"]), ("state", "=", "done")], limit=1)
        if done:
            return done._get_apply_result(already_applied=True)
        tasks, projects = self._get_plan_records(plan)
        current = {task.id: task.write_date for task in tasks}
        pinned = set(tasks.filtered("planning_pinned").ids)
        to_write, conflicts = schedule_payload.split_conflicts(plan["tasks"], current, pinned)
        before = {task.id: (task.planned_start, task.planned_end) for task in tasks}
        projects |= tasks.project_id
        plan_writer.write_task_plan(self.env, to_write)
        self._write_plan_projects(plan, projects)
        run = runs._record_applied_plan(plan, to_write, conflicts, projects)
        # the dates the plan moved, in each task's and phase's chatter under a note naming
        # the run, in the requester's language like the run's other notes
        note = Markup(run._as_requester().env._("Planned by %s")) % run._get_html_link(
            title=run.name
        )
        projects._update_phase_dates(note)
        projects._update_milestone_deadlines()
        plan_writer.track_task_dates(
            self.env, plan_writer.moved_dates(self.env, before, to_write), note
        )
        return run._get_apply_result(already_applied=False)

    @api.model
    def _get_plan_records(self, plan):
        """Tasks and projects of the plan, all read at once; unknown ids abort everything."""
        tasks_model = self.env["project.task"].sudo().with_context(active_test=False)
        task_ids = [task["task_id"] for task in plan["tasks"]]
        tasks = tasks_model.browse(task_ids).exists()
        missing = sorted(set(task_ids) - set(tasks.ids))
        if missing:
            raise ValidationError(
                self.env._("Unknown task ids %(ids)s: nothing was written.", ids=missing)
            )
        project_ids = [project["project_id"] for project in plan["projects"]]
        projects = self.env["project.project"].sudo().browse(project_ids).exists()
        missing = sorted(set(project_ids) - set(projects.ids))
        if missing:
            raise ValidationError(
                self.env._("Unknown project ids %(ids)s: nothing was written.", ids=missing)
            )
        user_ids = {uid for task in plan["tasks"] for uid in task.get("user_ids", [])}
        users = self.env["res.users"].sudo().browse(list(user_ids)).exists()
        missing = sorted(user_ids - set(users.ids))
        if missing:
            raise ValidationError(
                self.env._("Unknown user ids %(ids)s: nothing was written.", ids=missing)
            )
        allowed = self.env.user.company_ids
        foreign = (tasks.company_id | projects.company_id) - allowed
        if foreign:
            raise AccessError(
                self.env._(
                    "The plan touches companies you are not allowed in: %s", foreign.mapped("name")
                )
            )
        return tasks, projects

    @api.model
    def _write_plan_projects(self, plan, projects):
        entries = {p["project_id"]: p for p in plan["projects"]}
        spans = projects._order_plan_span()
        known = self._get_existing_ids(plan["projects"])
        for project in projects.sudo():
            entry = entries.get(project.id, {})
            values = {}
            start, end = spans.get(project, (None, None))
            forecast = fields.Datetime.to_datetime(entry.get("forecast_end")) or end
            if forecast:
                # the project's planned dates follow the plan, as they do the first schedule
                values.update(order_forecast_end=forecast, date=project._order_local_date(forecast))
            if start:
                values["date_start"] = project._order_local_date(start)
            if "late" in entry:
                values.update(self._prepare_project_explanation_values(entry, known))
            if values:
                project.write(values)

    @api.model
    def _get_existing_ids(self, entries):
        """Ids of the users, employees and tasks the explanations name that still exist (one
        query per model): a person or task deleted since the optimizer read them is dropped,
        not a reason to refuse the plan."""
        wanted = {"res.users": set(), "hr.employee": set(), "project.task": set()}
        for entry in entries:
            person = entry.get("bottleneck") or {}
            wanted["res.users"].add(person.get("user_id"))
            wanted["hr.employee"].add(person.get("employee_id"))
            wanted["project.task"].update(entry.get("critical_task_ids") or ())
        return {
            model: set(self.env[model].sudo().browse([i for i in ids if i]).exists().ids)
            for model, ids in wanted.items()
        }

    @api.model
    def _prepare_project_explanation_values(self, entry, known):
        person = entry.get("bottleneck") or {}
        user_id = person.get("user_id")
        employee_id = person.get("employee_id")
        task_ids = [t for t in entry["critical_task_ids"] if t in known["project.task"]]
        return {
            "order_is_late": entry["late"],
            "order_lateness_hours": entry["lateness_hours"],
            "order_delay_reason": entry["reason"] or False,
            "order_delay_details": entry["reason_details"] or False,
            "order_bottleneck_name": person.get("name") or False,
            "order_bottleneck_user_id": user_id if user_id in known["res.users"] else False,
            "order_bottleneck_employee_id": (
                employee_id if employee_id in known["hr.employee"] else False
            ),
            "order_critical_task_ids": [Command.set(task_ids)],
        }

    def _record_applied_plan(self, plan, written, conflicts, projects):
        run = self.search([("plan_id", "=", plan["plan_id"])], limit=1)
        values = {
            "plan_id": plan["plan_id"],
            "state": "done",
            "progress": 100.0,
            "solver_status": plan["status"],
            "solver": plan["solver"],
            "objective": plan["objective"] or 0.0,
            "lower_bound": plan["lower_bound"] or 0.0,
            "figures": plan["figures"],
            "conflicts": conflicts,
            "conflict_count": len(conflicts),
            "applied_count": len(written),
            "applied_by_id": self.env.uid,
            "date_applied": fields.Datetime.now(),
            "project_ids": [fields.Command.link(project.id) for project in projects],
            "failure_conflicts": False,
            **self._prepare_summary_values(plan.get("summary")),
        }
        if run:
            run.write(values)
        else:
            run = self.create(dict(values, scope="projects" if len(projects) > 1 else "project"))
        run._post_project_messages(projects)
        return run

    @api.model
    def _prepare_summary_values(self, summary):
        if not summary:
            return {}
        return {
            "late_order_count": summary["late_orders"],
            "order_count": summary["orders"],
            "weighted_tardiness": summary["weighted_tardiness"],
            "bottlenecks": summary["bottlenecks"],
        }

    def _as_requester(self):
        """This run in the language and time zone of the planner who asked for it. A chatter
        note is written once, for every reader, and while the optimizer's bot posts it, the
        requester is the one waiting to read it."""
        self.ensure_one()
        context = {}
        if self.user_id.lang:
            context["lang"] = self.user_id.lang
        if self.user_id.tz:
            context["tz"] = self.user_id.tz
        return self.with_context(**context)

    def _post_project_messages(self, projects):
        run = self._as_requester()
        applied = run.env._(
            "Plan %(run)s applied: %(applied)s task(s) rescheduled, %(conflicts)s "
            "conflict(s) kept as people left them.",
            run=run._get_html_link(title=run.name),
            applied=run.applied_count,
            conflicts=run.conflict_count,
        )
        projects = projects.with_context(**run.env.context)
        # message_post works out each message's reply-to, alias domain and company one record
        # at a time (about 5 ms of its 15 ms a project); they are worked out here for all the
        # projects at once, as message_post would (the author is the current user), and
        # handed to it as the mail.message values it takes
        company = self.env.company
        reply_to = projects._notify_get_reply_to(default=self.env.user.partner_id.email_formatted)
        domains = projects.sudo()._mail_get_alias_domains(default_company=company)
        companies = projects._mail_get_companies(default=company)
        for project in projects:
            why = project.order_is_late and project.order_delay_text
            project.message_post(
                body=applied + plaintext2html(why) if why else applied,
                subtype_xmlid="order_project.mt_project_plan_applied",
                reply_to=reply_to[project.id],
                record_alias_domain_id=domains[project.id].id,
                record_company_id=companies[project.id].id,
            )

    def _post_failure_message(self):
        """The failure, worded in the requester's language (the optimizer's own text when it
        sent no conflicts)."""
        run = self._as_requester()
        text = plaintext2html(run.failure_text or run.message)
        run.message_post(
            body=run.env._("The optimizer could not make a plan: %s", text),
            subtype_xmlid="order_project.mt_planning_run_failed",
        )

    def _get_apply_result(self, already_applied):
        self.ensure_one()
        return {
            "plan_id": self.plan_id,
            "run_id": self.id,
            "already_applied": already_applied,
            "applied": 0 if already_applied else self.applied_count,
            "conflicts": self.conflicts or [],
        }

    @api.model
    def mark_failed(self, plan_id, message, conflicts=None):
        """The optimizer could not make plan ``plan_id`` and wrote nothing: the run ends
        failed, showing ``message`` and ``conflicts`` (``$defs/failure`` of
        schemas/apply_schedule.schema.json). Idempotent; a run already applied is left as
        it is, and a plan id Odoo never queued gets a failed run of its own.

        Returns ``{"plan_id", "run_id", "state", "changed"}``.
        """
        self._check_planner_rights()
        try:
            failure = schedule_payload.validate_failure(plan_id, message, conflicts)
        except schedule_payload.PayloadError as error:
            raise ValidationError(self.env._("Invalid failure report: %s", error)) from None
        run = self.sudo().search([("plan_id", "=", failure["plan_id"])], limit=1)
        if run.state == "done":
            return run._get_failure_result(changed=False)
        values = {
            "state": "failed",
            "message": failure["message"],
            "failure_conflicts": failure["conflicts"],
        }
        if run and all(run[key] == value for key, value in values.items()):
            return run._get_failure_result(changed=False)
        if not run:
            project_ids = {c["project_id"] for c in failure["conflicts"] if c["project_id"]}
            projects = self.env["project.project"].sudo().browse(list(project_ids)).exists()
            run = self.sudo().create(
                dict(
                    values,
                    plan_id=failure["plan_id"],
                    project_ids=[Command.set(projects.ids)],
                    scope="projects" if len(projects) != 1 else "project",
                )
            )
        else:
            run.write(values)
        run._post_failure_message()
        return run._get_failure_result(changed=True)

    def _get_failure_result(self, changed):
        self.ensure_one()
        return {"plan_id": self.plan_id, "run_id": self.id, "state": self.state, "changed": changed}

    # ------------------------------------------------------------------ re-optimize
    @api.model
    def _get_optimizer_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        url = (params.get_param("order_project.optimizer_url") or "").rstrip("/")
        key = params.get_param("order_project.optimizer_key") or ""
        if not url:
            raise UserError(
                self.env._("Set the optimizer service URL in Settings > Project first.")
            )
        return url, key

    @api.model
    def _prepare_replan_request(self, run):
        """The request the service takes, every field used: the projects this run chose (its
        scope is decided here, once: "all open orders" are the ones found when it was
        queued), the plan id the write-back completes, and the database it must match."""
        return {
            "database": self.env.cr.dbname,
            "plan_id": run.plan_id,
            "project_ids": run.project_ids.ids,
        }

    @api.model
    def _queue_replan(self, projects, scope):
        """Record a queued run; the dispatch cron, triggered at once, hands it to the
        optimizer after this transaction commits, so the click never waits on the network
        and the service never hears of a run it cannot see yet."""
        self._check_planner_rights()
        self._get_optimizer_settings()  # fail now, in the user's face, when unconfigured
        if scope != "all" and not projects:
            raise UserError(self.env._("There is no delivery project to re-optimize."))
        run = self.sudo().create(
            {"scope": scope, "project_ids": [fields.Command.set(projects.ids)]}
        )
        run.plan_id = f"odoo-{self.env.cr.dbname}-{run.id}"
        self.env.ref("order_project.ir_cron_dispatch_planning_runs").sudo()._trigger()
        return run

    @api.model
    def _cron_dispatch_queued_runs(self):
        """Send the oldest queued run to the optimizer and report the progress to the cron,
        which commits after each call (the service has accepted the run: a later failure must
        not resend it) and calls again while runs remain queued, as Odoo's batched crons do.
        Returns how many runs were sent."""
        runs = self.sudo().search([("state", "=", "queued")], order="id")
        if runs:
            runs[0]._send_replan_request()
        self.env["ir.cron"]._notify_progress(done=len(runs[:1]), remaining=len(runs[1:]))
        return len(runs[:1])

    def _send_replan_request(self):
        """Hand this queued run to the optimizer; the run ends failed, saying why, when the
        service cannot take it."""
        self.ensure_one()
        url, key = self._get_optimizer_settings()
        try:
            answer = request_replan(url, key, self._prepare_replan_request(self))
        except OptimizerUnreachable as error:
            _logger.warning("Optimizer replan request failed for run %s: %s", self.id, error)
            # worded for each reader from its kind (failure_text), the error kept as its detail
            text = f"Optimizer unreachable: {error}"
            unreachable = {"kind": "unreachable", "text": text, "details": {"url": url}}
            self.write({"state": "failed", "message": text, "failure_conflicts": [unreachable]})
            self._post_failure_message()
            return False
        self.write(
            {
                "state": "running",
                "job_id": str(answer.get("job_id") or answer.get("id") or ""),
                "message": self.env._("Accepted by the optimizer."),
            }
        )
        return True

    @api.model
    def _open_projects_domain(self):
        """The delivery projects of open orders; the optimizer's reader mirrors it
        (optimizer/odoo/reader.py OPEN_PROJECTS_DOMAIN)."""
        return [
            ("order_sale_order_id.state", "=", "sale"),
            ("active", "=", True),
            (
                "task_ids",
                "any",
                [("is_wbs_phase", "=", False), ("state", "not in", list(CLOSED_STATES))],
            ),
        ]

    @api.model
    def action_reoptimize_all(self):
        """Re-plan every open order's delivery project: a confirmed order whose project still
        has work to do (a task, not a phase, neither done nor cancelled). A delivered order's
        sale order stays confirmed in Odoo 18, so its state alone does not say it is open."""
        self._check_planner_rights()
        # sudo: "all open orders" means all, whoever sold them; rights were checked above
        projects = self.env["project.project"].sudo().search(self._open_projects_domain())
        return self._queue_replan(projects, scope="all")._get_records_action()

    def action_retry(self):
        self._check_planner_rights()
        self.filtered(lambda r: r.state == "failed").write(
            {"state": "queued", "message": False, "failure_conflicts": False}
        )
        self.env.ref("order_project.ir_cron_dispatch_planning_runs").sudo()._trigger()
        return True

    def _get_records_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "name": self.name,
        }
