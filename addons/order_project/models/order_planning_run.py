import logging
import threading
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import requests
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id, plaintext2html
from odoo.tools.misc import format_datetime, formatLang

from ..tools import schedule_payload

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Applied"),
    ("failed", "Failed"),
]
REPLAN_TIMEOUT = (3.05, 5)  # connect, read: the service answers 202 at once
WRITE_CHUNK = 1000  # rows per UPDATE ... FROM (VALUES ...) statement
PLANNER_GROUPS = ("order_project.group_order_planner", "order_project.group_order_optimizer_bot")
# Conflict kinds of a failed run worded in the reader's language: the values each sentence
# needs (the conflict's details, its task names, resources) and the sentence, built with the
# reader's env._ (one call per sentence: a faulty translation falls back to the English one).
# Other kinds show the optimizer's text.
FAILURE_SENTENCES = {
    "deadline": (
        ("deadline", "earliest_end", "tasks"),
        lambda _, v: _(
            "The deadline %(deadline)s cannot be met: %(tasks)s cannot end before "
            "%(earliest_end)s.",
            **v,
        ),
    ),
    "capacity": (
        ("from", "to", "resources", "available_hours", "needed_hours", "missing_hours"),
        lambda _, v: _(
            "Between %(from)s and %(to)s, %(resources)s have %(available_hours)s h of "
            "working time, but %(needed_hours)s h of work must be done then "
            "(%(missing_hours)s h short).",
            **v,
        ),
    ),
    "skill_unavailable": (
        ("task", "earliest_start", "deadline"),
        lambda _, v: _(
            "%(task)s finds nobody with the skill it needs between %(earliest_start)s and "
            "%(deadline)s.",
            **v,
        ),
    ),
    "pinned_overlap": (
        ("resources", "at", "tasks"),
        lambda _, v: _("%(resources)s is booked on several fixed tasks at %(at)s: %(tasks)s.", **v),
    ),
    "pinned_before_predecessor": (
        ("task", "start", "predecessor_end"),
        lambda _, v: _(
            "%(task)s is fixed to start %(start)s, but its predecessors cannot be done before "
            "%(predecessor_end)s.",
            **v,
        ),
    ),
    "pinned_before_date": (
        ("task", "start", "earliest"),
        lambda _, v: _(
            "%(task)s is fixed to start %(start)s, before its earliest allowed start %(earliest)s.",
            **v,
        ),
    ),
    "missed_deadline": (
        ("deadline", "task", "planned_end", "late_hours"),
        lambda _, v: _(
            "The best plan found misses the deadline %(deadline)s: %(task)s ends "
            "%(planned_end)s, %(late_hours)s h late.",
            **v,
        ),
    ),
    "pin_not_kept": (
        ("task", "pinned", "planned"),
        lambda _, v: _(
            "%(task)s is fixed to start %(pinned)s, but the best plan found starts it %(planned)s.",
            **v,
        ),
    ),
    "no_room": (
        ("task", "resources", "needed_hours", "available_hours", "earliest_start", "horizon_end"),
        lambda _, v: _(
            "%(task)s needs %(needed_hours)s h of work by %(resources)s, who share only "
            "%(available_hours)s h of working time between %(earliest_start)s and "
            "%(horizon_end)s, the end of the planning horizon.",
            **v,
        ),
    ),
}


