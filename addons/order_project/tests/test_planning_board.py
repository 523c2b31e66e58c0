from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models import planning_board
from ..models.planning_board import from_ms, to_ms
from .common import OrderProjectCommon

MONDAY = datetime(2031, 3, 3)  # a Monday, far from any leave of the test database


@tagged("post_install", "-at_install")
class TestPlanningBoard(OrderProjectCommon):
    """What the planning board reads and writes: rows, tasks of rows, load, moves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.resource_calendar_id = cls.calendar
        cls.order_a = cls._create_order(commitment_date=MONDAY + timedelta(days=60))
        cls.order_b = cls._create_order(
            user=cls.other_salesman,
            partner=cls.other_customer,
            commitment_date=MONDAY + timedelta(days=8),
        )
        (cls.order_a | cls.order_b).action_confirm()
        cls.project_a = cls.order_a.delivery_project_ids
        cls.project_b = cls.order_b.delivery_project_ids
        # confirmation dates the orders today: plan them from fixed Mondays instead
        cls.project_a.sudo()._order_project_forward_schedule(MONDAY + timedelta(hours=8))
        cls.project_b.sudo()._order_project_forward_schedule(MONDAY + timedelta(days=7, hours=8))
        cls.leaves_a = cls.project_a.task_ids.filtered(lambda t: not t.is_wbs_phase)
        cls.portal_user = new_test_user(
            cls.env, login="op_board_portal", groups="base.group_portal"
        )
        cls.welder = new_test_user(cls.env, login="op_board_welder", groups="base.group_user")
        cls.welder_employee = cls.env["hr.employee"].create(
            {"name": "Welder", "user_id": cls.welder.id, "resource_calendar_id": cls.calendar.id}
        )

    def _params(self, start=MONDAY - timedelta(days=1), end=MONDAY + timedelta(days=120), **values):
        return {"start": to_ms(start), "end": to_ms(end), **values}

    def _board(self, user, **values):
        return self.env["order.planning.board"].with_user(user).get_board(self._params(**values))

    # ------------------------------------------------------------------ rows
    def test_rows_by_order_span_their_tasks_in_order_of_start(self):
        board = self._board(self.planner)
        self.assertEqual(
            [row["id"] for row in board["rows"]], [self.project_a.id, self.project_b.id]
        )
        row = board["rows"][0]
        self.assertEqual(row["start"], to_ms(min(self.leaves_a.mapped("planned_start"))))
        self.assertEqual(row["end"], to_ms(max(self.leaves_a.mapped("planned_end"))))
        self.assertEqual(row["commitment"], to_ms(self.order_a.commitment_date))
        self.assertEqual(row["subtitle"], self.customer.display_name)
        self.assertEqual(
            board["rows"][1]["health"], "late", "Order B is promised for the next day."
        )
        self.assertTrue(board["can_plan"])
        self.assertEqual(set(board["project_ids"]), {self.project_a.id, self.project_b.id})

    def test_rows_are_those_of_the_range(self):
        before = self._board(
            self.planner, start=MONDAY - timedelta(days=30), end=MONDAY - timedelta(days=2)
        )
        self.assertEqual(before["rows"], [], "Nothing is planned before the first order.")
        first_week = self._board(self.planner, start=MONDAY, end=MONDAY + timedelta(days=5))
        self.assertEqual([row["id"] for row in first_week["rows"]], [self.project_a.id])

    def test_nonworking_time_is_the_company_calendars_complement(self):
        board = self._board(self.planner, start=MONDAY, end=MONDAY + timedelta(days=7))
        gaps = [(from_ms(a), from_ms(b)) for a, b in board["nonworking"]]
        self.assertEqual(gaps[0], (MONDAY, MONDAY + timedelta(hours=8)))
        self.assertIn((MONDAY + timedelta(hours=12), MONDAY + timedelta(hours=13)), gaps, "Lunch")
        self.assertIn(
            (MONDAY + timedelta(days=4, hours=17), MONDAY + timedelta(days=7)), gaps, "Weekend"
        )

    def test_filters_by_customer_order_manager_team_and_health(self):
        def ids(**filters):
            return [row["id"] for row in self._board(self.planner, filters=filters)["rows"]]

        self.assertEqual(ids(partner_ids=self.other_customer.ids), self.project_b.ids)
        self.assertEqual(ids(order_ids=self.order_a.ids), self.project_a.ids)
        self.assertEqual(ids(health=["late"]), self.project_b.ids)
        self.assertEqual(
            ids(manager_ids=self.project_manager.ids), [self.project_a.id, self.project_b.id]
        )
        self.assertEqual(ids(manager_ids=self.planner.ids), [])
        team = self.env["crm.team"].create({"name": "Export"})
        self.order_b.team_id = team
        self.assertEqual(ids(team_ids=team.ids), self.project_b.ids)

    def test_tasks_of_a_row_with_links_lags_and_milestones(self):
        link = self.leaves_a.filtered("depend_on_ids")[:1]
        pred = link.depend_on_ids[:1]
        self.env["order.task.lag"].search([("task_id", "=", link.id)]).unlink()
        self.env["order.task.lag"].create(
            {"task_id": link.id, "depend_on_id": pred.id, "lag_hours": 4, "dependency_type": "SS"}
        )
        self.project_a.milestone_ids[:1].deadline = (MONDAY + timedelta(days=3)).date()
        self.project_a.milestone_ids[1:].deadline = (MONDAY + timedelta(days=400)).date()
        result = (
            self.env["order.planning.board"]
            .with_user(self.planner)
            .get_board_tasks(self._params(group_by="project"), [self.project_a.id])
        )
        self.assertEqual(
            {task["id"] for task in result["tasks"]},
            set(self.project_a.task_ids.filtered("planned_start").ids),
            "Phases and tasks of the order, no other order's.",
        )
        self.assertIn([pred.id, link.id, "SS", 4.0], result["links"])
        expected = sum(
            len(task.depend_on_ids & self.project_a.task_ids) for task in self.project_a.task_ids
        )
        self.assertEqual(len(result["links"]), expected)
        self.assertEqual(
            [m["id"] for m in result["milestones"]],
            self.project_a.milestone_ids[:1].ids,
            "Planners see the milestones of every delivery project, in the range only.",
        )
        salesman_view = (
            self.env["order.planning.board"]
            .with_user(self.salesman)
            .get_board_tasks(self._params(group_by="project"), [self.project_a.id])
        )
        self.assertEqual(len(salesman_view["milestones"]), 1, "His own order's milestone.")
        task = next(t for t in result["tasks"] if t["id"] == link.id)
        self.assertEqual(task["write_date"], fields.Datetime.to_string(link.write_date))

    def test_rows_by_person_and_their_tasks(self):
        first, second = self.leaves_a[:2]
        first.planning_user_ids = self.welder
        second.user_ids = self.welder  # assigned by hand, not planned: the assignee counts
        board = self._board(self.planner, group_by="person")
        names = [row["name"] for row in board["rows"]]
        self.assertIn(self.welder.name, names)
        self.assertEqual(board["rows"][-1]["id"], 0, "Tasks nobody is planned on come last.")
        result = (
            self.env["order.planning.board"]
            .with_user(self.planner)
            .get_board_tasks(self._params(group_by="person"), [self.welder.id])
        )
        self.assertEqual({t["id"] for t in result["tasks"]}, {first.id, second.id})
        self.assertEqual(
            result["links"],
            [[first.id, second.id, "FS", 0.0]] if first in second.depend_on_ids else [],
            "The links among the tasks read, whatever the rows.",
        )

    # ------------------------------------------------------------------ access
    def test_salespeople_see_their_own_orders_and_cannot_plan(self):
        own = self._board(self.salesman)
        self.assertEqual([row["id"] for row in own["rows"]], self.project_a.ids)
        self.assertFalse(own["can_plan"])
        other = self._board(self.other_salesman)
        self.assertEqual([row["id"] for row in other["rows"]], self.project_b.ids)
        tasks = (
            self.env["order.planning.board"]
            .with_user(self.salesman)
            .get_board_tasks(self._params(), [self.project_b.id])
        )
        self.assertEqual(tasks["tasks"], [], "Another salesperson's order gives nothing.")

    def test_a_project_manager_who_sells_sees_every_order_on_the_board(self):
        """Odoo's project administrator reads every project; selling with "own documents
        only" must not hide the projects of the orders he did not sell."""
        manager = new_test_user(
            self.env,
            login="op_board_pm",
            groups="project.group_project_manager,order_project.group_order_user",
        )
        rows = self._board(manager)["rows"]
        self.assertEqual({row["id"] for row in rows}, {self.project_a.id, self.project_b.id})
        tasks = (
            self.env["order.planning.board"]
            .with_user(manager)
            .get_board_tasks(self._params(), [self.project_b.id])
        )
        self.assertTrue(tasks["tasks"])
        self.assertFalse(self._board(manager)["can_plan"], "He reads; planners plan.")

    def test_time_off_only_of_people_on_work_the_user_reads(self):
        """Leaves are read as superuser for the board: a salesperson asking for the row of
        somebody who works only on another salesperson's order learns nothing of it."""
        task_b = self.project_b.task_ids.filtered(lambda t: not t.is_wbs_phase)[:1]
        task_b.planning_user_ids = self.welder
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Surgery",
                "resource_id": self.welder_employee.resource_id.id,
                "calendar_id": self.calendar.id,
                "date_from": task_b.planned_start,
                "date_to": task_b.planned_start + timedelta(days=2),
            }
        )
        params = self._params(group_by="person")
        board = self.env["order.planning.board"]
        mine = board.with_user(self.salesman).get_board_tasks(params, [self.welder.id])
        self.assertEqual((mine["tasks"], mine["leaves"]), ([], {}))
        theirs = board.with_user(self.other_salesman).get_board_tasks(params, [self.welder.id])
        self.assertEqual([t["id"] for t in theirs["tasks"]], task_b.ids)
        self.assertEqual(len(theirs["leaves"][self.welder.id]), 1)

    def test_portal_users_get_nothing(self):
        board = self.env["order.planning.board"].with_user(self.portal_user)
        for call in (
            lambda: board.get_board(self._params()),
            lambda: board.get_board_tasks(self._params(), [self.project_a.id]),
            lambda: board.get_load(self._params()),
        ):
            with self.assertRaises(AccessError):
                call()

    def test_a_drag_by_a_non_planner_is_refused_and_nothing_moves(self):
        task = self.leaves_a[0]
        start, end = task.planned_start, task.planned_end
        for user in (self.salesman, self.engineer):
            with self.assertRaises(AccessError):
                task.with_user(user).board_move(
                    to_ms(start + timedelta(days=1)),
                    to_ms(end + timedelta(days=1)),
                    fields.Datetime.to_string(task.write_date),
                )
        self.assertEqual(
            (task.planned_start, task.planned_end, task.planning_pinned), (start, end, False)
        )

    def test_bad_range_is_refused(self):
        board = self.env["order.planning.board"].with_user(self.planner)
        with self.assertRaisesRegex(UserError, "start and an end"):
            board.get_board({"end": 1})
        with self.assertRaisesRegex(UserError, "between one moment"):
            board.get_board(self._params(start=MONDAY, end=MONDAY - timedelta(days=1)))

    # ------------------------------------------------------------------ moves
    def _move(self, task, start, end, **kwargs):
        write_date = kwargs.pop("write_date", fields.Datetime.to_string(task.write_date))
        return task.with_user(self.planner).board_move(
            to_ms(start), to_ms(end), write_date, **kwargs
        )

    def test_move_pins_updates_the_phase_and_undo_gives_everything_back(self):
        task = (
            self.leaves_a.filtered(lambda t: not t.depend_on_ids and not t.dependent_ids)[:1]
            or self.leaves_a[0]
        )
        start, end = task.planned_start, task.planned_end
        target = MONDAY + timedelta(days=21, hours=9)  # a Monday, in working hours
        result = self._move(task, target, target + (end - start))
        self.assertEqual(result["status"], "moved")
        self.assertEqual((task.planned_start, task.planning_pinned), (target, True))
        self.assertEqual(
            result["before"], {"start": to_ms(start), "end": to_ms(end), "pinned": False}
        )
        phase = task.parent_id
        self.assertGreaterEqual(phase.planned_end, task.planned_end, "The phase spans its tasks.")
        undo = self._move(
            task,
            start,
            end,
            pinned=result["before"]["pinned"],
            write_date=result["task"]["write_date"],
        )
        self.assertEqual(undo["status"], "moved")
        self.assertEqual(
            (task.planned_start, task.planned_end, task.planning_pinned), (start, end, False)
        )

    def test_move_warns_of_a_broken_dependency_nonworking_time_and_leave(self):
        succ = self.leaves_a.filtered("depend_on_ids")[:1]
        pred = succ.depend_on_ids[:1]
        saturday = pred.planned_start - timedelta(days=pred.planned_start.weekday() + 2)
        saturday = saturday.replace(hour=10, minute=0, second=0)
        succ.planning_user_ids = self.welder
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Dentist",
                "resource_id": self.welder_employee.resource_id.id,
                "calendar_id": self.calendar.id,
                "date_from": saturday - timedelta(days=1),
                "date_to": saturday + timedelta(days=1),
            }
        )
        result = self._move(succ, saturday, saturday + timedelta(hours=3))
        warnings = "\n".join(result["warnings"])
        self.assertIn(pred.display_name, warnings)
        self.assertIn("dependency broken", warnings)
        self.assertIn("Starts in non-working time", warnings)
        self.assertIn(f"{self.welder.name} is on leave", warnings)

    def test_a_stale_drag_reloads_the_task_and_moves_nothing(self):
        task = self.leaves_a[0]
        seen = fields.Datetime.to_string(task.write_date - timedelta(seconds=5))
        start = task.planned_start
        result = self._move(
            task, start + timedelta(days=2), task.planned_end + timedelta(days=2), write_date=seen
        )
        self.assertEqual(result["status"], "stale")
        self.assertIn(task.display_name, result["message"])
        self.assertEqual(result["task"]["start"], to_ms(start))
        self.assertEqual((task.planned_start, task.planning_pinned), (start, False))

    def test_phases_closed_tasks_and_reversed_dates_are_refused(self):
        phase = self.project_a.task_ids.filtered("is_wbs_phase")[:1]
        with self.assertRaisesRegex(UserError, "is a phase"):
            self._move(phase, MONDAY, MONDAY + timedelta(hours=2))
        task = self.leaves_a[0]
        with self.assertRaisesRegex(ValidationError, "cannot end before it starts"):
            self._move(task, MONDAY + timedelta(hours=10), MONDAY + timedelta(hours=9))
        task.state = "1_done"
        with self.assertRaisesRegex(UserError, "is closed"):
            self._move(task, MONDAY, MONDAY + timedelta(hours=2))

    def test_unpin_in_one_click(self):
        task = self.leaves_a[0]
        task.planning_pinned = True
        result = task.with_user(self.planner).board_set_pinned(
            False, fields.Datetime.to_string(task.write_date)
        )
        self.assertEqual(result["status"], "moved")
        self.assertFalse(task.planning_pinned)
        with self.assertRaises(AccessError):
            task.with_user(self.salesman).board_set_pinned(True, result["task"]["write_date"])

    # ------------------------------------------------------------------ load
    def test_load_counts_planned_hours_against_the_persons_working_hours(self):
        first, second = self.leaves_a[:2]
        day = MONDAY + timedelta(days=28)  # a Monday
        first.write(
            {
                "planned_start": day + timedelta(hours=8),
                "planned_end": day + timedelta(hours=17),
                "planning_user_ids": [Command.set(self.welder.ids)],
            }
        )
        second.write(
            {
                "planned_start": day + timedelta(hours=13),
                "planned_end": day + timedelta(days=1, hours=12),
                "planning_user_ids": [Command.set(self.welder.ids)],
            }
        )
        load = (
            self.env["order.planning.board"]
            .with_user(self.planner)
            .get_load(self._params(start=day, end=day + timedelta(days=3)))
        )
        self.assertEqual(len(load["columns"]), 3)
        row = next(r for r in load["rows"] if r["id"] == self.welder.id)
        self.assertEqual(row["cells"][0], [12.0, 8.0], "8 h + 4 h on an 8 h Monday: overloaded.")
        self.assertEqual(row["cells"][1], [4.0, 8.0])
        self.assertEqual(row["cells"][2], [0.0, 8.0])
        weekly = (
            self.env["order.planning.board"]
            .with_user(self.planner)
            .get_load(self._params(start=day, end=day + timedelta(days=14), step="week"))
        )
        row = next(r for r in weekly["rows"] if r["id"] == self.welder.id)
        self.assertEqual(row["cells"], [[16.0, 40.0], [0.0, 40.0]])
        shanghai = (
            self.env["order.planning.board"]
            .with_user(self.planner)
            .get_load(self._params(start=day, end=day + timedelta(days=2), tz="Asia/Shanghai"))
        )
        self.assertEqual(
            [from_ms(ms) for ms in shanghai["columns"]],
            [day, day + timedelta(hours=16), day + timedelta(hours=40)],
            "Days of the reader's clock: Shanghai's Tuesday begins at 16:00 UTC on Monday.",
        )

    def test_reoptimize_from_the_board_queues_one_run_for_what_is_shown(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("order_project.optimizer_url", "http://optimizer.test:8090/")
        params.set_param("order_project.optimizer_key", "s3cret")
        board = self.env["order.planning.board"]
        run_id = board.with_user(self.planner).reoptimize([self.project_a.id, self.project_b.id])
        run = self.env["order.planning.run"].browse(run_id)
        self.assertEqual((run.state, run.scope), ("queued", "all"), "The whole open portfolio.")
        self.assertEqual(run.project_ids, self.project_a | self.project_b)
        one = self.env["order.planning.run"].browse(
            board.with_user(self.planner).reoptimize(self.project_b.ids)
        )
        self.assertEqual((one.scope, one.project_ids), ("project", self.project_b))
        with self.assertRaises(AccessError):
            board.with_user(self.salesman).reoptimize(self.project_a.ids)

    def test_the_projects_board_button_opens_the_board_on_its_order(self):
        action = self.project_a.with_user(self.salesman).action_view_planning_board()
        self.assertEqual(action["tag"], "order_project.planning_board")
        self.assertEqual(action["context"]["board_filters"], {"order_ids": self.order_a.ids})
        self.assertEqual(action["context"]["board_expanded"], self.project_a.ids)
        board = self.env["order.planning.board"].with_user(self.salesman)
        rows = board.get_board(self._params(filters=action["context"]["board_filters"]))["rows"]
        self.assertEqual([row["id"] for row in rows], self.project_a.ids)

    def test_a_row_of_thousands_of_tasks_gives_the_earliest_and_their_count(self):
        self.patch(planning_board, "MAX_TASKS", 3)
        result = (
            self.env["order.planning.board"]
            .with_user(self.planner)
            .get_board_tasks(self._params(group_by="person"), [0])
        )
        nobody = self.env["project.task"].search(
            [
                ("project_id", "in", (self.project_a | self.project_b).ids),
                ("is_wbs_phase", "=", False),
                ("planning_user_ids", "=", False),
                ("user_ids", "=", False),
                ("planned_start", "!=", False),
            ],
            order="planned_start, id",
        )
        self.assertGreater(len(nobody), 3)
        self.assertEqual([t["id"] for t in result["tasks"]], nobody[:3].ids)
        self.assertEqual(result["truncated"], len(nobody))
