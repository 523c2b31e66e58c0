from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OrderProjectCommon


@tagged("post_install", "-at_install")
class TestWbsTemplate(OrderProjectCommon):
    def test_ready_templates_have_phases_codes_and_milestones(self):
        for template, phases in (
            (self.tpl_eto, 6),
            (self.tpl_arch, 4),
            (self.tpl_software, 5),
        ):
            roots = template.line_ids.filtered(lambda line: not line.parent_id)
            self.assertEqual(len(roots), phases, f"{template.name} ships its phases.")
            self.assertEqual(
                sorted(roots.mapped("wbs_code")), [str(i) for i in range(1, phases + 1)]
            )
            self.assertTrue(template.dependency_ids, f"{template.name} ships dependencies.")
        design = self.env.ref("order_project.wbs_line_eto_design")
        self.assertEqual(
            design.child_ids.sorted("sequence").mapped("wbs_code"), ["1.1", "1.2", "1.3"]
        )
        self.assertTrue(design.is_phase and design.is_milestone)

    def test_dependency_cycle_is_refused_naming_the_lines(self):
        kickoff = self.env.ref("order_project.wbs_line_eto_kickoff")
        review = self.env.ref("order_project.wbs_line_eto_review")
        with self.assertRaisesRegex(
            ValidationError, "Design review meeting.*Kick-off|Kick-off.*Design review meeting"
        ):
            self.env["order.wbs.template.dependency"].create(
                {"line_id": kickoff.id, "depend_on_id": review.id}
            )

    def test_dependency_across_templates_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["order.wbs.template.dependency"].create(
                {
                    "line_id": self.env.ref("order_project.wbs_line_eto_kickoff").id,
                    "depend_on_id": self.env.ref("order_project.wbs_line_software_workshops").id,
                }
            )

    def test_milestone_is_bound_to_a_phase(self):
        with self.assertRaisesRegex(ValidationError, "milestones are bound to phases"):
            self.env.ref("order_project.wbs_line_eto_kickoff").is_milestone = True

    def test_phase_dependency_expands_to_its_tasks(self):
        template = self.env["order.wbs.template"].create({"name": "Two phases"})
        lines = self.env["order.wbs.template.line"]
        phase_a = lines.create({"template_id": template.id, "name": "A", "sequence": 1})
        phase_b = lines.create({"template_id": template.id, "name": "B", "sequence": 2})
        a1, a2, b1 = lines.create(
            [
                {
                    "template_id": template.id,
                    "name": "A1",
                    "parent_id": phase_a.id,
                    "duration_hours": 4,
                },
                {
                    "template_id": template.id,
                    "name": "A2",
                    "parent_id": phase_a.id,
                    "duration_hours": 8,
                },
                {
                    "template_id": template.id,
                    "name": "B1",
                    "parent_id": phase_b.id,
                    "duration_hours": 2,
                },
            ]
        )
        self.env["order.wbs.template.dependency"].create(
            {"line_id": phase_b.id, "depend_on_id": phase_a.id, "lag_hours": 3}
        )
        self.assertEqual(
            template._get_leaf_predecessors(),
            {(a1, b1): ("FS", 3.0), (a2, b1): ("FS", 3.0)},
            "A task of phase B waits for every task of phase A, with the phase link's lag.",
        )
        self.assertEqual((a1 | a2 | b1).mapped("wbs_code"), ["1.1", "1.2", "2.1"])
        self.env["order.wbs.template.dependency"].create(
            {"line_id": b1.id, "depend_on_id": a1.id, "dependency_type": "SS", "lag_hours": 1}
        )
        self.assertEqual(
            template._get_leaf_predecessors(),
            {(a1, b1): ("FS", 3.0), (a2, b1): ("FS", 3.0)},
            "Finish to start wins over start to start between the same two tasks.",
        )
        template.dependency_ids.filtered(lambda d: d.line_id == phase_b).unlink()
        self.assertEqual(template._get_leaf_predecessors(), {(a1, b1): ("SS", 1.0)})

    def test_start_to_start_links_reach_the_order_tasks(self):
        arch_link = self.env.ref("order_project.wbs_dep_arch_coordination_arch_drawings")
        software_link = self.env.ref("order_project.wbs_dep_software_architecture_specification")
        self.assertEqual(
            (arch_link.dependency_type, arch_link.lag_hours), ("SS", 16.0), "Shipped SS links."
        )
        self.assertEqual((software_link.dependency_type, software_link.lag_hours), ("SS", 16.0))
        self.assertEqual(
            self.env.ref("order_project.wbs_dep_software_sprint1_backlog").dependency_type,
            "FS",
            "Finish to start is the default type.",
        )
        # one SS link without lag: it needs a row all the same
        mapping = self.env.ref("order_project.wbs_line_software_mapping")
        backlog_link = self.env.ref("order_project.wbs_dep_software_backlog_mapping")
        backlog_link.dependency_type = "SS"
        order = self._create_order(product=self.standard_product, origin="website")
        order.action_confirm()
        project = order.delivery_project_ids
        self.assertEqual(project.order_wbs_template_id, self.tpl_software, "The web orders' rule.")
        task_of = {task.wbs_template_line_id: task for task in project.task_ids}
        architecture = task_of[software_link.line_id]
        self.assertEqual(architecture.depend_on_ids, task_of[software_link.depend_on_id])
        self.assertEqual(
            [
                (lag.depend_on_id, lag.dependency_type, lag.lag_hours)
                for lag in architecture.order_lag_ids
            ],
            [(task_of[software_link.depend_on_id], "SS", 16.0)],
            "The link's type and lag are carried to the order's task.",
        )
        backlog = task_of[backlog_link.line_id]
        self.assertEqual(
            [
                (lag.depend_on_id, lag.dependency_type, lag.lag_hours)
                for lag in backlog.order_lag_ids
            ],
            [(task_of[mapping], "SS", 0.0)],
            "A start-to-start link without lag has its row.",
        )
        sprint1 = task_of[self.env.ref("order_project.wbs_line_software_sprint1")]
        self.assertEqual(len(sprint1.depend_on_ids), 2)
        self.assertFalse(sprint1.order_lag_ids, "A finish-to-start link without lag has none.")
        self.assertLess(
            architecture.planned_start,
            task_of[software_link.depend_on_id].planned_end,
            "The first schedule starts the architecture while the specification is written.",
        )

    def test_run_in_one_stretch_reaches_the_order_tasks(self):
        kickoff = self.env.ref("order_project.wbs_line_eto_kickoff")
        kickoff.non_interruptible = True
        order = self._create_order()
        order.action_confirm()
        tasks = order.delivery_project_ids.task_ids
        self.assertEqual(len(tasks), len(self.tpl_eto.line_ids))
        in_one_stretch = tasks.filtered("planning_non_interruptible")
        self.assertEqual(
            in_one_stretch.wbs_template_line_id,
            kickoff,
            "Only the task of the line that must run in one stretch is planned that way.",
        )
        self.assertFalse(
            any(tasks.mapped("planning_not_before")),
            "A not-before date is a planner's fact about one order, never a template's.",
        )
        in_one_stretch.planning_not_before = "2030-01-07 09:00:00"
        copied = in_one_stretch.copy()
        self.assertTrue(copied.planning_non_interruptible, "How the work runs is kept on copy.")
        self.assertFalse(copied.planning_not_before, "A material date is not copied.")
