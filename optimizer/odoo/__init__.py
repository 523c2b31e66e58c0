"""Odoo connector: transport (JSON-RPC for 18, JSON-2 for 19+), paged reader (projects, tasks,
calendars, leaves, people, skills), pure mapping to the shop-floor problem (`optimizer.floor`),
and `replan` (read -> map -> solve -> annotate -> check -> one ``apply_schedule`` call)."""

from optimizer.odoo.problem import Context, records_to_problem
from optimizer.odoo.reader import Snapshot, read_snapshot
from optimizer.odoo.replan import ReplanError, ReplanStopped, replan
from optimizer.odoo.transport import (
    Json2Transport,
    JsonRpcTransport,
    OdooAccessError,
    OdooConnectionError,
    OdooError,
    OdooNotFoundError,
    OdooServerError,
    OdooValidationError,
    Transport,
)
from optimizer.odoo.writeback import plan_to_payload

__all__ = [
    "Context",
    "Json2Transport",
    "JsonRpcTransport",
    "OdooAccessError",
    "OdooConnectionError",
    "OdooError",
    "OdooNotFoundError",
    "OdooServerError",
    "OdooValidationError",
    "ReplanError",
    "ReplanStopped",
    "Snapshot",
    "Transport",
    "plan_to_payload",
    "read_snapshot",
    "records_to_problem",
    "replan",
]
