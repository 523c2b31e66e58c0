import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user


class OrderPortalCommon(HttpCase):
    """Two customer companies with a portal contact each, a salesman, a project manager,
    and one confirmed order per customer with its delivery project already planned,
    baselined, partly done, with one deliverable released and internal data around it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.salesman = new_test_user(
            cls.env, login="op_portal_salesman", groups="order_project.group_order_user"
        )
        cls.project_manager = new_test_user(
            cls.env,
            login="op_portal_pm",
            name="Paula Project Manager",
            groups="order_project.group_order_manager",
        )
        cls.engineer = new_test_user(
            cls.env,
            login="op_portal_engineer",
            name="Zed Workload Engineer",
            groups="project.group_project_user",
        )
        cls.company_a = cls.env["res.partner"].create(
            {"name": "Acme Portal Machines", "is_company": True, "email": "acme@example.com"}
        )
        cls.company_b = cls.env["res.partner"].create(
            {"name": "Beta Portal Retail", "is_company": True, "email": "beta@example.com"}
        )
        cls.portal_a = new_test_user(
            cls.env,
            login="portal_customer",
            name="Alice Acme",
            groups="base.group_portal",
            email="alice@acme.example.com",
        )
        cls.portal_a.partner_id.parent_id = cls.company_a
        cls.portal_b = new_test_user(
            cls.env,
            login="portal_other_customer",
            name="Bob Beta",
            groups="base.group_portal",
            email="bob@beta.example.com",
        )
        cls.portal_b.partner_id.parent_id = cls.company_b
        cls.product = cls.env["product.product"].create(
            {"name": "Portal custom machine", "type": "consu", "list_price": 20000.0}
        )
        cls.template = cls.env.ref("order_project.wbs_template_software")
        cls.order_a = cls._create_confirmed_order(cls.company_a, "PO-ACME-7")
        cls.order_b = cls._create_confirmed_order(cls.company_b, "PO-BETA-9")
        cls.project_a = cls.order_a.delivery_project_ids
        cls._prepare_delivery(cls.project_a)

    @classmethod
    def _create_confirmed_order(cls, partner, reference):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": cls.salesman.id,
                "client_order_ref": reference,
                "commitment_date": fields.Datetime.now() + timedelta(days=120),
                # Routing set by hand: the test does not depend on the shared routing rules.
                "order_route_manual": True,
                "wbs_template_id": cls.template.id,
                "order_project_manager_id": cls.project_manager.id,
                "order_line": [Command.create({"product_id": cls.product.id})],
            }
        )
        order.action_confirm()
        return order

    @classmethod
    def _prepare_delivery(cls, project):
        """Baseline the first plan, finish the first task, release the second one with an
        inspection report, and leave internal data (people, notes) that must stay hidden."""
        project.action_set_baseline()
        work = project.task_ids.filtered(lambda t: not t.is_wbs_phase).sorted("planned_start")
        cls.done_task, cls.released_task, cls.internal_task = work[0], work[1], work[2]
        cls.done_task.state = "1_done"
        cls.released_task.deliverable = "Signed inspection report"
        cls.released_task.action_order_portal_release()
        cls.shared_document = cls.env["ir.attachment"].create(
            {
                "name": "inspection_report.txt",
                "datas": base64.b64encode(b"All welds inspected: OK"),
                "res_model": "project.task",
                "res_id": cls.released_task.id,
            }
        )
        cls.internal_document = cls.env["ir.attachment"].create(
            {
                "name": "internal_costing.txt",
                "datas": base64.b64encode(b"cost 12345"),
                "res_model": "project.task",
                "res_id": cls.internal_task.id,
            }
        )
        cls.internal_task.write(
            {
                "description": "<p>Internal cost estimate 98765.43</p>",
                "planning_user_ids": [Command.set(cls.engineer.ids)],
                "user_ids": [Command.set(cls.engineer.ids)],
            }
        )
        project.description = "<p>Budget overrun warning kept internal</p>"
        cls.order_a.message_post(
            body="Margin on this order is 42 percent", subtype_xmlid="mail.mt_note"
        )
