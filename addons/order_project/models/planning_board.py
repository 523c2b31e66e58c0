"""What the planning board reads and writes.

The board (static/src/planning_board) draws the open delivery projects on a time axis, by
order or by person, and a load grid per person. It asks the server for rows first (one
summary per order or person, cheap at any portfolio size), then for the tasks of the rows
it shows (expanded orders, people in view), always within the time range on screen. Every
read runs as the user, under the record rules: a salesperson's board holds the orders the
rules give him. Times travel as epoch milliseconds (UTC).
"""

import bisect
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.project.models.project_task import CLOSED_STATES

from .project_task import task_health

MAX_RANGE_DAYS = 800
MAX_TASKS = 3000  # tasks per read of the board's rows
BOARD_TASK_FIELDS = [
    "name",
    "wbs_code",
    "project_id",
    "parent_id",
    "is_wbs_phase",
    "planned_start",
    "planned_end",
    "baseline_start",
    "baseline_end",
    "is_critical",
    "planning_pinned",
    "state",
    "write_date",
    "date_deadline",
]
UNASSIGNED = 0  # the person row of tasks nobody is planned on


def to_ms(value):
    """Epoch milliseconds of a naive UTC datetime (None stays None)."""
    if not value:
        return None
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


def from_ms(value):
    """Naive UTC datetime of epoch milliseconds."""
    return datetime.fromtimestamp(int(value) / 1000, UTC).replace(tzinfo=None)


def _hours_by_column(pieces, bounds):
    """Hours of ``pieces`` (``(start, end)`` pairs) in each column ``[bounds[i],
    bounds[i + 1])``."""
    hours = [0.0] * (len(bounds) - 1)
    for start, end in pieces:
        i = max(0, bisect.bisect_right(bounds, start) - 1)
        while start < end and i < len(hours):
            stop = min(end, bounds[i + 1])
            if stop > start:
                hours[i] += (stop - start).total_seconds() / 3600
            start = max(start, stop)
            i += 1
    return hours


def _overlaps(intervals, spans):
    """The parts of the sorted working ``intervals`` each of ``spans`` covers (a span counts
    in full in every interval it overlaps, overlapping spans count twice: an overload)."""
    starts = [a for a, _b in intervals]
    pieces = []
    for span_start, span_end in spans:
        i = max(0, bisect.bisect_right(starts, span_start) - 1)
        while i < len(intervals) and intervals[i][0] < span_end:
            lo, hi = max(intervals[i][0], span_start), min(intervals[i][1], span_end)
            if lo < hi:
                pieces.append((lo, hi))
            i += 1
    return pieces


def naive_utc(intervals):
    """``(start, end)`` pairs, naive UTC, of ``resource`` intervals (aware, any zone)."""
    return [
        (a.astimezone(UTC).replace(tzinfo=None), b.astimezone(UTC).replace(tzinfo=None))
        for a, b, _meta in intervals
    ]


def wbs_key(code):
    """``1.10`` after ``1.9``: WBS codes sort by their numbers."""
    return tuple(int(part) if part.isdigit() else 0 for part in (code or "").split("."))


