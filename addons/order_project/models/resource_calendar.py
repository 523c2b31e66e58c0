from itertools import groupby

from odoo import models


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _order_schedule_attendances(self):
        """The attendance rows the schedules work by: sections, breaks (day period
        'lunch') and resource-specific rows are left out; two-week calendars use their
        first week."""
        self.ensure_one()
        return self.attendance_ids.filtered(
            lambda att: (
                not att.display_type
                and att.day_period != "lunch"
                and not att.resource_id
                and (not self.two_weeks_calendar or att.week_type == "0")
            )
        )

    def _order_longest_block_hours(self):
        """The longest unbroken stretch of working time in one day, in hours.

        Rows of one day that touch (8-12 and 12-17) form one block; a break row
        (day period 'lunch') is not worked, so 8-12, lunch 12-13, 13-17 are two blocks.
        The rows are read as the schedules read them: resource-specific rows and
        sections are ignored, two-week calendars count their first week.
        """
        self.ensure_one()
        attendances = self._order_schedule_attendances()
        rows = sorted((att.dayofweek, att.hour_from, att.hour_to) for att in attendances)
        longest = 0.0
        for _day, day_rows in groupby(rows, key=lambda row: row[0]):
            block_start = block_end = None
            for _dow, hour_from, hour_to in day_rows:
                # Float hours come from the time widget: a minute's tolerance for "touching".
                if block_end is None or hour_from > block_end + 1 / 60:
                    block_start, block_end = hour_from, hour_to
                else:
                    block_end = max(block_end, hour_to)
                longest = max(longest, block_end - block_start)
        return longest

    def _order_stretch_warning(self, hours):
        """The warning for a task that runs ``hours`` in one stretch, or False when it fits."""
        self.ensure_one()
        longest = self._order_longest_block_hours()
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
