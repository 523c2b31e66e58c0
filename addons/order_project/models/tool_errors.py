"""The refusals of ``tools/`` (``tools.errors.ToolError``) in the reader's language.

One sentence per kind, built with the reader's ``env._`` (one call per sentence, like the
failure sentences of planning runs); a kind without a sentence shows the tool's English.
"""

from odoo.tools.misc import formatLang

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