class OrderPlanningBoard(models.AbstractModel):
    _name = "order.planning.board"
    _inherit = ["order.planning.mixin"]
    _description = "Planning Board"

    # ------------------------------------------------------------------ reading
    @api.model
    def get_board(self, params):
        """Rows of the board for ``params``: ``start``/``end`` (ms), ``group_by``
        (``project`` or ``person``) and ``filters`` (``order_ids``, ``partner_ids``,
        ``manager_ids``, ``team_ids``, ``health``: lists)."""
        self._check_board_reader()
        start, end = self._board_range(params)
        projects = self._board_projects(params.get("filters") or {})
        person = params.get("group_by") == "person"
        rows = (
            self._board_person_rows(projects, start, end)
            if person
            else self._board_project_rows(projects, start, end)
        )
        return {
            "range": [to_ms(start), to_ms(end)],
            "now": to_ms(fields.Datetime.now()),
            "group_by": "person" if person else "project",
            "rows": rows,
            "project_ids": projects.ids,
            "nonworking": self._board_nonworking(start, end),
            "can_plan": self._is_planner(),
        }

    @api.model
    def get_board_tasks(self, params, row_ids):
        """Tasks, links and milestones of the rows ``row_ids`` (project or user ids, ``0``
        for the unassigned row) within the range."""
        self._check_board_reader()
        start, end = self._board_range(params)
        projects = self._board_projects(params.get("filters") or {})
        in_range = [
            ("planned_start", "<", end),
            ("planned_end", ">", start),
            ("project_id", "in", projects.ids),
        ]
        if params.get("group_by") == "person":
            domain = in_range + [("is_wbs_phase", "=", False)] + self._person_domain(row_ids)
            milestone_projects = self.env["project.project"]
        else:
            domain = in_range + [("project_id", "in", [int(i) for i in row_ids])]
            milestone_projects = projects.browse([int(i) for i in row_ids]) & projects
        tasks = self.env["project.task"].search(
            domain, order="planned_start, id", limit=MAX_TASKS + 1
        )
        truncated = 0
        if len(tasks) > MAX_TASKS:
            # a row of thousands of bars says nothing: the first ones, and how many there are
            truncated = self.env["project.task"].search_count(domain)
            tasks = tasks[:MAX_TASKS]
        values = tasks._board_values()
        leaves = {}
        if params.get("group_by") == "person":
            # time off is read as superuser: only that of people on work the user reads
            seen = {uid for task in values for uid in task["users"]}
            leaves = self._board_leaves([i for i in row_ids if int(i) in seen], start, end)
        return {
            "tasks": values,
            "truncated": truncated,
            "links": self._board_links(tasks),
            "milestones": self._board_milestones(milestone_projects, start, end),
            "leaves": leaves,
        }

    @api.model
    def get_load(self, params):
        """Planned hours against working hours per person and day (or ISO week with
        ``step`` ``week``) within the range: ``columns`` (ms of each day or week start) and
        ``rows`` (``cells`` of ``[planned, capacity]``) of the people with planned work in
        the range, by name."""
        self._check_board_reader()
        start, end = self._board_range(params)
        projects = self._board_projects(params.get("filters") or {})
        tasks = self.env["project.task"].search_fetch(
            [
                ("planned_start", "<", end),
                ("planned_end", ">", start),
                ("project_id", "in", projects.ids),
                ("is_wbs_phase", "=", False),
                ("state", "not in", list(CLOSED_STATES)),
            ],
            ["planned_start", "planned_end"],
        )
        people = tasks._board_people()
        users = self.env["res.users"].browse(sorted({u for ids in people.values() for u in ids}))
        columns = self._load_columns(start, end, params.get("step") == "week", params.get("tz"))
        employees = self._board_employees(users)
        work = self._load_work_intervals(employees, start, end)
        calendar = self.env.company.resource_calendar_id
        company_work = self._intervals_of(calendar, start, end)
        by_user = defaultdict(list)
        for task in tasks:
            for user_id in people[task.id]:
                by_user[user_id].append((task.planned_start, task.planned_end))
        bounds = [*columns, end]
        rows = []
        for user in users.sorted("name"):
            employee = employees.get(user.id)
            intervals = work.get(employee.id) if employee else company_work
            capacity = _hours_by_column(intervals, bounds)
            planned = _hours_by_column(_overlaps(intervals, by_user[user.id]), bounds)
            cells = [[round(p, 2), round(c, 2)] for p, c in zip(planned, capacity, strict=True)]
            rows.append({"id": user.id, "name": user.name, "cells": cells})
        return {
            "range": [to_ms(start), to_ms(end)],
            "columns": [to_ms(column) for column in columns],
            "rows": rows,
            "project_ids": projects.ids,
        }

    # ------------------------------------------------------------------ planning
    @api.model
    def reoptimize(self, project_ids):
        """Queue one re-plan of the projects on the board (its filters'); returns the run's
        id."""
        # searched, not browsed: the ids come from the client, the user's rules decide
        projects = self.env["project.project"].search([("id", "in", project_ids)])
        runs = self.env["order.planning.run"]
        # an unfiltered board shows every open order: its run says "all", as the menu's
        everything = self.env["project.project"].sudo().search(runs._open_projects_domain())
        if projects and projects == everything:
            scope = "all"
        else:
            scope = "projects" if len(projects) > 1 else "project"
        return runs._queue_replan(projects, scope=scope).id

    # ------------------------------------------------------------------ helpers
    @api.model
    def _check_board_reader(self):
        if not self.env.user._is_internal():
            raise AccessError(self.env._("The planning board is for internal users."))

    @api.model
    def _is_planner(self):
        try:
            self._check_planner_rights()
        except AccessError:
            return False
        return True

    @api.model
    def _board_range(self, params):
        try:
            start, end = from_ms(params["start"]), from_ms(params["end"])
        except (KeyError, TypeError, ValueError):
            raise UserError(
                self.env._("The planning board needs a start and an end (epoch milliseconds).")
            ) from None
        if end <= start or end - start > timedelta(days=MAX_RANGE_DAYS):
            raise UserError(
                self.env._(
                    "The planning board shows between one moment and %(days)s days.",
                    days=MAX_RANGE_DAYS,
                )
            )
        return start, end

    @api.model
    def _board_projects(self, filters):
        """The open delivery projects the user may read, filtered as on the board.

        Which projects are open, and which match the order, customer, team filters, is
        asked as superuser: a project manager who sells too ("own documents only") reads
        every delivery project but not every order, and the orders' rules must not hide
        their projects. What the user may read is then the projects' own rules."""
        domain = self.env["order.planning.run"]._open_projects_domain() + [
            ("order_sale_order_id", "!=", False)
        ]
        if filters.get("order_ids"):
            domain.append(("order_sale_order_id", "in", filters["order_ids"]))
        if filters.get("partner_ids"):
            domain.append(("partner_id", "child_of", filters["partner_ids"]))
        if filters.get("manager_ids"):
            domain.append(("user_id", "in", filters["manager_ids"]))
        if filters.get("team_ids"):
            domain.append(("order_sale_order_id.team_id", "in", filters["team_ids"]))
        if filters.get("health"):
            domain.append(("order_health", "in", filters["health"]))
        matching = self.env["project.project"].sudo()._search(domain)
        return self.env["project.project"].search([("id", "in", matching)])

    @api.model
    def _board_project_rows(self, projects, start, end):
        spans = {
            project.id: (first, last, base_first, base_last)
            for project, first, last, base_first, base_last in self.env["project.task"]._read_group(
                [
                    ("project_id", "in", projects.ids),
                    ("planned_end", "!=", False),
                    ("is_wbs_phase", "=", False),
                ],
                ["project_id"],
                ["planned_start:min", "planned_end:max", "baseline_start:min", "baseline_end:max"],
            )
        }
        rows = []
        for project in projects:
            first, last, base_first, base_last = spans.get(project.id, (None,) * 4)
            if not first or first >= end or last <= start:
                continue
            rows.append(
                {
                    "id": project.id,
                    "name": project.name,
                    "code": project.order_code or "",
                    "subtitle": project.partner_id.display_name or "",
                    "health": project.order_health or False,
                    "start": to_ms(first),
                    "end": to_ms(last),
                    "baseline": [to_ms(base_first), to_ms(base_last)] if base_last else None,
                    "commitment": to_ms(project.order_commitment_date),
                    "forecast": to_ms(project.order_forecast_end or last),
                }
            )
        rows.sort(key=lambda row: (row["start"], row["code"], row["id"]))
        return rows

    @api.model
    def _board_person_rows(self, projects, start, end):
        task_domain = [
            ("project_id", "in", projects.ids),
            ("planned_start", "<", end),
            ("planned_end", ">", start),
            ("is_wbs_phase", "=", False),
        ]
        task_model = self.env["project.task"]
        planned = task_model._read_group(task_domain, ["planning_user_ids"])
        assigned = task_model._read_group(
            task_domain + [("planning_user_ids", "=", False)], ["user_ids"]
        )
        users = self.env["res.users"].union(*(user for (user,) in planned + assigned))
        rows = [{"id": user.id, "name": user.name} for user in users.sorted("name")]
        nobody = [("planning_user_ids", "=", False), ("user_ids", "=", False)]
        if task_model.search_count(task_domain + nobody, limit=1):
            rows.append({"id": UNASSIGNED, "name": self.env._("Nobody planned")})
        return rows

    @api.model
    def _person_domain(self, row_ids):
        user_ids = [int(i) for i in row_ids if int(i)]
        domain = [
            "|",
            ("planning_user_ids", "in", user_ids),
            "&",
            ("planning_user_ids", "=", False),
            ("user_ids", "in", user_ids),
        ]
        if UNASSIGNED in [int(i) for i in row_ids]:
            unassigned = [("planning_user_ids", "=", False), ("user_ids", "=", False)]
            domain = ["|", *domain, "&", *unassigned] if user_ids else unassigned
        return domain

    @api.model
    def _board_links(self, tasks):
        """Dependencies among ``tasks``: ``[pred, succ, type, lag hours]``. Read from Odoo's
        dependency table at once, between tasks the user has already read."""
        if not tasks:
            return []
        self.env["project.task"].flush_model(["depend_on_ids"])
        pairs = self.env.execute_query(
            SQL(
                "SELECT depends_on_id, task_id FROM task_dependencies_rel"
                " WHERE task_id = ANY(%s) AND depends_on_id = ANY(%s)",
                tasks.ids,
                tasks.ids,
            )
        )
        lags = {
            (lag["depend_on_id"], lag["task_id"]): lag
            for lag in self.env["order.task.lag"].search_read(
                [("task_id", "in", tasks.ids)],
                ["depend_on_id", "task_id", "dependency_type", "lag_hours"],
                load=None,
            )
        }
        links = []
        for pred, succ in sorted(pairs):
            lag = lags.get((pred, succ))
            links.append(
                [
                    pred,
                    succ,
                    lag["dependency_type"] if lag else "FS",
                    lag["lag_hours"] if lag else 0.0,
                ]
            )
        return links

    @api.model
    def _board_milestones(self, projects, start, end):
        if not projects:
            return []
        milestones = self.env["project.milestone"].search(
            [
                ("project_id", "in", projects.ids),
                ("deadline", ">=", start.date()),
                ("deadline", "<=", end.date()),
            ]
        )
        return [
            {
                "id": milestone.id,
                "project_id": milestone.project_id.id,
                "name": milestone.name,
                "date": to_ms(datetime.combine(milestone.deadline, datetime.min.time())),
                "reached": milestone.is_reached,
            }
            for milestone in milestones
        ]

    @api.model
    def _board_employees(self, users):
        """``{user id: employee}`` in the current company."""
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "in", users.ids), ("company_id", "=", self.env.company.id)])
        )
        return {employee.user_id.id: employee for employee in employees}

    @api.model
    def _board_leaves(self, row_ids, start, end):
        """Time off of the people in ``row_ids``: ``{user id: [[from, to]]}``."""
        users = self.env["res.users"].browse([int(i) for i in row_ids if int(i)])
        employees = self._board_employees(users)
        by_resource = {employee.resource_id.id: uid for uid, employee in employees.items()}
        # the people's leaves are read as superuser: the board shows when, not why
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("resource_id", "in", list(by_resource)),
                    ("date_from", "<", end),
                    ("date_to", ">", start),
                ]
            )
        )
        result = defaultdict(list)
        for leave in leaves:
            result[by_resource[leave.resource_id.id]].append(
                [to_ms(leave.date_from), to_ms(leave.date_to)]
            )
        return dict(result)

    @api.model
    def _intervals_of(self, calendar, start, end):
        """Working intervals (naive UTC) of ``calendar`` in the range."""
        if not calendar:
            return [(start, end)]
        return naive_utc(
            calendar._work_intervals_batch(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))[
                False
            ]
        )

    @api.model
    def _board_nonworking(self, start, end):
        """The company calendar's non-working time in the range, for shading."""
        calendar = self.env.company.resource_calendar_id.sudo()
        gaps, cursor = [], start
        for a, b in self._intervals_of(calendar, start, end):
            if a > cursor:
                gaps.append([to_ms(cursor), to_ms(a)])
            cursor = max(cursor, b)
        if cursor < end:
            gaps.append([to_ms(cursor), to_ms(end)])
        return gaps

    @api.model
    def _load_columns(self, start, end, weekly, tz=None):
        """Starts (naive UTC) of the days, or ISO weeks, of the range in the reader's time
        zone (``tz``, else the user's)."""
        zone = pytz.timezone(tz if tz in pytz.all_timezones_set else self.env.user.tz or "UTC")
        local = pytz.utc.localize(start).astimezone(zone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        if weekly:
            day -= timedelta(days=day.weekday())
        columns = []
        while True:
            moment = zone.localize(day).astimezone(pytz.utc).replace(tzinfo=None)
            if moment >= end:
                return columns
            columns.append(max(moment, start))
            day += timedelta(days=7 if weekly else 1)

    @api.model
    def _load_work_intervals(self, employees, start, end):
        """``{employee id: working intervals}`` on each one's calendar, leaves removed."""
        result = {}
        by_calendar = defaultdict(lambda: self.env["hr.employee"])
        for employee in employees.values():
            by_calendar[employee.resource_calendar_id] |= employee
        for calendar, staff in by_calendar.items():
            if not calendar:
                for employee in staff:
                    result[employee.id] = []
                continue
            resources = staff.resource_id
            batch = calendar.sudo()._work_intervals_batch(
                start.replace(tzinfo=UTC), end.replace(tzinfo=UTC), resources=resources
            )
            for employee in staff:
                result[employee.id] = naive_utc(batch[employee.resource_id.id])
        return result


class ProjectProject(models.Model):
    _inherit = "project.project"

    def action_view_planning_board(self):
        """The planning board on this project's order, expanded."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("order_project.action_planning_board")
        action["context"] = {
            "board_filters": {"order_ids": self.order_sale_order_id.ids},
            "board_expanded": self.ids,
        }
        action["name"] = self.env._("%(project)s: Planning Board", project=self.display_name)
        return action


class ProjectTask(models.Model):
    _inherit = "project.task"

    def _board_people(self):
        """``{task id: user ids}``: the people the optimizer planned, else the assignees.
        Read from the two relation tables at once for tasks the user has already read
        (through the ORM, each task's people cost a rule check of their own)."""
        people = {task_id: [] for task_id in self.ids}
        if not self:
            return people
        self.flush_model(["planning_user_ids", "user_ids"])
        for table in ("order_project_task_planning_user_rel", "project_task_user_rel"):
            query = SQL(
                "SELECT task_id, user_id FROM %s WHERE task_id = ANY(%s) ORDER BY task_id, user_id",
                SQL.identifier(table),
                self.ids,
            )
            found = defaultdict(list)
            for task_id, user_id in self.env.execute_query(query):
                found[task_id].append(user_id)
            for task_id, user_ids in found.items():
                people[task_id] = people[task_id] or user_ids
        return people

    def _board_values(self):
        """The board's view of these tasks, read in one go (a thousand tasks are read as fast
        as one)."""
        rows = self.read(BOARD_TASK_FIELDS, load=None)
        people = self._board_people()
        user_ids = sorted({uid for ids in people.values() for uid in ids})
        names = {
            user["id"]: user["name"]
            for user in self.env["res.users"].browse(user_ids).read(["name"])
        }
        project_ids = sorted({row["project_id"] for row in rows if row["project_id"]})
        committed = {
            project["id"]: project["order_commitment_date"]
            for project in self.env["project.project"]
            .browse(project_ids)
            .read(["order_commitment_date"])
        }
        margin = self._get_at_risk_margin()
        return [
            {
                "id": row["id"],
                "name": row["name"],
                "wbs": row["wbs_code"] or "",
                "wbs_key": list(wbs_key(row["wbs_code"])),
                "project_id": row["project_id"] or False,
                "parent_id": row["parent_id"] or False,
                "phase": row["is_wbs_phase"],
                "start": to_ms(row["planned_start"]),
                "end": to_ms(row["planned_end"]),
                "baseline": [to_ms(row["baseline_start"]), to_ms(row["baseline_end"])]
                if row["baseline_end"]
                else None,
                "critical": row["is_critical"],
                "pinned": row["planning_pinned"],
                "health": task_health(
                    row["planned_end"],
                    row["date_deadline"] or committed.get(row["project_id"]),
                    row["state"],
                    margin,
                ),
                "done": row["state"] in CLOSED_STATES,
                "users": people[row["id"]],
                "user_names": [names[uid] for uid in people[row["id"]]],
                "write_date": fields.Datetime.to_string(row["write_date"]),
            }
            for row in rows
        ]

    def board_move(self, start, end, write_date, pinned=True):
        """Move this task on the board to ``[start, end)`` (ms) and pin it (or, to undo a
        move, give it back its former dates and pin). Refused unless the user plans;
        a task changed since the board read it (``write_date``) is not overwritten: the
        board reloads it. Returns the task, the former values and the warnings."""
        self.ensure_one()
        self._check_planner_rights()
        if self.is_wbs_phase:
            raise UserError(
                self.env._(
                    "%(task)s is a phase: its dates span its tasks. Move its tasks instead.",
                    task=self.display_name,
                )
            )
        if self.state in CLOSED_STATES:
            raise UserError(
                self.env._("%(task)s is closed: its dates are history.", task=self.display_name)
            )
        if stale := self._board_stale(write_date):
            return stale
        new_start, new_end = from_ms(start), from_ms(end)
        if new_end <= new_start:
            raise ValidationError(
                self.env._("%(task)s cannot end before it starts.", task=self.display_name)
            )
        before = {
            "start": to_ms(self.planned_start),
            "end": to_ms(self.planned_end),
            "pinned": self.planning_pinned,
        }
        self.write(
            {"planned_start": new_start, "planned_end": new_end, "planning_pinned": bool(pinned)}
        )
        self.project_id._update_phase_dates(note=self.env._("Moved on the planning board."))
        return {
            "status": "moved",
            "task": self._board_values()[0],
            "before": before,
            "warnings": self._board_warnings(),
        }

    def board_set_pinned(self, pinned, write_date):
        """Pin or unpin from the board, with the same stale check as a move."""
        self.ensure_one()
        self._check_planner_rights()
        if stale := self._board_stale(write_date):
            return stale
        self.planning_pinned = bool(pinned)
        return {"status": "moved", "task": self._board_values()[0], "warnings": []}

    def _board_stale(self, write_date):
        """The answer to a board write on a task changed since the board read it
        (``write_date``): the task as it is now, and why nothing was written; else None."""
        if write_date == fields.Datetime.to_string(self.write_date):
            return None
        return {
            "status": "stale",
            "message": self.env._(
                "%(task)s was changed meanwhile (a plan was applied or someone edited it): "
                "it was reloaded, nothing was moved.",
                task=self.display_name,
            ),
            "task": self._board_values()[0],
        }

    def _board_warnings(self):
        """What the task's dates break: its dependencies, the working time of its
        calendar, its people's time off. Worded for the planner."""
        self.ensure_one()
        warnings = []
        start, end = self.planned_start, self.planned_end
        calendar = self._get_stretch_calendar().sudo()
        lag_of = {
            (lag.depend_on_id.id, lag.task_id.id): lag
            for lag in self.env["order.task.lag"].search(
                ["|", ("task_id", "=", self.id), ("depend_on_id", "=", self.id)]
            )
        }

        def release(pred, succ):
            lag = lag_of.get((pred.id, succ.id))
            anchor = pred.planned_start if lag and lag.dependency_type == "SS" else pred.planned_end
            hours = lag.lag_hours if lag else 0.0
            if hours and calendar:
                return calendar.plan_hours(hours, anchor, compute_leaves=True) or anchor
            return anchor

        for pred in self.depend_on_ids.filtered("planned_end"):
            if start < release(pred, self):
                warnings.append(
                    self.env._(
                        "Starts before %(task)s allows (dependency broken).",
                        task=pred.display_name,
                    )
                )
        for succ in self.dependent_ids.filtered("planned_start"):
            if succ.planned_start < release(self, succ):
                warnings.append(
                    self.env._(
                        "%(task)s now starts too early for it (dependency broken).",
                        task=succ.display_name,
                    )
                )
        if calendar:
            around = self.env["order.planning.board"]._intervals_of(
                calendar, start - timedelta(days=1), end + timedelta(days=1)
            )
            if not any(a <= start < b for a, b in around):
                warnings.append(self.env._("Starts in non-working time."))
            if not any(a < end <= b for a, b in around):
                warnings.append(self.env._("Ends in non-working time."))
        board = self.env["order.planning.board"]
        people = self.planning_user_ids or self.user_ids
        leaves = board._board_leaves(people.ids, start, end)
        for user in people:
            if leaves.get(user.id):
                warnings.append(
                    self.env._("%(person)s is on leave in this time.", person=user.name)
                )
        return warnings
