"""Reading the delivery portfolio from Odoo in pages, as plain JSON records.

Every read is a ``search_read`` with ``limit``/``offset`` and ``order='id'`` (stable pages),
by domain or by chunks of ids; never one call per record. The result is a `Snapshot`: the
raw records as Odoo returned them, which `optimizer.odoo.mapping` turns into a problem
without any I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from optimizer.odoo.transport import Transport

logger = logging.getLogger(__name__)

PAGE_SIZE = 1000

PROJECT_FIELDS = [
    "id",
    "name",
    "order_code",
    "order_sale_order_id",
    "order_commitment_date",
    "order_priority",
    "company_id",
    "date_start",
]
TASK_FIELDS = [
    "id",
    "name",
    "project_id",
    "parent_id",
    "is_wbs_phase",
    "wbs_code",
    "duration_hours",
    "allocated_hours",
    "headcount",
    "depend_on_ids",
    "user_ids",
    "planning_pinned",
    "planned_start",
    "planned_end",
    "state",
    "write_date",
]
LAG_FIELDS = ["id", "task_id", "depend_on_id", "lag_hours"]

# The open delivery projects: the addon's own "all open orders" scope
# (order.planning.run.action_reoptimize_all).
OPEN_PROJECTS_DOMAIN: list[Any] = [
    ("order_sale_order_id", "!=", False),
    ("order_sale_order_id.state", "=", "sale"),
    ("active", "=", True),
]


@dataclass
class Snapshot:
    """What the optimizer read: projects, their tasks, dependency lags, and the tasks outside
    the scope that scoped tasks depend on (read so their dates can bound the plan)."""

    projects: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    lags: list[dict[str, Any]] = field(default_factory=list)
    external_tasks: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0  # RPC calls made, for the figures


def search_read_all(
    transport: Transport,
    model: str,
    domain: Sequence[Any],
    fields: Sequence[str],
    *,
    page_size: int = PAGE_SIZE,
    context: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Every record of `model` matching `domain`, page by page; returns (records, calls)."""
    records: list[dict[str, Any]] = []
    calls = 0
    offset = 0
    while True:
        kwargs: dict[str, Any] = {
            "domain": [list(term) if isinstance(term, tuple) else term for term in domain],
            "fields": list(fields),
            "offset": offset,
            "limit": page_size,
            "order": "id",
        }
        if context:
            kwargs["context"] = context
        page = transport.call(model, "search_read", [], kwargs)
        calls += 1
        records.extend(page)
        if len(page) < page_size:
            return records, calls
        offset += page_size


def read_by_ids(
    transport: Transport,
    model: str,
    ids: Iterable[int],
    fields: Sequence[str],
    *,
    field_name: str = "id",
    page_size: int = PAGE_SIZE,
    context: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Records whose `field_name` is in `ids`, one paged search_read per chunk of ids."""
    id_list = sorted(set(ids))
    records: list[dict[str, Any]] = []
    calls = 0
    for start in range(0, len(id_list), page_size):
        chunk = id_list[start : start + page_size]
        page, n = search_read_all(
            transport,
            model,
            [(field_name, "in", chunk)],
            fields,
            page_size=page_size,
            context=context,
        )
        records.extend(page)
        calls += n
    return records, calls


def read_snapshot(
    transport: Transport,
    project_ids: Sequence[int] | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> Snapshot:
    """The open delivery projects (or `project_ids`), their tasks, lags and outside predecessors."""
    snap = Snapshot()
    if project_ids:
        snap.projects, n = read_by_ids(
            transport, "project.project", project_ids, PROJECT_FIELDS, page_size=page_size
        )
        missing = sorted(set(project_ids) - {p["id"] for p in snap.projects})
        if missing:
            # archived, deleted, or hidden from the bot by a record rule
            logger.warning("projects %s not found or not readable: not planned", missing)
    else:
        snap.projects, n = search_read_all(
            transport, "project.project", OPEN_PROJECTS_DOMAIN, PROJECT_FIELDS, page_size=page_size
        )
    snap.calls += n
    ids = [p["id"] for p in snap.projects]
    if not ids:
        return snap
    snap.tasks, n = read_by_ids(
        transport, "project.task", ids, TASK_FIELDS, field_name="project_id", page_size=page_size
    )
    snap.calls += n
    task_ids = {t["id"] for t in snap.tasks}
    snap.lags, n = read_by_ids(
        transport, "order.task.lag", task_ids, LAG_FIELDS, field_name="task_id", page_size=page_size
    )
    snap.calls += n
    outside = {d for t in snap.tasks for d in t.get("depend_on_ids") or ()} - task_ids
    if outside:
        snap.external_tasks, n = read_by_ids(
            transport, "project.task", outside, TASK_FIELDS, page_size=page_size
        )
        snap.calls += n
    return snap