def reader_datetime(env, value):
    """A datetime for the reader: an ISO 8601 text of the optimizer (with its UTC offset) or a
    naive UTC datetime of Odoo, in the reader's time zone and language; a text that is not a
    datetime as it came."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    tz = env.context.get("tz") or env.user.tz or "UTC"
    return format_datetime(env, value, tz=tz, dt_format="short")


def reader_task_names(env, task_ids, projects):
    """Names of the tasks ``task_ids`` that still exist, by id, as the reader may read them:
    a task the reader may not open (another customer's order) is named only as such. Under
    sudo the text goes to the chatter of ``projects``, read by whoever may read them: only
    their own tasks are named."""
    tasks = env["project.task"].browse(task_ids).exists()
    if env.su:
        readable = tasks.filtered(lambda task: task.project_id in projects)
    else:
        readable = tasks._filtered_access("read")
    names = dict.fromkeys((tasks - readable).ids, env._("a task of another project"))
    names.update((task.id, task.name) for task in readable.sudo())
    return names


class OrderPlanningRun(models.Model):
    _name = "order.planning.run"
    _description = "Planning Run"
    _inherit = ["mail.thread"]
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
                sentence = run._failure_sentence(conflict)
                if sentence:
                    # the reader's language first, then the optimizer's own (English) detail
                    lines += [f"- {sentence}", "  " + self.env._("Details: %s", conflict["text"])]
                else:
                    lines.append(f"- {conflict['text']}")
            run.failure_text = "\n".join(lines)

    def _failure_sentence(self, conflict):
        """One conflict of a failed run in the reader's language, from its kind and details
        (dates in the reader's time zone); False for a kind without a sentence of its own (the
        solver's) or when a date it needs is missing."""
        details = conflict.get("details") or {}
        task_ids = conflict.get("task_ids") or []
        by_id = reader_task_names(self.env, task_ids, self.project_ids)
        names = [by_id[task_id] for task_id in task_ids if task_id in by_id]
        values = {
            "order": conflict.get("order") or "",
            "tasks": " → ".join(names),
            "task": names[-1] if names else "",
            "resources": ", ".join(conflict.get("resources") or []),
        }
        for key, value in details.items():
            if isinstance(value, str):
                values[key] = reader_datetime(self.env, value)
            elif value is not None:
                values[key] = formatLang(self.env, value, digits=1)
        needs, sentence = FAILURE_SENTENCES.get(conflict.get("kind"), ((), None))
        if sentence is None or not all(values.get(k) for k in needs):
            return False
        return sentence(self.env._, values)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("order.planning.run") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------ apply_schedule
    @api.model
    def _check_planner_rights(self):
        if self.env.su:
            return
        if not any(self.env.user.has_group(group) for group in PLANNER_GROUPS):
            raise AccessError(
                self.env._("Only planners and the optimizer's bot user may apply a schedule.")
            )

    @api.model
    def _get_at_risk_margin(self):
        hours = self.env["ir.config_parameter"].sudo().get_param("order_project.at_risk_hours")
        try:
            return timedelta(hours=float(hours or 24.0))
        except ValueError:
            return timedelta(hours=24.0)

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
        self._write_plan_tasks(to_write)
        self._write_plan_projects(plan, tasks.project_id | projects)
        run = runs._record_applied_plan(plan, to_write, conflicts, tasks.project_id | projects)
        run._track_plan_dates(before, to_write)
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
    def _write_plan_tasks(self, to_write):
        """Write dates, figures and people of the plan in a few statements.

        Every task of a plan has its own dates, so ORM writes would cost one UPDATE per
        task (minutes for a portfolio of 25,000 tasks). The planning columns belong to this
        addon, nothing computed depends on them and their tracking is made in one batch
        (`_track_plan_dates`), so they are written with one UPDATE ... FROM (VALUES ...) per
        chunk; the cache is then invalidated and dependents notified as the ORM would. People go
        through the ORM, one write per distinct crew.
        """
        tasks = self.env["project.task"].sudo().browse([task["task_id"] for task in to_write])
        fnames = ["planned_start", "planned_end", "slack_hours", "is_critical"]
        tasks.flush_recordset(fnames)
        for start in range(0, len(to_write), WRITE_CHUNK):
            chunk = to_write[start : start + WRITE_CHUNK]
            rows = SQL(", ").join(
                SQL(
                    "(%s, %s::timestamp, %s::timestamp, %s::float8, %s::boolean)",
                    task["task_id"],
                    task["planned_start"],
                    task["planned_end"],
                    task.get("slack_hours"),
                    task.get("critical"),
                )
                for task in chunk
            )
            self.env.cr.execute(
                SQL(
                    """UPDATE project_task AS task
                          SET planned_start = plan.planned_start,
                              planned_end = plan.planned_end,
                              slack_hours = COALESCE(plan.slack_hours, task.slack_hours),
                              is_critical = COALESCE(plan.is_critical, task.is_critical),
                              write_date = %s,
                              write_uid = %s
                         FROM (VALUES %s) AS plan(id, planned_start, planned_end,
                                                 slack_hours, is_critical)
                        WHERE task.id = plan.id""",
                    self.env.cr.now(),
                    self.env.uid,
                    rows,
                )
            )
        tasks.invalidate_recordset([*fnames, "write_date", "write_uid"])
        tasks.modified(fnames)
        by_users = defaultdict(list)
        for task in to_write:
            if "user_ids" in task:
                by_users[tuple(sorted(task["user_ids"]))].append(task["task_id"])
        tasks_model = self.env["project.task"].sudo().with_context(mail_notrack=True)
        for user_ids, ids in by_users.items():
            tasks_model.browse(ids).write({"planning_user_ids": [Command.set(list(user_ids))]})

    def _track_plan_dates(self, before, to_write):
        """The planned dates the plan moved, in each task's chatter as tracked values (old and
        new date, as a tracked write shows them) under a note naming the run, notifying
        nobody: a re-plan moves hundreds of tasks, and followers read the project's note.

        The dates were written by SQL, which bypasses the ORM's tracking; the notes are made
        the same way, two INSERTs per chunk (the messages, then their tracking values): the
        ORM takes about 2 ms a message, 8 s for the 3,400 tasks of a 300-order re-plan."""
        self.ensure_one()
        fnames = ("planned_start", "planned_end")
        field_ids = [self.env["ir.model.fields"]._get("project.task", f).id for f in fnames]
        changes = {}
        for task in to_write:
            old = before.get(task["task_id"]) or ()
            new = [fields.Datetime.to_datetime(task[f]) for f in fnames]
            moved = [(f, was, now) for f, was, now in zip(field_ids, old, new) if was != now]
            if moved:
                changes[task["task_id"]] = moved
        # in the requester's language, as the run's other notes (written once, for every reader)
        body = Markup(self._as_requester().env._("Planned by %s")) % self._get_html_link(
            title=self.name
        )
        author = self.env.user.partner_id
        cr, now, uid = self.env.cr, self.env.cr.now(), self.env.uid
        task_ids = list(changes)
        for start in range(0, len(task_ids), WRITE_CHUNK):
            chunk = task_ids[start : start + WRITE_CHUNK]
            rows = SQL(", ").join(
                SQL("(%s, %s)", task_id, generate_tracking_message_id(f"{task_id}-project.task"))
                for task_id in chunk
            )
            cr.execute(
                SQL(
                    """INSERT INTO mail_message (model, res_id, message_id, message_type,
                                                 subtype_id, author_id, email_from, body, date,
                                                 create_uid, create_date, write_uid, write_date)
                       SELECT 'project.task', note.res_id, note.message_id, 'notification',
                              %s, %s, %s, %s, %s, %s, %s, %s, %s
                         FROM (VALUES %s) AS note(res_id, message_id)
                    RETURNING id, res_id""",
                    self.env.ref("mail.mt_note").id,
                    author.id,
                    author.email_formatted,
                    str(body),
                    now,
                    uid,
                    now,
                    uid,
                    now,
                    rows,
                )
            )
            values = SQL(", ").join(
                SQL(
                    "(%s, %s, %s::timestamp, %s::timestamp)", message_id, field_id, was or None, new
                )
                for message_id, task_id in cr.fetchall()
                for field_id, was, new in changes[task_id]
            )
            cr.execute(
                SQL(
                    """INSERT INTO mail_tracking_value (mail_message_id, field_id,
                                   old_value_datetime, new_value_datetime,
                                   create_uid, create_date, write_uid, write_date)
                       SELECT value.message_id, value.field_id, value.old, value.new,
                              %s, %s, %s, %s
                         FROM (VALUES %s) AS value(message_id, field_id, old, new)""",
                    uid,
                    now,
                    uid,
                    now,
                    values,
                )
            )
        self.env["project.task"].browse(task_ids).invalidate_recordset(["message_ids"])

    @api.model
    def _write_plan_projects(self, plan, projects):
        entries = {p["project_id"]: p for p in plan["projects"]}
        from_tasks = projects._order_forecast_from_tasks()
        known = self._get_existing_ids(plan["projects"])
        for project in projects.sudo():
            entry = entries.get(project.id, {})
            values = {}
            forecast = entry.get("forecast_end") or from_tasks.get(project)
            if forecast:
                values["order_forecast_end"] = forecast
            if "late" in entry:
                values.update(self._prepare_project_explanation_values(entry, known))
            if values:
                project.write(values)
        projects.sudo()._update_phase_dates()
        projects.sudo()._update_milestone_deadlines()

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
        for project in projects.with_context(**run.env.context):
            why = project.order_is_late and project.order_delay_text
            project.message_post(
                body=applied + plaintext2html(why) if why else applied,
                subtype_xmlid="order_project.mt_project_plan_applied",
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
    def _cron_dispatch_queued_runs(self, limit=20):
        """Send queued runs to the optimizer, oldest first, committing after each one."""
        runs = self.sudo().search([("state", "=", "queued")], order="id", limit=limit)
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        for run in runs:
            run._send_replan_request()
            if auto_commit:
                # the service has accepted this run: a later failure must not resend it
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(runs)

    def _send_replan_request(self):
        self.ensure_one()
        url, key = self._get_optimizer_settings()
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            response = requests.post(
                f"{url}/v1/odoo/replan",
                json=self._prepare_replan_request(self),
                headers=headers,
                timeout=REPLAN_TIMEOUT,
            )
            response.raise_for_status()
            answer = response.json() if response.content else {}
        except (requests.RequestException, ValueError) as error:
            _logger.warning("Optimizer replan request failed for run %s: %s", self.id, error)
            self.write(
                {"state": "failed", "message": self.env._("Optimizer unreachable: %s", error)}
            )
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
    def action_reoptimize_all(self):
        """Re-plan every open order's delivery project."""
        self._check_planner_rights()
        # sudo: "all open orders" means all, whoever sold them; rights were checked above
        projects = (
            self.env["project.project"]
            .sudo()
            .search([("order_sale_order_id.state", "=", "sale"), ("active", "=", True)])
        )
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
