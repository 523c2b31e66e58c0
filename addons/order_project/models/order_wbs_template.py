from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import wbs


class OrderWbsTemplate(models.Model):
    _name = "order.wbs.template"
    _description = "Delivery WBS Template"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    description = fields.Text(translate=True)
    project_template_id = fields.Many2one(
        "project.project",
        "Base Project",
        help="Copied (stages, settings, followers) like sale_project's project template, "
        "then the WBS is added to the copy. A new project is created when empty.",
    )
    line_ids = fields.One2many("order.wbs.template.line", "template_id", "Phases and Tasks")
    dependency_ids = fields.One2many("order.wbs.template.dependency", "template_id", "Dependencies")
    line_count = fields.Integer(compute="_compute_line_count", string="Lines")
    total_hours = fields.Float(compute="_compute_line_count", string="Total Effort (h)")

    @api.depends("line_ids.duration_hours", "line_ids.headcount", "line_ids.is_phase")
    def _compute_line_count(self):
        for template in self:
            leaves = template.line_ids.filtered(lambda line: not line.is_phase)
            template.line_count = len(template.line_ids)
            template.total_hours = sum(line.duration_hours * line.headcount for line in leaves)

    def _check_no_dependency_cycle(self):
        """Refuse a template whose dependencies loop, naming the lines of the loop."""
        for template in self:
            predecessors = {}
            for dependency in template.dependency_ids:
                predecessors.setdefault(dependency.line_id, []).append(dependency.depend_on_id)
            cycle = wbs.find_cycle(predecessors)
            if cycle:
                raise ValidationError(
                    self.env._(
                        "The template %(template)s has a dependency cycle: %(cycle)s. "
                        "A task cannot wait, directly or not, for itself.",
                        template=template.name,
                        cycle=" → ".join(line.display_name for line in reversed(cycle)),
                    )
                )

    def _get_leaf_predecessors(self):
        """Links between leaf lines: ``{(pred, succ): (dependency_type, lag_hours)}``, the
        type "FS" (finish to start) or "SS" (start to start), the lag in working hours.

        A dependency on a phase stands for its leaf tasks: the successor waits for all of
        them, and every leaf of a successor phase waits for the predecessor. When several
        links join the same two leaves, finish to start wins (a start follows the
        predecessor's start anyway), with the longest lag of its kind.
        """
        self.ensure_one()
        links = {}
        for dependency in self.dependency_ids:
            kind, lag = dependency.dependency_type, dependency.lag_hours
            for pred in dependency.depend_on_id._get_leaf_lines():
                for succ in dependency.line_id._get_leaf_lines():
                    key = (pred, succ)
                    known = links.get(key)
                    if known is None or (known[0], kind) == ("SS", "FS"):
                        links[key] = (kind, lag)
                    elif known[0] == kind:
                        links[key] = (kind, max(known[1], lag))
        return links

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", template.name))
            for template, vals in zip(self, vals_list, strict=True)
        ]
