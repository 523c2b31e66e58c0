from odoo import api, fields, models
from odoo.exceptions import UserError

from .order_route_rule import PRIORITIES
from .project_project import HEALTH


class SaleOrder(models.Model):
    _inherit = "sale.order"

    order_route_rule_id = fields.Many2one(
        "order.route.rule",
        "Routing Rule",
        copy=False,
        tracking=True,
        index="btree_not_null",
        help="The rule that routed this order at confirmation.",
    )
    order_route_manual = fields.Boolean(
        "Manual Routing",
        copy=False,
        tracking=True,
        help="Keep the routing set by hand: confirmation applies the chosen rule (if any) "
        "and the fields below as they are instead of matching the rules.",
    )
    wbs_template_id = fields.Many2one("order.wbs.template", "WBS Template", tracking=True)
    delivery_team_id = fields.Many2one("crm.team", tracking=True)
    delivery_user_ids = fields.Many2many(
        "res.users", "sale_order_delivery_user_rel", "order_id", "user_id", "Delivery People"
    )
    order_project_manager_id = fields.Many2one(
        "res.users", "Delivery Project Manager", tracking=True
    )
    order_priority = fields.Selection(PRIORITIES, "Delivery Priority", default="0", tracking=True)
    delivery_project_ids = fields.One2many(
        "project.project", "order_sale_order_id", "Delivery Projects"
    )
    delivery_project_count = fields.Integer(compute="_compute_delivery_counts")
    delivery_task_count = fields.Integer(compute="_compute_delivery_counts")
    planning_run_count = fields.Integer(compute="_compute_delivery_counts")
    order_health = fields.Selection(
        HEALTH,
        "Delivery Health",
        compute="_compute_order_health",
        compute_sudo=True,
        help="The worst health of the order's delivery projects.",
    )

    @api.depends("delivery_project_ids")
    def _compute_delivery_counts(self):
        projects = self.env["project.project"].search([("order_sale_order_id", "in", self.ids)])
        task_counts = dict(
            self.env["project.task"]._read_group(
                [("project_id", "in", projects.ids)], ["project_id"], ["__count"]
            )
        )
        for order in self:
            order_projects = projects.filtered(lambda p, o=order: p.order_sale_order_id == o)
            order.delivery_project_count = len(order_projects)
            order.delivery_task_count = sum(task_counts.get(p, 0) for p in order_projects)
            order.planning_run_count = len(order_projects.sudo().planning_run_ids)

    @api.depends("delivery_project_ids.order_health")
    def _compute_order_health(self):
        rank = {health: index for index, (health, _label) in enumerate(HEALTH)}
        for order in self:
            healths = [h for h in order.delivery_project_ids.mapped("order_health") if h]
            order.order_health = max(healths, key=rank.get) if healths else False

    # ------------------------------------------------------------------ routing
    def _order_is_custom(self, categories=None):
        """Custom (engineer-to-order) when a product's category, one of its parents, or one
        of its tags is marked custom."""
        self.ensure_one()
        products = self.order_line.product_id
        if categories is None:
            categories = self.env["product.category"].search(
                [("id", "parent_of", products.categ_id.ids)]
            )
        return any(categories.mapped("order_custom")) or any(
            products.all_product_tag_ids.mapped("order_custom")
        )

    def _order_route_facts(self):
        """The order as the plain dict that ``tools.rule_matching`` reads."""
        self.ensure_one()
        products = self.order_line.product_id
        categories = self.env["product.category"].search(
            [("id", "parent_of", products.categ_id.ids)]
        )
        origin_parts = [
            self.origin,
            self.client_order_ref,
            self.source_id.name,
            self.medium_id.name,
            self.campaign_id.name,
        ]
        return {
            "order_type": "custom" if self._order_is_custom(categories) else "standard",
            "amount": self.amount_untaxed,
            "partner_ids": {self.partner_id.id, self.partner_id.commercial_partner_id.id},
            "partner_tag_ids": set(
                (
                    self.partner_id.category_id | self.partner_id.commercial_partner_id.category_id
                ).ids
            ),
            "product_ids": set(products.ids),
            "product_categ_ids": set(categories.ids),
            "team_id": self.team_id.id or None,
            "origin": " ".join(part for part in origin_parts if part),
        }

    def _order_project_route(self):
        """Apply the first matching routing rule, unless the routing was set by hand."""
        for order in self:
            if order.order_route_manual:
                rule = order.order_route_rule_id
                if rule:
                    order.message_post(
                        body=self.env._("Routing kept as set by hand: %s", rule._get_html_link())
                    )
                continue
            rule = self.env["order.route.rule"].sudo()._find_rule_for_order(order)
            if not rule:
                order.message_post(body=self.env._("No routing rule matched this order."))
                continue
            order.write(rule._prepare_order_values())
            order.message_post(
                body=self.env._("Routed by the rule %(rule)s.", rule=rule.sudo()._get_html_link())
            )

    # ------------------------------------------------------------------ projects
    def _get_order_project_units(self):
        """(template, line) pairs that need a delivery project; an empty line stands for
        the whole order. Lines of per-line products get their own project; the order gets
        one for the other lines, unless every line already has its own."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda sol: not sol.display_type)
        per_line = lines.filtered(lambda sol: sol.product_id.order_project_per_line)
        units = [
            (sol.product_id.order_wbs_template_id or self.wbs_template_id, sol)
            for sol in per_line
            if sol.product_id.order_wbs_template_id or self.wbs_template_id
        ]
        rest = lines - per_line
        template = self.wbs_template_id or rest.product_id.order_wbs_template_id[:1]
        if template and (rest or not units):
            units.append((template, self.env["sale.order.line"]))
        return units

    def _get_delivery_project_service_lines(self, line):
        """The lines of the order (or ``line`` alone) for which sale_project would generate a
        project (``service_tracking`` 'project_only' or 'task_in_project'), by (sequence, id).

        The first one generates the delivery project through sale_project's own hook; all
        of them are linked to it, so sale_project finds their project made and only adds
        their tasks.
        """
        self.ensure_one()
        lines = line or self.order_line.filtered(
            lambda sol: not sol.display_type and not sol.product_id.order_project_per_line
        )
        return lines._get_so_lines_new_project().sorted(lambda sol: (sol.sequence, sol.id))

    def _prepare_delivery_project_values(self, template, line):
        self.ensure_one()
        code = self.name
        if line:
            code = f"{self.name}/{(self.order_line.ids.index(line.id) + 1):02d}"
        name = f"{code} - {self.partner_id.commercial_partner_id.name}"
        if self.client_order_ref:
            name = f"{name} ({self.client_order_ref})"
        if line:
            name = f"{name} - {line.product_id.name}"
        service_line = (
            self._get_delivery_project_service_lines(line)[:1]
            or line
            or self.order_line.filtered(lambda sol: sol.is_service)[:1]
        )
        return {
            "name": name,
            "order_code": code,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "user_id": (self.order_project_manager_id or template.project_template_id.user_id).id,
            "order_sale_order_id": self.id,
            "order_sale_line_id": line.id,
            "sale_line_id": service_line.id if service_line.is_service else False,
            "reinvoiced_sale_order_id": self.id,
            "order_wbs_template_id": template.id,
            "order_priority": self.order_priority,
            "order_calendar_id": self.order_route_rule_id.resource_calendar_id.id,
            "allow_task_dependencies": True,
            "allow_milestones": True,
            # Delivery projects hold costs and workloads: visible to their followers
            # (manager, delivery people), the order's salesperson and the planners.
            "privacy_visibility": "followers",
            "active": True,
        }

    def _create_delivery_project(self, template, line):
        """The delivery project of ``template`` for the order (or ``line``), linked both ways
        but still empty: ``_fill_delivery_project`` adds its WBS once sale_project is done.

        When the order (or line) sells a service for which sale_project generates a
        project, that line generates it (``sale.order.line._order_generate_delivery_project``,
        through sale_project's ``_timesheet_create_project``); otherwise the project is made
        here, from the template's base project if it names one.
        """
        self.ensure_one()
        values = self._prepare_delivery_project_values(template, line)
        service_lines = self._get_delivery_project_service_lines(line)
        if service_lines:
            project = service_lines[0]._order_generate_delivery_project(values)
            service_lines.project_id = project
            if not self.project_id:
                # as sale_project does for the first project an order generates
                self.project_id = project
        elif template.project_template_id:
            project = template.project_template_id.copy(values)
        else:
            project = self.env["project.project"].create(values)
        if not project.type_ids:
            project.type_ids = self.env["project.task.type"].create(
                [
                    {"name": name, "fold": fold, "sequence": sequence}
                    for name, fold, sequence in [
                        (self.env._("To Do"), False, 5),
                        (self.env._("In Progress"), False, 10),
                        (self.env._("Done"), False, 15),
                        (self.env._("Cancelled"), True, 20),
                    ]
                ]
            )
        return project

    def _fill_delivery_project(self, project):
        """Followers, WBS tasks, milestones and dependencies, the first schedule and the
        order's chatter note for a delivery project made by ``_create_delivery_project``."""
        self.ensure_one()
        people = self.delivery_user_ids | self.order_project_manager_id
        people |= self.delivery_team_id.member_ids | self.delivery_team_id.user_id
        followers = people.partner_id
        if followers:
            project.message_subscribe(partner_ids=followers.ids)
        project._create_wbs_tasks(project.order_wbs_template_id)
        try:
            project._order_project_forward_schedule(self.date_order or fields.Datetime.now())
        except (UserError, ValueError) as error:
            # a calendar without working hours must not block the sale: the project is
            # made, and says why it has no dates yet
            project.message_post(
                body=self.env._("The first schedule could not be computed: %s", error)
            )
        self.message_post(
            body=self.env._(
                "Delivery project created: %s", project._get_html_link(title=project.name)
            )
        )

    def _order_project_generate(self):
        """Make the delivery projects the orders miss: one per order (or per flagged line),
        never twice. Returns them linked but empty, for ``_fill_delivery_project``.

        Projects are found by their own order link, which a cancellation does not clear,
        so confirm / cancel / re-confirm reuses the first project.
        """
        existing = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search([("order_sale_order_id", "in", self.ids)])
        )
        known = {(p.order_sale_order_id.id, p.order_sale_line_id.id) for p in existing}
        for project in existing.filtered(lambda p: not p.active):
            project.active = True
        created = self.env["project.project"]
        for order in self:
            for template, line in order._get_order_project_units():
                if (order.id, line.id) in known:
                    continue
                created |= order._create_delivery_project(template, line)
        return created

    def _action_confirm(self):
        """Route, make the delivery projects, let sale_project (``super``) generate what the
        lines ask for (it finds their delivery project made and adds its tasks and
        milestones there), then fill the delivery projects with their WBS."""
        self._order_project_route()
        projects = self.sudo()._order_project_generate()
        res = super()._action_confirm()
        for project in projects:
            project.order_sale_order_id._fill_delivery_project(project)
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        for project in self.sudo().delivery_project_ids:
            project.message_post(
                body=self.env._(
                    "The order %s was cancelled; this project is kept and is found again if "
                    "the order is confirmed anew.",
                    project.order_sale_order_id._get_html_link(),
                )
            )
        return res

    # ------------------------------------------------------------------ actions
    def action_view_delivery_projects(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("project.open_view_project_all")
        action["domain"] = [("order_sale_order_id", "=", self.id)]
        action["context"] = {"active_test": False}
        if self.delivery_project_count == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = self.delivery_project_ids.id
        return action

    def action_view_delivery_tasks(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("project.action_view_all_task")
        action["domain"] = [("project_id.order_sale_order_id", "=", self.id)]
        action["context"] = {"search_default_groupby_project": False}
        return action

    def action_view_planning_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "order_project.order_planning_run_action"
        )
        action["domain"] = [("project_ids.order_sale_order_id", "=", self.id)]
        return action

    def action_order_reoptimize(self):
        projects = self.delivery_project_ids
        run = self.env["order.planning.run"]._queue_replan(projects, scope="projects")
        return run._get_records_action()
