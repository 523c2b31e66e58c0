#!/usr/bin/env python
"""Benchmark: the pages people open most, in the back office and the portal of a demo database.

    python scripts/bench_odoo_pages.py [--url http://127.0.0.1:8069] [--db order_demo] \\
        [--repeat 5] [--replan] [--json-only]

Runs against a database built by ``scripts/odoo_demo.sh`` (its logins: manager, planner, sales,
pm and portal1..4 with the password ``demo``; admin/admin) and times, each as the role that does
it, the JSON-RPC calls Odoo 18's web client makes (or the pages a portal browser gets):

- *delivery projects* (pm): the list of the menu action
  ``order_project.project_project_action_delivery``: ``web_search_read`` with the list view's
  specification (``web_read_group`` instead when the list groups by default);
- *project form* (pm): ``web_read`` with the form view's specification, for the delivery
  project with the most tasks;
- *order's tasks* (sales): the order's "WBS Tasks" button, ``call_button`` of
  ``sale.order.action_view_delivery_tasks``, then the ``web_search_read`` of its list, for
  the salesperson's order with the most delivery tasks;
- *late projects* (manager): the delivery projects list with the search filter "Late Orders"
  (``order_late``) on;
- *portal list* and *portal detail* (the portal user whose customer has the most orders,
  logged in through ``/web/login`` with its CSRF token): ``GET /my/deliveries`` and the
  first order's ``GET /my/deliveries/<id>``;
- with ``--replan``, once: the planner's ``action_reoptimize_all``, polled until its run is
  applied; the total wall time, the wait until the run is sent to the optimizer, and the read
  and solve times the optimizer writes to the run's figures (the write-back is not recorded
  apart: it is in the remainder, with mapping the records and the HTTP round trips).

The view specification is built from the views ``get_views`` returns, the way the web client
builds it (web/static/src/model/relational_model/utils.js ``extractFieldsFromArchInfo`` and
``getFieldsSpec``, the list and form arch parsers, the ``fieldDependencies`` and
``relatedFields`` of the widgets in `WIDGET_DEPENDENCIES` and `TAGS_WIDGETS`: a widget outside
those that reads more fields is missed, so compare with the browser's network tab when the views
change); the action, the views and the records to open are fetched once, untimed, as a browser
caches views (the portal user is chosen as admin).
Each measurement is one warm-up call, then ``--repeat`` timed ones; the table gives the median
and the max in ms and the records shown (rows of a list, phases of the portal detail). Times
are the wall time of the HTTP requests: on loopback with one client, that is the server's time
plus a few ms. Prints a table, then one JSON line (``--json-only``: the JSON line only).
Exit 2 when a login fails or the database has no demo data, 1 when a page shows no record.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import odoo_web
import requests

DEMO_PASSWORD = "demo"
DELIVERY_ACTION = "order_project.project_project_action_delivery"
LATE_FILTER = "order_late"  # the project search view's "Late Orders" filter (order_project)
ORDER_TASKS_BUTTON = "action_view_delivery_tasks"
PORTAL_LIST = "/my/deliveries"
PORTAL_ROW_CLASS = "o_order_portal_delivery_row"  # one <tr> per order on /my/deliveries
PORTAL_PHASE_CLASS = "o_order_portal_phase"  # one <li> per phase on /my/deliveries/<id>
# web client defaults (relational_model.js DEFAULT_LIMIT, DEFAULT_COUNT_LIMIT; list groups)
LIST_LIMIT, COUNT_LIMIT, GROUP_LIMIT, SUBVIEW_LIMIT = 80, 10000, 80, 40
HINT = "Build one with: bash scripts/odoo_demo.sh --db NAME (see its header)"

# Odoo 18 field widgets that make the client read more fields: `fieldDependencies`
# (mail list_activity.js, project_task_name_with_subtask_count_char_field.js,
# project_task_state_selection.js, web image_field.js; dates: datetime_field.js below).
WIDGET_DEPENDENCIES: dict[str, list[tuple[str, str]]] = {
    "list_activity": [
        ("activity_exception_decoration", "selection"),
        ("activity_exception_icon", "char"),
        ("activity_state", "selection"),
        ("activity_summary", "char"),
        ("activity_type_icon", "char"),
        ("activity_type_id", "many2one"),
    ],
    "name_with_subtask_count": [("subtask_count", "integer"), ("closed_subtask_count", "integer")],
    "project_task_state_selection": [("project_id", "many2one")],
    "image": [("write_date", "datetime")],
}
DATE_WIDGETS = {"date", "datetime", "daterange"}  # start_date_field / end_date_field options
# x2many widgets whose records are read with `relatedFields`: the display name, and the
# color field when the options name one (web many2many_tags_field.js and its avatar kinds)
TAGS_WIDGETS = {
    "many2many_tags",
    "many2many_tags_avatar",
    "many2many_avatar_user",
    "many2many_avatar_employee",
    "many2many_avatar_resource",
}
X2MANY = ("one2many", "many2many")


class BenchError(RuntimeError):
    """Why the benchmark cannot go on: a failed login, a missing demo record."""


class EmptyPage(BenchError):
    """A measured page shows no record: its time would say nothing."""


class Unreachable(BenchError):
    """Nothing answers HTTP at the URL."""


# ---------------------------------------------------------------------------- figures


@dataclass
class Measurement:
    """One timed page: its samples in ms (the warm-up excluded) and the records it showed."""

    key: str
    what: str
    login: str
    calls: int
    records: int
    samples_ms: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return float(statistics.median(self.samples_ms))

    @property
    def max_ms(self) -> float:
        return max(self.samples_ms)

    def figures(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "calls": self.calls,
            "records": self.records,
            "median_ms": round(self.median_ms, 1),
            "max_ms": round(self.max_ms, 1),
        }


def measure(
    key: str, what: str, login: str, calls: int, run: Callable[[], int], repeat: int
) -> Measurement:
    """One warm-up `run`, then `repeat` timed ones; `run` returns the records it shows, which
    must be there (a benchmark of empty pages measures nothing)."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    records = run()
    if records <= 0:
        raise EmptyPage(f"{what} (as {login}) shows no record: nothing to measure")
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        records = run()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return Measurement(key, what, login, calls, records, samples)


