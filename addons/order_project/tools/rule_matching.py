"""Routing-rule matching for confirmed sales orders, without the ORM.

A rule's conditions and an order's facts are plain dicts; the Odoo model
``order.route.rule`` converts records to these dicts, so the matching logic can be
tested on its own.

Conditions (every key optional; an empty/None value means "no condition"):
    order_type: "any" | "custom" | "standard"
    amount_min, amount_max: float | None (untaxed amount, order currency)
    partner_ids, partner_tag_ids, product_ids, product_categ_ids, team_ids: set[int]
    origin_patterns: list[str] (case-insensitive substrings; any one must occur)

Facts:
    order_type: "custom" | "standard"
    amount: float
    partner_ids: set[int] (the customer and its commercial partner)
    partner_tag_ids, product_ids, product_categ_ids: set[int] (categories with parents)
    team_id: int | None
    origin: str (origin, reference, channel and source names joined)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ToolError

ORDER_TYPES = ("any", "custom", "standard")
SET_CONDITIONS = ("partner_ids", "partner_tag_ids", "product_ids", "product_categ_ids")


def split_patterns(text: str | None) -> list[str]:
    """Split a comma- or newline-separated pattern field into lowercase patterns."""
    if not text:
        return []
    parts = text.replace("\n", ",").split(",")
    return [part.strip().lower() for part in parts if part.strip()]


def validate_conditions(conditions: Mapping[str, Any]) -> list[str]:
    """Return the reasons why these conditions can never work (empty when valid)."""
    return [str(problem) for problem in condition_problems(conditions)]


def condition_problems(conditions: Mapping[str, Any]) -> list[ToolError]:
    """The reasons why these conditions can never work, each a ``ToolError`` (not raised)
    the Odoo layer words in the reader's language; empty when valid."""
    problems = []
    order_type = conditions.get("order_type") or "any"
    if order_type not in ORDER_TYPES:
        problems.append(
            ToolError(
                "unknown_order_type", "unknown order type %(order_type)r", order_type=order_type
            )
        )
    amount_min = conditions.get("amount_min")
    amount_max = conditions.get("amount_max")
    if amount_min is not None and amount_min < 0:
        problems.append(ToolError("negative_minimum", "the minimum amount is negative"))
    if amount_max is not None and amount_max < 0:
        problems.append(ToolError("negative_maximum", "the maximum amount is negative"))
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        problems.append(
            ToolError(
                "minimum_above_maximum",
                "the minimum amount %(minimum)g is above the maximum %(maximum)g",
                minimum=amount_min,
                maximum=amount_max,
            )
        )
    for pattern in conditions.get("origin_patterns") or []:
        if len(pattern) < 2:
            problems.append(
                ToolError(
                    "pattern_too_short",
                    "the channel pattern %(pattern)r is too short to mean anything",
                    pattern=pattern,
                )
            )
    return problems


def rule_matches(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether an order with these facts satisfies every condition of the rule."""
    order_type = conditions.get("order_type") or "any"
    if order_type != "any" and facts.get("order_type") != order_type:
        return False
    amount = facts.get("amount") or 0.0
    if conditions.get("amount_min") is not None and amount < conditions["amount_min"]:
        return False
    if conditions.get("amount_max") is not None and amount > conditions["amount_max"]:
        return False
    for key in SET_CONDITIONS:
        wanted = conditions.get(key)
        if wanted and not set(wanted) & set(facts.get(key) or ()):
            return False
    teams = conditions.get("team_ids")
    if teams and facts.get("team_id") not in teams:
        return False
    patterns = conditions.get("origin_patterns")
    if patterns:
        origin = (facts.get("origin") or "").lower()
        if not any(pattern in origin for pattern in patterns):
            return False
    return True


def first_matching_rule(
    rules: Iterable[tuple[Any, Mapping[str, Any]]], facts: Mapping[str, Any]
) -> Any | None:
    """Key of the first rule (in the given order) whose conditions the facts satisfy."""
    for key, conditions in rules:
        if rule_matches(conditions, facts):
            return key
    return None
