from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..tools import scheduling
from ..tools.errors import ToolError

# Float hours come from the time widget: a minute's tolerance for "touching" rows.
TOUCHING = timedelta(minutes=1)


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    # Not stored: read once per calendar and transaction (a list of tasks asks it per task),
    # recomputed when the rows it reads change.
    order_longest_block_hours = fields.Float(
        "Longest Working Block (h)",
        compute="_compute_order_longest_block_hours",
        help="The longest unbroken stretch of working time in one day, in hours.",
    )

    def _order_tz(self):
        self.ensure_one()
        return pytz.timezone(self.tz or "UTC")

    def _order_work_intervals(self, start, end, leaves=True):
        """The calendar's working intervals between two naive datetimes of its own time zone,
        as Odoo reads them (``_work_intervals_batch``): both weeks of a two-week calendar,
        without breaks (day period 'lunch'), sections or a person's own rows, and, with
        ``leaves``, without the calendar's and the company's time off. The optimizer's
        connector reads the same rows the same way."""
        self.ensure_one()
        tz = self._order_tz()
        intervals = self._work_intervals_batch(
            tz.localize(start), tz.localize(end), tz=tz, compute_leaves=leaves
        )[False]
        return [
            (begin.astimezone(tz).replace(tzinfo=None), stop.astimezone(tz).replace(tzinfo=None))
            for begin, stop, _records in intervals
        ]

    def _order_working_time(self):
        """The calendar as the first schedule walks it, and its time zone. A calendar without
        any working hours is refused at once (walking it would search ten years)."""
        self.ensure_one()
        if not any(
            not att.display_type and att.day_period != "lunch" and att.hour_to > att.hour_from
            for att in self.attendance_ids
        ):
            raise ToolError("no_working_hours", "the working calendar has no working hours")
        return scheduling.WorkingTime(self._order_work_intervals), self._order_tz()

    @api.depends(
        "tz",
        "two_weeks_calendar",
        "attendance_ids.dayofweek",
        "attendance_ids.hour_from",
        "attendance_ids.hour_to",
        "attendance_ids.day_period",
        "attendance_ids.week_type",
        "attendance_ids.display_type",
        "attendance_ids.resource_id",
    )
    def _compute_order_longest_block_hours(self):
        for calendar in self:
            calendar.order_longest_block_hours = calendar._order_longest_block()

    def _order_longest_block(self):
        """The longest unbroken stretch of working time in one day, in hours.

        Intervals of one day that touch (8-12 and 12-17) form one block; a break (day period
        'lunch') is not worked, so 8-12, lunch 12-13, 13-17 are two blocks. Read over two
        weeks, as the schedules read the calendar (both weeks of a two-week calendar).
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        start = datetime.combine(today - timedelta(days=today.weekday()), time())
        longest = timedelta()
        block_start = block_end = None
        for begin, end in sorted(self._order_work_intervals(start, start + timedelta(14), False)):
            if (
                block_end is None
                or begin > block_end + TOUCHING
                or begin.date() != block_end.date()
            ):
                block_start, block_end = begin, end
            else:
                block_end = max(block_end, end)
            longest = max(longest, block_end - block_start)
        return longest.total_seconds() / 3600

    def _order_stretch_warning(self, hours):
        """The warning for a task that runs ``hours`` in one stretch, or False when it fits."""
        self.ensure_one()
        longest = self.order_longest_block_hours
        if hours <= longest + 1e-6:
            return False
        # Formatted before the call: Odoo's term extractor (babel) cannot read f-strings
        # inside _().
        hours_text, longest_text = f"{hours:.1f}", f"{longest:.1f}"
        return self.env._(
            "Runs in one stretch for %(hours)s h, but the longest unbroken working time of "
            "calendar %(calendar)s is %(longest)s h: the optimizer cannot plan it.",
            hours=hours_text,
            calendar=self.name,
            longest=longest_text,
        )