def format_table(measurements: list[Measurement]) -> str:
    """The measurements as a fixed-width table, one row each."""
    width = max([len("what")] + [len(m.what) for m in measurements])
    lines = [
        f"{'what':<{width}}  {'login':<10} {'calls':>5} {'records':>7} {'median ms':>10} {'max ms':>9}"
    ]
    for m in measurements:
        lines.append(
            f"{m.what:<{width}}  {m.login:<10} {m.calls:>5} {m.records:>7} "
            f"{m.median_ms:>10.1f} {m.max_ms:>9.1f}"
        )
    return "\n".join(lines)


def format_replan(replan: dict[str, Any]) -> str:
    """The re-optimization's times, one line each; figures Odoo did not record say so."""

    def seconds(value: float | None) -> str:
        return "not recorded" if value is None else f"{value:8.2f} s"

    lines = [
        f"re-optimization ({replan['login']}): run {replan['run']} {replan['state']}, "
        f"{replan['applied']} tasks of {replan['orders']} orders written back",
        f"  {'total, click to applied':<40}{seconds(replan['total_s'])}",
        f"  {'queued until sent to the optimizer':<40}{seconds(replan['dispatch_s'])}",
        f"  {'optimizer: read (figures.read_seconds)':<40}{seconds(replan['read_s'])}"
        + (f"  ({replan['read_calls']} calls)" if replan.get("read_calls") else ""),
        f"  {'optimizer: solve (figures.solve_seconds)':<40}{seconds(replan['solve_s'])}",
        f"  {'optimizer: write back':<40}{seconds(replan['write_back_s'])}",
        f"  {'optimizer: rest (map, write back, HTTP)':<40}{seconds(replan['rest_s'])}",
    ]
    return "\n".join(lines)


def summary_json(
    url: str,
    db: str,
    repeat: int,
    measurements: list[Measurement],
    portal: dict[str, Any] | None,
    replan: dict[str, Any] | None,
) -> str:
    """The one JSON line: every measurement under its key, the portal customer, the replan."""
    figures: dict[str, Any] = {"url": url, "db": db, "repeat": repeat}
    figures["pages"] = {m.key: m.figures() for m in measurements}
    figures["portal_customer"] = portal
    figures["replan"] = replan
    return json.dumps(figures, ensure_ascii=False, sort_keys=False)


# ---------------------------------------------------------------------------- expressions
# Contexts, domains and options in views are Python expressions the client evaluates with
# py.js; the few shapes views use are evaluated here, without eval().

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}


