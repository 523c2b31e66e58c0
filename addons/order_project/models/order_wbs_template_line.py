from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import wbs


class OrderWbsTemplateLine(models.Model):
    _name = "order.wbs.template.line"
    _description = "Delivery WBS Template Line"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one(
        "order.wbs.template", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    parent_id = fields.Many2one(
        "order.wbs.template.line",
        "Phase",
        domain="[('template_id', '=', template_id), ('id', '!=', id)]",
        ondelete="cascade",
        index=True,
    )
    child_ids = fields.One2many("order.wbs.template.line", "parent_id", "Tasks")
    is_phase = fields.Boolean(compute="_compute_is_phase", store=True)
    wbs_code = fields.Char("WBS", compute="_compute_wbs_code")
    duration_hours = fields.Float(
        "Duration (h)", help="Working hours from start to end of this task (not effort)."
    )
    headcount = fields.Integer(default=1, help="People working on the task at the same time.")
    non_interruptible = fields.Boolean(
        "Run in one stretch",
        help="Once started the task runs without a pause (no night, weekend or break in "
        "between), e.g. a heat treatment or a concrete pour.",
    )
    stretch_warning = fields.Char("One-Stretch Warning", compute="_compute_stretch_warning")
    skill_id = fields.Many2one("hr.skill", "Required Skill")
    skill_type_id = fields.Many2one(related="skill_id.skill_type_id")
    skill_level_id = fields.Many2one(
        "hr.skill.level",
        "Minimum Level",
        domain="[('skill_type_id', '=', skill_type_id)]",
    )
    job_id = fields.Many2one("hr.job", "Role")
    deliverable = fields.Text("Deliverable Standard", translate=True)
    is_milestone = fields.Boolean(
        "Milestone",
        help="Only on phases: the project gets a milestone due when the phase ends.",
    )
    depend_on_link_ids = fields.One2many("order.wbs.template.dependency", "line_id", "Waits For")

    @api.depends("child_ids")
    def _compute_is_phase(self):
        for line in self:
            line.is_phase = bool(line.child_ids)

    @api.depends("template_id.line_ids.sequence", "template_id.line_ids.parent_id")
    def _compute_wbs_code(self):
        for template in self.template_id:
            codes = wbs.wbs_codes(
                (line.id, line.parent_id.id or None, line.sequence) for line in template.line_ids
            )
            for line in template.line_ids & self:
                line.wbs_code = codes.get(line.id, "")
        (self - self.template_id.line_ids).wbs_code = False

    @api.depends("non_interruptible", "duration_hours", "is_phase", "template_id.company_id")
    @api.depends_context("company", "lang")
    def _compute_stretch_warning(self):
        # The template does not know its future project, so the company's working time
        # (the schedules' default calendar) is the reference.
        for line in self:
            calendar = (line.template_id.company_id or self.env.company).resource_calendar_id
            if not (line.non_interruptible and not line.is_phase and calendar):
                line.stretch_warning = False
                continue
            calendar_sudo = calendar.sudo()
            line.stretch_warning = calendar_sudo._order_stretch_warning(line.duration_hours)

    @api.depends("wbs_code", "name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.wbs_code} {line.name}" if line.wbs_code else line.name

    @api.constrains("parent_id")
    def _check_parent(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A phase cannot be inside one of its own tasks."))
        for line in self:
            if line.parent_id and line.parent_id.template_id != line.template_id:
                raise ValidationError(
                    self.env._("The phase of %(line)s belongs to another template.", line=line.name)
                )

    @api.constrains("is_milestone", "parent_id", "child_ids")
    def _check_milestone_on_phase(self):
        for line in self.filtered("is_milestone"):
            if line.parent_id:
                raise ValidationError(
                    self.env._(
                        "%(line)s is a task inside a phase; milestones are bound to phases.",
                        line=line.display_name,
                    )
                )

    @api.constrains("headcount", "duration_hours")
    def _check_figures(self):
        for line in self:
            if line.headcount < 1 or line.duration_hours < 0:
                raise ValidationError(
                    self.env._(
                        "%(line)s needs a headcount of at least 1 and a duration that is not "
                        "negative.",
                        line=line.display_name,
                    )
                )

    def _get_leaf_lines(self):
        """The lines that become schedulable tasks: the line itself or its deepest tasks."""
        leaves = self.browse()
        for line in self:
            leaves |= line._get_leaf_lines_one()
        return leaves

    def _get_leaf_lines_one(self):
        if not self.child_ids:
            return self
        return self.child_ids._get_leaf_lines()
