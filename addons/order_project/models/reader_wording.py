"""What a reader reads of the planning: dates in the reader's time zone, task names as the
reader may read them, and the sentences of the tools' refusals (``tools.errors.ToolError``) and
of a failed planning run's conflicts, in the reader's language.

One sentence per kind, built with the reader's ``env._`` (one call per sentence: a faulty
translation falls back to the English one); a kind without a sentence shows the English text
it came with.
"""

from datetime import datetime, timezone

from odoo.tools.misc import format_datetime, formatLang

# Conflict kinds of a failed run: the values each sentence needs (the conflict's details,
# its task names, resources) and the sentence. Other kinds show the optimizer's text.
FAILURE_SENTENCES = {
    "deadline": (
        ("deadline", "earliest_end", "tasks"),
        lambda env, v: env._(
            "The deadline %(deadline)s cannot be met: %(tasks)s cannot end before "
            "%(earliest_end)s.",
            **v,
        ),
    ),
    "capacity": (
        ("from", "to", "resources", "available_hours", "needed_hours", "missing_hours"),
        lambda env, v: env._(
            "Between %(from)s and %(to)s, %(resources)s have %(available_hours)s h of "
            "working time, but %(needed_hours)s h of work must be done then "
            "(%(missing_hours)s h short).",
            **v,
        ),
    ),
    "skill_unavailable": (
        ("task", "earliest_start", "deadline"),
        lambda env, v: env._(
            "%(task)s finds nobody with the skill it needs between %(earliest_start)s and "
            "%(deadline)s.",
            **v,
        ),
    ),
    "pinned_overlap": (
        ("resources", "at", "tasks"),
        lambda env, v: env._(
            "%(resources)s is booked on several fixed tasks at %(at)s: %(tasks)s.", **v
        ),
    ),
    "pinned_before_predecessor": (
        ("task", "start", "predecessor_end"),
        lambda env, v: env._(
            "%(task)s is fixed to start %(start)s, but its predecessors cannot be done before "
            "%(predecessor_end)s.",
            **v,
        ),
    ),
    "pinned_before_date": (
        ("task", "start", "earliest"),
        lambda env, v: env._(
            "%(task)s is fixed to start %(start)s, before its earliest allowed start %(earliest)s.",
            **v,
        ),
    ),
    "missed_deadline": (
        ("deadline", "task", "planned_end", "late_hours"),
        lambda env, v: env._(
            "The best plan found misses the deadline %(deadline)s: %(task)s ends "
            "%(planned_end)s, %(late_hours)s h late.",
            **v,
        ),
    ),
    "pin_not_kept": (
        ("task", "pinned", "planned"),
        lambda env, v: env._(
            "%(task)s is fixed to start %(pinned)s, but the best plan found starts it %(planned)s.",
            **v,
        ),
    ),
    "unreachable": (
        ("url",),
        lambda env, v: env._(
            "The optimizer service at %(url)s could not be reached or refused the run: "
            "nothing was planned. Check that the service runs and that Settings point to it, "
            "then retry.",
            **v,
        ),
    ),
    "no_room": (
        ("task", "resources", "needed_hours", "available_hours", "earliest_start", "horizon_end"),
        lambda env, v: env._(
            "%(task)s needs %(needed_hours)s h of work by %(resources)s, who share only "
            "%(available_hours)s h of working time between %(earliest_start)s and "
            "%(horizon_end)s, the end of the planning horizon.",
            **v,
        ),
    ),
}


def reader_datetime(env, value):
    """A datetime for the reader: an ISO 8601 text of the optimizer (with its UTC offset) or a
    naive UTC datetime of Odoo, in the reader's time zone and language; a text that is not a
    datetime as it came."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    tz = env.context.get("tz") or env.user.tz or "UTC"
    return format_datetime(env, value, tz=tz, dt_format="short")


def reader_task_names(env, task_ids, projects):
    """Names of the tasks ``task_ids`` that still exist, by id, as the reader may read them:
    a task the reader may not open (another customer's order) is named only as such, one of
    another project than ``projects`` with its project's name. Under
    sudo the text goes to the chatter of ``projects``, read by whoever may read them: only
    their own tasks are named."""
    tasks = env["project.task"].browse(task_ids).exists()
    if env.su:
        readable = tasks.filtered(lambda task: task.project_id in projects)
    else:
        readable = tasks._filtered_access("read")
    names = dict.fromkeys((tasks - readable).ids, env._("a task of another project"))
    for task in readable.sudo():
        if task.project_id in projects:
            names[task.id] = task.name
        else:  # the same task name recurs from order to order: say whose it is
            names[task.id] = env._(
                "%(task)s (%(project)s)", task=task.name, project=task.project_id.display_name
            )
    return names


def word_failure(env, conflict, projects):
    """One conflict of a failed run (``$defs/failure`` of schemas/apply_schedule.schema.json)
    in the reader's language, from its kind and details (dates in the reader's time zone, the
    tasks of ``projects`` named as the reader may read them); False for a kind without a
    sentence of its own (the solver's) or when a value it needs is missing."""
    details = conflict.get("details") or {}
    task_ids = conflict.get("task_ids") or []
    by_id = reader_task_names(env, task_ids, projects)
    names = [by_id[task_id] for task_id in task_ids if task_id in by_id]
    values = {
        "order": conflict.get("order") or "",
        "tasks": " → ".join(names),
        "task": names[-1] if names else "",
        "resources": ", ".join(conflict.get("resources") or []),
    }
    for key, value in details.items():
        if isinstance(value, str):
            values[key] = reader_datetime(env, value)
        elif value is not None:
            values[key] = formatLang(env, value, digits=1)
    needs, sentence = FAILURE_SENTENCES.get(conflict.get("kind"), ((), None))
    if sentence is None or not all(values.get(k) for k in needs):
        return False
    return sentence(env, values)


TOOL_SENTENCES = {
    "unknown_order_type": lambda env, v: env._("unknown order type %(order_type)s", **v),
    "negative_minimum": lambda env, v: env._("the minimum amount is negative"),
    "negative_maximum": lambda env, v: env._("the maximum amount is negative"),
    "minimum_above_maximum": lambda env, v: env._(
        "the minimum amount %(minimum)s is above the maximum %(maximum)s", **v
    ),
    "pattern_too_short": lambda env, v: env._(
        "the channel pattern “%(pattern)s” is too short to mean anything", **v
    ),
    "no_working_hours": lambda env, v: env._("the working calendar has no working hours"),
    "no_working_time": lambda env, v: env._(
        "no working time found within %(days)s days of %(start)s", **v
    ),
    "unknown_dependency_task": lambda env, v: env._(
        "the dependency %(predecessor)s → %(successor)s names an unknown task", **v
    ),
    "dependency_cycle": lambda env, v: env._(
        "the tasks wait for each other in a cycle: %(cycle)s", **v
    ),
}


def word_tool_error(env, error):
    """``error`` (a ``tools.errors.ToolError``) as a sentence in the reader's language."""
    sentence = TOOL_SENTENCES.get(error.code)
    if sentence is None:
        return str(error)
    values = {
        key: formatLang(env, value, digits=2) if isinstance(value, float) else value
        for key, value in error.params.items()
    }
    return sentence(env, values)