def evaluate(node: ast.AST, names: dict[str, Any]) -> Any:  # noqa: C901 - one case per node kind
    """The value of a view expression; ValueError for what py.js would need more to evaluate."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body, names)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ValueError(f"unknown name {node.id}")
        return names[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [evaluate(item, names) for item in node.elts]
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ValueError("** in a dict")
        return {
            evaluate(k, names): evaluate(v, names)
            for k, v in zip(node.keys, node.values)  # type: ignore[arg-type]
        }
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not evaluate(node.operand, names)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -evaluate(node.operand, names)
    if isinstance(node, ast.BoolOp):
        values = [evaluate(v, names) for v in node.values]
        if isinstance(node.op, ast.And):
            return all(values) and values[-1]
        return next((v for v in values if v), values[-1])
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = evaluate(node.left, names), evaluate(node.comparators[0], names)
        return _COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.IfExp):
        branch = node.body if evaluate(node.test, names) else node.orelse
        return evaluate(branch, names)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and not node.keywords
        and 1 <= len(node.args) <= 2
    ):
        owner = evaluate(node.func.value, names)
        if not isinstance(owner, dict):
            raise ValueError(".get on a non-dict")
        args = [evaluate(a, names) for a in node.args]
        return owner.get(*args)
    raise ValueError(f"unsupported expression {type(node).__name__}")


def evaluate_expr(text: str, names: dict[str, Any] | None = None) -> Any:
    """A view expression (domain, options) evaluated in `names`."""
    return evaluate(ast.parse(text.strip(), mode="eval"), names or {})


def eval_partial_context(text: str, names: dict[str, Any]) -> dict[str, Any]:
    """web/core/context.js evalPartialContext: the keys of a context expression whose value
    only uses known names; the others (record values, ``parent``) are left out."""
    tree = ast.parse(text.strip(), mode="eval").body
    if not isinstance(tree, ast.Dict):
        raise ValueError(f"a context is a dict, not {text!r}")
    context = {}
    for key, value in zip(tree.keys, tree.values):
        if key is None:
            continue
        used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        if used - set(names):
            continue
        try:
            context[evaluate(key, names)] = evaluate(value, names)
        except (ValueError, TypeError, AttributeError):
            continue  # py.js cannot evaluate it either: the client drops the key too
    return context


def normalize_domain(domain: list[Any]) -> list[Any]:
    """A domain with its implicit '&' made explicit (Odoo's expression.normalize_domain)."""
    if not domain:
        return []
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            token = list(token)
        else:
            expected += {"!": 1, "&": 2, "|": 2}.get(token, 0) - 1
        result.append(token)
    return result


def and_domains(*domains: list[Any]) -> list[Any]:
    """The AND of domains in prefix form, as web/core/domain.js Domain.and(...).toList() gives."""
    parts = [normalize_domain(d) for d in domains if d]
    if not parts:
        return []
    return ["&"] * (len(parts) - 1) + [token for part in parts for token in part]


# ---------------------------------------------------------------------------- specification


def combine_modifiers(first: str | None, second: str | None, operator: str) -> str | None:
    """relational_model/utils.js combineModifiers, for invisible expressions."""
    if operator == "AND":
        if not first or first == "False" or not second or second == "False":
            return "False"
        if first == "True":
            return second
        if second == "True":
            return first
        return f"({first}) and ({second})"
    if first == "True" or second == "True":
        return "True"
    if not first or first == "False":
        return second
    if not second or second == "False":
        return first
    return f"({first}) or ({second})"


def _options(node: ET.Element) -> dict[str, Any]:
    text = node.get("options")
    if not text:
        return {}
    try:
        value = evaluate_expr(text)
    except (ValueError, SyntaxError):
        return {}
    return value if isinstance(value, dict) else {}


def _order_by(text: str | None) -> list[tuple[str, bool]]:
    """search/utils/order_by.js stringToOrderBy: [(field, ascending)]."""
    order = []
    for part in (text or "").split(","):
        words = part.split()
        if words:
            order.append((words[0], not (len(words) > 1 and words[1].lower() == "desc")))
    return order


def order_to_string(order: list[tuple[str, bool]]) -> str:
    """search/utils/order_by.js orderByToString."""
    return ", ".join(f"{name} {'ASC' if asc else 'DESC'}" for name, asc in order)


def field_nodes(root: ET.Element, view_type: str) -> list[ET.Element]:
    """The <field> nodes of a view, not those of the sub-views inside a field, in document
    order; a list view does not look inside its buttons, header, control and groupby nodes."""
    stop = {"button", "header", "control", "groupby"} if view_type == "list" else set()
    found: list[ET.Element] = []

    def visit(node: ET.Element) -> None:
        for child in node:
            if child.tag == "field":
                found.append(child)
            elif child.tag not in stop:
                visit(child)

    visit(root)
    return found


def _make_active(context: str | None = None, invisible: str | None = None) -> dict[str, Any]:
    return {"context": context or "{}", "invisible": invisible or "False", "related": None}


def _patch_active(active: dict[str, Any], patch: dict[str, Any]) -> None:
    """patchActiveFields: a field shown twice is invisible only when both say so; the first
    node's context stays."""
    active["invisible"] = combine_modifiers(active["invisible"], patch["invisible"], "AND")
    if patch.get("related"):
        related = active["related"] or {"active": {}, "fields": {}}
        for name, sub in patch["related"]["active"].items():
            if name in related["active"]:
                _patch_active(related["active"][name], sub)
            else:
                related["active"][name] = dict(sub)
        related["fields"].update(patch["related"]["fields"])
        active["related"] = related
    for key in ("limit", "order"):
        if patch.get(key) is not None:
            active[key] = patch[key]


def _add_dependencies(
    active: dict[str, Any], fields: dict[str, Any], deps: list[dict[str, Any]]
) -> None:
    """addFieldDependencies: fields a widget reads besides its own."""
    for dep in deps:
        extra = _make_active(invisible=dep.get("invisible"))
        if dep["type"] in X2MANY:
            extra["related"] = {"active": {}, "fields": {}}
        if dep["name"] in active:
            _patch_active(active[dep["name"]], extra)
        else:
            active[dep["name"]] = extra
        fields.setdefault(dep["name"], {"name": dep["name"], "type": dep["type"]})


def _widget_dependencies(node: ET.Element, ftype: str) -> list[dict[str, Any]]:
    widget = node.get("widget") or ""
    deps = [{"name": n, "type": t} for n, t in WIDGET_DEPENDENCIES.get(widget, [])]
    if widget in DATE_WIDGETS or (not widget and ftype in ("date", "datetime")):
        options = _options(node)
        # datetime_field.js: the other end of a range, with this node's attributes
        other = options.get("start_date_field") or options.get("end_date_field")
        if other:
            deps.append({"name": other, "type": ftype, "invisible": node.get("invisible")})
    return deps


def _subview_info(
    node: ET.Element, models: dict[str, Any], relation: str
) -> tuple[str | None, dict[str, Any]]:
    """The view mode an x2many field shows its records in, and the arch infos of its inline
    sub-views (Field.parseFieldNode, desktop: list before kanban)."""
    widget = node.get("widget") or ""
    views: dict[str, Any] = {}
    mode = None
    if widget in TAGS_WIDGETS:
        related = [{"name": "display_name", "type": "char"}]
        color = _options(node).get("color_field")
        if color:
            related.append({"name": color, "type": "integer"})
        views["default"] = {"nodes": related, "fields": {f["name"]: f for f in related}}
        mode = "default"
    elif relation in models:
        sub_fields = models[relation]["fields"]
        for child in node:
            if child.tag not in ("list", "kanban", "form"):
                continue
            order = _order_by(child.get("default_order"))
            nodes = field_nodes(child, "list" if child.tag == "list" else child.tag)
            handle = next((n.get("name") for n in nodes if n.get("widget") == "handle"), None)
            if not order and handle and child.tag == "list":
                order = [(handle, True), ("id", True)]
            limit = child.get("limit")
            views[child.tag] = {
                "nodes": nodes,
                "fields": sub_fields,
                "limit": int(limit) if limit else SUBVIEW_LIMIT,
                "order": order_to_string(order),
            }
        wanted = node.get("mode")
        if wanted:
            mode = "list" if "," in wanted else wanted
        elif "list" in views:
            mode = "list"
        elif "kanban" in views:
            mode = "kanban"
    return mode, views


def active_fields(
    nodes: list[Any], fields: dict[str, Any], models: dict[str, Any], view_type: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """extractFieldsFromArchInfo: per field its context, invisible expression and, for an
    x2many, the active fields of the records it shows."""
    fields = dict(fields)
    active: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if isinstance(node, dict):  # a widget's relatedFields entry
            name, entry = node["name"], _make_active()
            deps: list[dict[str, Any]] = []
        else:
            name = node.get("name")
            if name not in fields:
                raise BenchError(f"the {view_type} view shows {name!r}, unknown to its model")
            ftype = fields[name]["type"]
            invisible = node.get("invisible")
            column = node.get("column_invisible")
            if column == "True":
                invisible = "True"
            elif invisible is None and fields[name].get("invisible"):
                invisible = "True"
            entry = _make_active(node.get("context"), combine_modifiers(invisible, column, "OR"))
            deps = _widget_dependencies(node, ftype)
            if ftype in X2MANY:
                entry["related"] = {"active": {}, "fields": {}}
                mode, views = _subview_info(node, models, fields[name].get("relation", ""))
                shown = views.get(mode) if mode else None
                if shown:
                    sub_active, sub_fields = active_fields(
                        shown["nodes"], shown["fields"], models, mode or "list"
                    )
                    entry["related"] = {"active": sub_active, "fields": sub_fields}
                    entry["limit"] = shown.get("limit")
                    entry["order"] = shown.get("order")
                    if "form" in views and mode != "form":
                        form_active, form_fields = active_fields(
                            views["form"]["nodes"], views["form"]["fields"], models, "form"
                        )
                        for sub_name, sub in form_active.items():
                            entry["related"]["active"].setdefault(
                                sub_name, dict(sub, invisible="True")
                            )
                        entry["related"]["fields"].update(form_fields)
        if name in active:
            _patch_active(active[name], entry)
        else:
            active[name] = entry
        _add_dependencies(active, fields, deps)
    return active, fields


def fields_spec(
    active: dict[str, Any], fields: dict[str, Any], names: dict[str, Any]
) -> dict[str, Any]:
    """getFieldsSpec: the `specification` of web_search_read / web_read; `names` is what the
    client evaluates field contexts with."""
    spec: dict[str, Any] = {}
    properties = []
    for name, info in active.items():
        definition = fields[name]
        if definition.get("relatedPropertyField"):
            continue
        always_invisible = info["invisible"] in ("True", "1")
        entry: dict[str, Any] = {}
        ftype = definition["type"]
        if ftype in X2MANY and info.get("related") and not always_invisible:
            related = info["related"]
            entry["fields"] = fields_spec(related["active"], related["fields"], names)
            context = _field_context(info, definition, names)
            if context:
                entry["context"] = context
            if info.get("limit") is not None:
                entry["limit"] = info["limit"]
            if info.get("order") is not None:
                entry["order"] = info["order"]
        elif ftype in ("many2one", "reference"):
            entry["fields"] = {}
            if not always_invisible:
                entry["fields"]["display_name"] = {}
                context = _field_context(info, definition, names)
                if context:
                    entry["context"] = context
        elif ftype == "properties":
            properties.append(name)
        spec[name] = entry
    for name in properties:
        owner = spec.get(fields[name].get("definition_record") or "")
        if owner is not None:
            owner.setdefault("fields", {})["display_name"] = {}
    return spec


def _field_context(
    info: dict[str, Any], definition: dict[str, Any], names: dict[str, Any]
) -> dict[str, Any]:
    text = info["context"]
    if not text or text == "{}":
        return dict(definition.get("context") or {})
    return eval_partial_context(text, names)


def view_spec(
    arch: str, model: str, models: dict[str, Any], view_type: str, names: dict[str, Any]
) -> dict[str, Any]:
    """The specification the web client reads a list or form view's records with."""
    root = ET.fromstring(arch)
    fields = models[model]["fields"]
    active, all_fields = active_fields(field_nodes(root, view_type), fields, models, view_type)
    if view_type == "form":  # form_controller.js: the breadcrumb's display name
        _add_dependencies(active, all_fields, [{"name": "display_name", "type": "char"}])
    return fields_spec(active, all_fields, names)


def list_order(arch: str) -> str:
    """The order a list view opens with: its default_order, else its handle field's."""
    root = ET.fromstring(arch)
    order = _order_by(root.get("default_order"))
    if not order:
        handle = next(
            (n.get("name") for n in field_nodes(root, "list") if n.get("widget") == "handle"),
            None,
        )
        order = [(handle, True), ("id", True)] if handle else []
    return order_to_string(order)


def filter_domain(search_arch: str, name: str, names: dict[str, Any]) -> list[Any]:
    """The domain of the search view's filter `name`."""
    for node in ET.fromstring(search_arch).iter("filter"):
        if node.get("name") == name:
            return evaluate_expr(node.get("domain") or "[]", names)
    raise BenchError(f"the search view has no filter {name!r}: is order_project up to date?")


# ---------------------------------------------------------------------------- portal pages


def csrf_token(html: str) -> str:
    """The CSRF token of Odoo's login form (`odoo_web.csrf_token`), as a BenchError."""
    try:
        return odoo_web.csrf_token(html)
    except odoo_web.LoginFormError as error:
        raise BenchError(str(error)) from None


def count_class(html: str, css_class: str) -> int:
    """How many elements of a page carry `css_class`."""
    return len(re.findall(r'class="[^"]*\b' + re.escape(css_class) + r'\b[^"]*"', html))


def first_order_id(html: str) -> int | None:
    """The first order linked from the /my/deliveries list."""
    for tag in re.findall(r"<a\b[^>]*>", html):
        href = re.search(r'href="/my/deliveries/(\d+)"', tag)
        if href and "o_order_portal_delivery_link" in tag:
            return int(href.group(1))
    return None


# ---------------------------------------------------------------------------- HTTP


class OdooWeb:
    """One browser session: JSON-RPC as the web client sends it, pages as a browser gets them."""

    def __init__(self, url: str, db: str, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.db = db
        self.http = requests.Session()
        self.timeout = (5.0, timeout)
        self.login = ""
        self.context: dict[str, Any] = {}
        self.company_id: int | None = None
        self._id = 0

    def _post(self, route: str, params: dict[str, Any]) -> Any:
        self._id += 1
        body = {"id": self._id, "jsonrpc": "2.0", "method": "call", "params": params}
        try:
            response = self.http.post(self.url + route, json=body, timeout=self.timeout)
        except requests.ConnectionError:
            raise Unreachable(f"no Odoo answers at {self.url} (connection failed)") from None
        if response.status_code != 200:
            raise BenchError(f"{route} as {self.login or '?'}: HTTP {response.status_code}")
        answer = response.json()
        if "error" in answer:
            data = answer["error"].get("data") or {}
            message = data.get("message") or answer["error"].get("message")
            raise BenchError(f"{route} as {self.login or '?'}: {message}")
        return answer["result"]

    def authenticate(self, login: str, password: str) -> None:
        """A back-office session; the user context the client sends with every call."""
        try:
            result = self._post(
                "/web/session/authenticate",
                {"db": self.db, "login": login, "password": password},
            )
        except Unreachable:
            raise
        except BenchError as error:
            reason = str(error).split(": ", 1)[-1]
            raise BenchError(
                f"login {login!r} failed on {self.url} (database {self.db}): "
                f"{reason.rstrip('.')}. Is it a demo database? {HINT}"
            ) from None
        self.login = login
        self.company_id = result["user_companies"]["current_company"]
        self.context = {**result["user_context"], "allowed_company_ids": [self.company_id]}

    def call_kw(self, model: str, method: str, args: list[Any], **kwargs: Any) -> Any:
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
        return self._post(f"/web/dataset/call_kw/{model}/{method}", params)

    def call_button(self, model: str, method: str, ids: list[int]) -> Any:
        params = {
            "args": [ids],
            "kwargs": {"context": dict(self.context)},
            "method": method,
            "model": model,
        }
        return self._post(f"/web/dataset/call_button/{model}/{method}", params)

    def load_action(self, xmlid: str) -> dict[str, Any]:
        action = self._post("/web/action/load", {"action_id": xmlid, "context": self.context})
        if not action:
            raise BenchError(f"no action {xmlid} in {self.db}: is order_project installed?")
        return action

    def get_views(self, action: dict[str, Any]) -> dict[str, Any]:
        """get_views as view_service.js calls it for an action."""
        views = [list(v) for v in action["views"]]
        search = action.get("search_view_id")
        views.append([search[0] if isinstance(search, list) else search or False, "search"])
        options = {
            "action_id": action.get("id") or False,
            "embedded_action_id": False,
            "embedded_parent_res_id": False,
            "load_filters": True,
            "toolbar": True,
        }
        return self.call_kw(
            action["res_model"], "get_views", [], context=self.context, views=views, options=options
        )

    def portal_login(self, login: str, password: str) -> None:
        """A portal session through the login form, its CSRF token and the session cookie."""
        try:
            odoo_web.form_login(self.http, self.url, self.db, login, password, self.timeout)
        except requests.ConnectionError:
            raise Unreachable(f"no Odoo answers at {self.url} (connection failed)") from None
        except odoo_web.LoginFormError as error:
            raise BenchError(str(error)) from None
        try:
            info = self._post("/web/session/get_session_info", {})
        except Unreachable:
            raise
        except BenchError:
            info = {}
        if not info.get("uid"):
            raise BenchError(
                f"portal login {login!r} failed on {self.url}/web/login (database {self.db}). "
                f"Is it a demo database? {HINT}"
            )
        self.login = login

    def page(self, path: str) -> str:
        """A portal page; a redirect (to /my or the login) means the page was refused, except
        the one to the same page in the customer's language (``/zh_CN/my/...``), followed."""
        response = self.http.get(self.url + path, timeout=self.timeout, allow_redirects=False)
        where = response.headers.get("Location", "").removeprefix(self.url)
        if response.is_redirect and re.fullmatch(r"/[a-z]{2}(_[A-Z]{2})?" + re.escape(path), where):
            response = self.http.get(self.url + where, timeout=self.timeout, allow_redirects=False)
        if response.status_code != 200:
            where = response.headers.get("Location", "")
            raise BenchError(f"GET {path} as {self.login}: HTTP {response.status_code} {where}")
        return response.text


# ---------------------------------------------------------------------------- the pages


@dataclass
class ListRead:
    """One list view read as the client does it: its model, domain, specification, order."""

    model: str
    domain: list[Any]
    spec: dict[str, Any]
    order: str
    limit: int
    context: dict[str, Any]
    group_by: str | None = None
    aggregates: list[str] = field(default_factory=list)

    def run(self, web: OdooWeb) -> int:
        """The call(s) that fill the list; returns the rows (groups when grouped) shown."""
        if self.group_by:
            result = web.call_kw(
                self.model,
                "web_read_group",
                [],
                domain=self.domain,
                fields=self.aggregates,
                groupby=[self.group_by],
                orderby="",
                lazy=True,
                offset=0,
                limit=GROUP_LIMIT,
                context=self.context,
            )
            return len(result["groups"])
        result = web.call_kw(
            self.model,
            "web_search_read",
            [],
            specification=self.spec,
            offset=0,
            order=self.order,
            limit=self.limit,
            context={"bin_size": True, **self.context},
            count_limit=max(COUNT_LIMIT, self.limit) + 1,
            domain=self.domain,
        )
        return len(result["records"])


def list_read(
    web: OdooWeb,
    action: dict[str, Any],
    views: dict[str, Any],
    extra_context: dict[str, Any] | None = None,
    extra_domain: list[Any] | None = None,
) -> ListRead:
    """What the client reads to show `action`'s list view (relational_model.js _loadData)."""
    arch = views["views"]["list"]["arch"]
    model = action["res_model"]
    raw_context = action.get("context") or {}
    if isinstance(raw_context, str):
        raw_context = eval_partial_context(raw_context, {**web.context, "context": web.context})
    group_by = raw_context.get("group_by") or ET.fromstring(arch).get("default_group_by")
    if isinstance(group_by, list):
        group_by = group_by[0] if group_by else None
    # the search model keeps search defaults for itself; the list gets the rest
    context = {k: v for k, v in raw_context.items() if not k.startswith("search_default_")}
    context = {**web.context, **context, **(extra_context or {})}
    context["current_company_id"] = web.company_id
    domain = action.get("domain") or []
    if isinstance(domain, str):
        domain = evaluate_expr(domain, {**web.context, "context": context})
    spec = view_spec(arch, model, views["models"], "list", context)
    fields = views["models"][model]["fields"]
    aggregates = [
        f"{name}:{fields[name]['aggregator']}"
        for name in spec
        if fields[name].get("aggregator") and name != group_by
    ]
    limit = int(ET.fromstring(arch).get("limit") or action.get("limit") or LIST_LIMIT)
    return ListRead(
        model=model,
        domain=and_domains(domain, extra_domain or []),
        spec=spec,
        order=list_order(arch),
        limit=limit,
        context=context,
        group_by=group_by or None,
        aggregates=aggregates,
    )


def bench_back_office(url: str, db: str, repeat: int) -> list[Measurement]:
    """The four back-office measurements, each as its role."""
    pm = OdooWeb(url, db)
    pm.authenticate("pm", DEMO_PASSWORD)
    action = pm.load_action(DELIVERY_ACTION)
    views = pm.get_views(action)
    return [
        projects_list(pm, action, views, repeat),
        project_form(pm, views, repeat),
        order_tasks(url, db, repeat),
        late_projects(url, db, repeat),
    ]


def projects_list(
    web: OdooWeb, action: dict[str, Any], views: dict[str, Any], repeat: int
) -> Measurement:
    """The menu's delivery projects list."""
    projects = list_read(web, action, views)
    what = "delivery projects list" + (" (grouped)" if projects.group_by else "")
    return measure("projects_list", what, web.login, 1, lambda: projects.run(web), repeat)


def project_form(web: OdooWeb, views: dict[str, Any], repeat: int) -> Measurement:
    """The form of the delivery project with the most tasks."""
    project_id, tasks = busiest_project(web)
    # form_view.js reads with bin_size; getBasicEvalContext evaluates the field contexts
    context = {**web.context, "bin_size": True}
    names = {
        "context": web.context,
        "uid": web.context.get("uid"),
        "allowed_company_ids": web.context.get("allowed_company_ids"),
        "current_company_id": web.company_id,
    }
    arch = views["views"]["form"]["arch"]
    spec = view_spec(arch, "project.project", views["models"], "form", names)

    def read_form() -> int:
        args = [[project_id]]
        return len(
            web.call_kw("project.project", "web_read", args, context=context, specification=spec)
        )

    what = f"project form ({tasks} tasks)"
    return measure("project_form", what, web.login, 1, read_form, repeat)


def late_projects(url: str, db: str, repeat: int) -> Measurement:
    """The manager's delivery projects list with the "Late Orders" filter on."""
    manager = OdooWeb(url, db)
    manager.authenticate("manager", DEMO_PASSWORD)
    action = manager.load_action(DELIVERY_ACTION)
    views = manager.get_views(action)
    late = filter_domain(views["views"]["search"]["arch"], LATE_FILTER, manager.context)
    late_list = list_read(manager, action, views, extra_domain=late)
    what = "late projects (filter Late Orders)"
    return measure("late_projects", what, manager.login, 1, lambda: late_list.run(manager), repeat)


def busiest_project(web: OdooWeb) -> tuple[int, int]:
    """The delivery project with the most tasks (archived ones too) and its task count."""
    groups = web.call_kw(
        "project.task",
        "read_group",
        [[["project_id.order_sale_order_id", "!=", False]], ["project_id"], ["project_id"]],
        context={**web.context, "active_test": False},
    )
    counted = [(g["project_id_count"], g["project_id"][0]) for g in groups if g["project_id"]]
    if not counted:
        raise BenchError(f"no delivery project with tasks in {web.db}: {HINT}")
    tasks, project_id = max(counted)
    return project_id, tasks


def order_tasks(url: str, db: str, repeat: int) -> Measurement:
    """The salesperson's order with the most delivery tasks: its "WBS Tasks" button and list."""
    sales = OdooWeb(url, db)
    sales.authenticate("sales", DEMO_PASSWORD)
    orders = sales.call_kw(
        "sale.order",
        "search_read",
        [[["delivery_project_ids", "!=", False]]],
        fields=["name", "delivery_task_count"],
        context=sales.context,
    )
    if not orders:
        raise BenchError(f"the salesperson 'sales' has no order with a delivery in {db}: {HINT}")
    order = max(orders, key=lambda o: (o["delivery_task_count"], -o["id"]))
    action = sales.call_button("sale.order", ORDER_TASKS_BUTTON, [order["id"]])
    views = sales.get_views(action)
    # action_service.js: an action from a record's button runs with the record as active one
    active = {"active_model": "sale.order", "active_id": order["id"], "active_ids": [order["id"]]}
    tasks = list_read(sales, action, views, extra_context=active)

    def open_tasks() -> int:
        sales.call_button("sale.order", ORDER_TASKS_BUTTON, [order["id"]])
        return tasks.run(sales)

    what = f"order tasks ({order['name']}: button + list)"
    return measure("order_tasks", what, sales.login, 2, open_tasks, repeat)


def portal_customer(url: str, db: str) -> dict[str, Any]:
    """The portal user whose customer has the most orders (asked as admin)."""
    admin = OdooWeb(url, db)
    admin.authenticate("admin", "admin")
    users = admin.call_kw(
        "res.users",
        "search_read",
        [[["share", "=", True], ["login", "=like", "portal%"]]],
        fields=["login", "commercial_partner_id"],
        context=admin.context,
    )
    if not users:
        raise BenchError(f"no portal user (portal1..4) in {db}: {HINT}")
    best = None
    for user in users:
        partner_id, partner = user["commercial_partner_id"]
        orders = admin.call_kw(
            "sale.order",
            "search_count",
            [[["partner_id", "child_of", [partner_id]]]],
            context=admin.context,
        )
        if best is None or orders > best["orders"]:
            best = {"login": user["login"], "customer": partner, "orders": orders}
    assert best is not None
    if not best["orders"]:
        raise BenchError(f"no portal customer of {db} has an order: {HINT}")
    return best


def bench_portal(url: str, db: str, repeat: int, customer: dict[str, Any]) -> list[Measurement]:
    """/my/deliveries and its first order's page, as the portal user."""
    web = OdooWeb(url, db)
    web.portal_login(customer["login"], DEMO_PASSWORD)
    listing = web.page(PORTAL_LIST)
    order_id = first_order_id(listing)
    if order_id is None:
        raise EmptyPage(f"{PORTAL_LIST} of {customer['login']} lists no order: nothing to open")
    detail = f"{PORTAL_LIST}/{order_id}"
    return [
        measure(
            "portal_list",
            f"portal {PORTAL_LIST}",
            web.login,
            1,
            lambda: count_class(web.page(PORTAL_LIST), PORTAL_ROW_CLASS),
            repeat,
        ),
        measure(
            "portal_detail",
            f"portal {detail} (phases)",
            web.login,
            1,
            lambda: count_class(web.page(detail), PORTAL_PHASE_CLASS),
            repeat,
        ),
    ]


RUN_FIELDS = ["name", "state", "figures", "applied_count", "order_count", "message"]


def bench_replan(url: str, db: str, timeout: float, poll: float = 0.25) -> dict[str, Any]:
    """One re-optimization of all open orders, click to applied, as the planner."""
    planner = OdooWeb(url, db)
    planner.authenticate("planner", DEMO_PASSWORD)
    t0 = time.perf_counter()
    action = planner.call_kw(
        "order.planning.run", "action_reoptimize_all", [], context=planner.context
    )
    run_id = action["res_id"]
    sent = None
    row: dict[str, Any] = {}
    while time.perf_counter() - t0 < timeout:
        (row,) = planner.call_kw(
            "order.planning.run", "read", [[run_id], RUN_FIELDS], context=planner.context
        )
        if sent is None and row["state"] != "queued":
            sent = time.perf_counter() - t0
        if row["state"] in ("done", "failed"):
            break
        time.sleep(poll)
    total = time.perf_counter() - t0
    if row.get("state") != "done":
        raise BenchError(
            f"planning run {row.get('name', run_id)} is {row.get('state')} after {total:.0f} s: "
            f"{row.get('message') or 'see the run in Odoo'}"
        )
    return replan_figures(row, planner.login, total, sent)


def replan_figures(
    row: dict[str, Any], login: str, total: float, sent: float | None
) -> dict[str, Any]:
    """The run's times: observed here (total; dispatch, to the poll's precision) and recorded
    by the optimizer (read, solve). The optimizer starts reading before the run is seen sent,
    so rest_s (map, write-back, HTTP) is a lower bound."""
    figures = row.get("figures") or {}
    read, solve = figures.get("read_seconds"), figures.get("solve_seconds")
    rest = None
    if sent is not None and read is not None and solve is not None:
        rest = max(0.0, total - sent - read - solve)
    return {
        "login": login,
        "run": row["name"],
        "state": row["state"],
        "orders": row.get("order_count"),
        "applied": row.get("applied_count"),
        "total_s": round(total, 3),
        "dispatch_s": None if sent is None else round(sent, 3),
        "read_s": read,
        "read_calls": figures.get("read_calls"),
        "solve_s": solve,
        # order_planning_run.py stores read and solve times only; the write-back's is in rest_s
        "write_back_s": None,
        "rest_s": None if rest is None else round(rest, 3),
    }


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069", help="Odoo's address")
    parser.add_argument("--db", default="order_demo", help="the demo database")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--replan", action="store_true", help="also time one re-optimization")
    parser.add_argument(
        "--replan-timeout", type=float, default=900.0, help="seconds to wait for the run"
    )
    parser.add_argument("--json-only", action="store_true", help="print the JSON line only")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: at least 1")
    if args.replan_timeout <= 0:
        parser.error(f"--replan-timeout {args.replan_timeout}: must be positive")
    if not re.match(r"^https?://", args.url):
        parser.error(f"--url {args.url}: an http:// or https:// address")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        measurements = bench_back_office(args.url, args.db, args.repeat)
        customer = portal_customer(args.url, args.db)
        measurements += bench_portal(args.url, args.db, args.repeat, customer)
        replan = bench_replan(args.url, args.db, args.replan_timeout) if args.replan else None
    except BenchError as error:
        print(f"bench_odoo_pages: {error}", file=sys.stderr)
        return 1 if isinstance(error, EmptyPage) else 2
    if not args.json_only:
        print(
            f"== {args.db} on {args.url}: median and max of {args.repeat} runs after one "
            "warm-up (loopback wall time) =="
        )
        print(format_table(measurements))
        print(
            f"portal customer: {customer['customer']} ({customer['login']}), "
            f"{customer['orders']} order{'' if customer['orders'] == 1 else 's'}"
        )
        if replan:
            print(format_replan(replan))
    print(summary_json(args.url, args.db, args.repeat, measurements, customer, replan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
