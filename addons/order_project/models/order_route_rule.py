from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import rule_matching
from .reader_wording import word_tool_error

PRIORITIES = [("0", "Normal"), ("1", "High"), ("2", "Urgent")]


class OrderRouteRule(models.Model):
    _name = "order.route.rule"
    _description = "Order Routing Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    note = fields.Text(translate=True)
    # Conditions: an empty condition does not filter.
    order_type = fields.Selection(
        [("any", "Any"), ("custom", "Custom (engineer-to-order)"), ("standard", "Standard")],
        default="any",
        required=True,
        help="Custom: at least one product of the order is in a category or has a tag "
        "marked as custom. Standard: none is.",
    )
    amount_min = fields.Monetary("Minimum Untaxed Amount", currency_field="currency_id")
    amount_max = fields.Monetary(
        "Maximum Untaxed Amount", currency_field="currency_id", help="Zero means no maximum."
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", export_string_translation=False
    )
    partner_ids = fields.Many2many(
        "res.partner", "order_route_rule_partner_rel", "rule_id", "partner_id", "Customers"
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        "order_route_rule_partner_category_rel",
        "rule_id",
        "category_id",
        "Customer Tags",
    )
    product_ids = fields.Many2many(
        "product.product", "order_route_rule_product_rel", "rule_id", "product_id", "Products"
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        "order_route_rule_product_categ_rel",
        "rule_id",
        "categ_id",
        "Product Categories",
        help="Matches products of these categories and of their sub-categories.",
    )
    team_ids = fields.Many2many(
        "crm.team", "order_route_rule_team_rel", "rule_id", "team_id", "Sales Teams"
    )
    origin_match = fields.Char(
        "Channel / Origin Contains",
        help="Comma-separated texts; one of them must appear (case-insensitive) in the order's "
        "source document, customer reference, UTM source or medium, e.g. 'website, import, api'.",
    )
    # Actions
    wbs_template_id = fields.Many2one("order.wbs.template", "WBS Template", index=True)
    delivery_team_id = fields.Many2one("crm.team")
    delivery_user_ids = fields.Many2many(
        "res.users",
        "order_route_rule_delivery_user_rel",
        "rule_id",
        "user_id",
        "Delivery People",
        help="Followers of the generated project; the optimizer may assign them to tasks.",
    )
    project_manager_id = fields.Many2one("res.users")
    priority = fields.Selection(PRIORITIES, default="0", required=True)
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        "Working Calendar",
        help="Calendar of the first schedule; the company's calendar when empty.",
    )
    order_count = fields.Integer(compute="_compute_order_count", string="Routed Orders")

    @api.depends("company_id")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("order_route_rule_id", "in", self.ids)], ["order_route_rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.order_count = counts.get(rule, 0)

    @api.constrains("amount_min", "amount_max", "order_type", "origin_match")
    def _check_conditions(self):
        for rule in self:
            problems = rule_matching.condition_problems(rule._get_conditions())
            if problems:
                raise ValidationError(
                    self.env._(
                        "The routing rule %(rule)s can never match: %(errors)s.",
                        rule=rule.name,
                        errors="; ".join(word_tool_error(self.env, p) for p in problems),
                    )
                )

    def _get_conditions(self, order=None):
        """The rule as the plain dict understood by ``tools.rule_matching``; for ``order``,
        its amounts in the order's currency (the order's facts are in that currency)."""
        self.ensure_one()
        amount_min, amount_max = self.amount_min or None, self.amount_max or None
        if order:
            # a shared rule's amounts are in the currency of the order's company
            currency = (self.company_id or order.company_id).currency_id
            if currency != order.currency_id:
                date = (order.date_order or fields.Datetime.now()).date()

                def convert(amount):
                    if amount is None:
                        return None
                    return currency._convert(amount, order.currency_id, order.company_id, date)

                amount_min, amount_max = convert(amount_min), convert(amount_max)
        return {
            "order_type": self.order_type,
            "amount_min": amount_min,
            "amount_max": amount_max,
            "partner_ids": set(self.partner_ids.ids),
            "partner_tag_ids": set(self.partner_category_ids.ids),
            "product_ids": set(self.product_ids.ids),
            "product_categ_ids": set(self.product_categ_ids.ids),
            "team_ids": set(self.team_ids.ids),
            "origin_patterns": rule_matching.split_patterns(self.origin_match),
        }

    @api.model
    def _find_rule_for_order(self, order):
        """First active rule of the order's company (or shared) that the order satisfies."""
        rules = self.search(
            [("company_id", "in", [False, order.company_id.id])], order="sequence, id"
        )
        key = rule_matching.first_matching_rule(
            ((rule.id, rule._get_conditions(order)) for rule in rules), order._order_route_facts()
        )
        return self.browse(key) if key else self

    def _prepare_order_values(self):
        """Values the rule's actions write on a sales order."""
        self.ensure_one()
        return {
            "order_route_rule_id": self.id,
            "wbs_template_id": self.wbs_template_id.id,
            "delivery_team_id": self.delivery_team_id.id,
            "delivery_user_ids": [fields.Command.set(self.delivery_user_ids.ids)],
            "order_project_manager_id": self.project_manager_id.id,
            "order_priority": self.priority,
        }

    def action_view_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("sale.action_orders")
        action["domain"] = [("order_route_rule_id", "=", self.id)]
        action["context"] = {}
        return action
