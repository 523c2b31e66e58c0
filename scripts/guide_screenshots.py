#!/usr/bin/env python
"""The user guide's screenshots (docs/guide.md, docs/guide.zh_CN.md), taken from a demo database.

    /opt/odoo18/venv/bin/python scripts/guide_screenshots.py [--url URL] [--db DB] [--out DIR]
        [--lang en|zh_CN|both] [--only NAME[,NAME...]] [--chromium PATH]

Run it with Odoo's own Python (``/opt/odoo18/venv/bin/python``): it needs ``requests`` and
``websocket-client`` (module ``websocket``), which Odoo 18's venv has; the repository's
``.venv`` does not. It needs a demo database made by ``scripts/odoo_demo.sh`` (default
``order_demo`` at http://127.0.0.1:8069; its logins ``admin``/``admin`` and ``manager``,
``planner``, ``sales``, ``pm``, ``portal1``... with the password ``demo``) and headless
Chromium (``/usr/bin/chromium``).

What it does: picks the records to show over JSON-RPC as admin (the latest applied planning
run, its latest order with a "Why late" text, the salesperson's quotation, the first portal
customer with an order still in delivery); installs Chinese (``zh_CN``) into the database when it is not yet
(``base.language.install``); then for each language sets the demo users' language, logs each
role in with a real session (``POST /web/login`` with the CSRF token) and drives Chromium over
the DevTools protocol: session cookie, time zone Asia/Shanghai, a 1280x800 viewport (390x844
for phone shots), the page by URL, a wait until the web client has rendered and has no request
in flight, ``Page.captureScreenshot``. The files are ``<lang>-<NN>-<name>.png`` in ``--out``
(default docs/images/guide). The users' languages are restored at the end. It reads the demo,
it changes nothing in it but the users' languages while it runs (and Chinese, once installed,
stays installed); a portal user without a time zone gets the browser's on first login, as in
a real browser.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import websocket
from odoo_web import LoginFormError, form_login

ROOT = Path(__file__).resolve().parents[1]
TIMEZONE = "Asia/Shanghai"
DESKTOP = (1280, 800)
PHONE = (390, 844)
MAX_PNG_BYTES = 250_000
LANGS = {"en": "en_US", "zh_CN": "zh_CN"}
DONE = ["1_done", "1_canceled"]  # the closed task states
WHY_LATE = ("13-late-orders", "14-why-late")  # left out of a demo without a late order

# Counts the XMLHttpRequest/fetch calls in flight, so "rendered" means "and nothing left to load".
PENDING_COUNTER = """
(() => {
    window.__guidePending = 0;
    const track = (promise) => {
        window.__guidePending++;
        const done = () => { window.__guidePending--; };
        promise.then(done, done);
        return promise;
    };
    const fetch = window.fetch;
    window.fetch = function (...args) { return track(fetch.apply(this, args)); };
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (...args) {
        track(new Promise((resolve) => this.addEventListener("loadend", resolve)));
        return send.apply(this, args);
    };
})();
"""

# Odoo's own signs of work in progress: the web client's loading indicator and UI block, the
# sample data of a view still loading, the portal home's counter spinner.
BUSY = ".o_loading_indicator, .o_blockUI, .o_view_sample_data, .o_portal_doc_spinner"

READY = """
(() => {
    if (window.__guideOld || document.readyState !== "complete") return false;
    if (!document.querySelector(%(root)s)) return false;
    if (document.querySelector(%(busy)s)) return false;
    if ((window.__guidePending || 0) > 0) return false;
    if (document.fonts && document.fonts.status !== "loaded") return false;
    return [...document.images].every((img) => img.complete);
})()
"""

BACK_OFFICE = ".o_action_manager .o_view_controller"


class GuideError(Exception):
    """A failure worth one plain sentence to the person running the script."""


# ---------------------------------------------------------------------- Odoo over JSON-RPC
class Odoo:
    """The demo database as its administrator, over JSON-RPC."""

    def __init__(self, url: str, db: str, login: str, password: str) -> None:
        self.url, self.db, self.password = url.rstrip("/"), db, password
        self.http = requests.Session()
        self._refs: dict[str, int] = {}
        try:
            version = self._rpc("common", "version")
        except requests.ConnectionError as exc:
            raise GuideError(f"no Odoo answers at {self.url} ({exc.__class__.__name__})") from exc
        if not str(version.get("server_version", "")).startswith("18."):
            raise GuideError(f"{self.url} runs Odoo {version.get('server_version')}, not 18")
        try:
            self.uid = self._rpc("common", "login", db, login, password)
        except GuideError as exc:
            if "does not exist" in str(exc):
                raise GuideError(f"no database {db!r} on {self.url}") from exc
            raise
        if not self.uid:
            raise GuideError(f"{login!r} cannot log in to {db!r} on {self.url}")

    def _rpc(self, service: str, method: str, *args: Any) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "params": {}}
        body["params"] = {"service": service, "method": method, "args": list(args)}
        answer = self.http.post(f"{self.url}/jsonrpc", json=body, timeout=600).json()
        if "error" in answer:
            error = answer["error"].get("data", {}).get("message") or answer["error"]["message"]
            raise GuideError(f"{service}.{method}: {error}")
        return answer["result"]

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._rpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def ref(self, xmlid: str) -> int:
        if xmlid in self._refs:
            return self._refs[xmlid]
        module, name = xmlid.split(".")
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )
        if not rows:
            raise GuideError(f"{xmlid} is not in {self.db!r}: are both addons installed?")
        self._refs[xmlid] = rows[0]["res_id"]
        return self._refs[xmlid]


def web_login(url: str, db: str, login: str, password: str) -> str:
    """A real web session for ``login`` (the login form, `odoo_web.form_login`)."""
    with requests.Session() as web:
        web.cookies.set("tz", TIMEZONE)
        try:
            answer = form_login(web, url, db, login, password)
        except LoginFormError as error:
            raise GuideError(str(error)) from None
        session = web.cookies.get("session_id")
        if answer.status_code not in (302, 303) or not session:
            raise GuideError(f"{login!r} could not log in to {db!r} (HTTP {answer.status_code})")
        return session


# ---------------------------------------------------------------------- what to show
@dataclass
class Demo:
    """The records the guide shows, picked from whatever demo database it runs on."""

    project: int
    order: int
    late: bool
    critical_task: int
    run: int
    quotation: int | None
    bot_user: int
    bot_group: int
    planner_user: int
    planner_group: int
    portal_login: str
    portal_company: int
    portal_order: int


def _one(odoo: Odoo, model: str, domain: list[Any], order: str, what: str) -> int:
    ids = odoo.call(model, "search", domain, order=order, limit=1)
    if not ids:
        raise GuideError(
            f"{odoo.db!r} has no {what}: is it a demo database (scripts/odoo_demo.sh)?"
        )
    return ids[0]


def _open_orders(odoo: Odoo, order_ids: list[int]) -> set[int]:
    """The orders among ``order_ids`` whose delivery still has a task (not a phase) to do."""
    groups = odoo.call(
        "project.task",
        "read_group",
        [
            ("project_id.order_sale_order_id", "in", order_ids),
            ("child_ids", "=", False),
            ("state", "not in", DONE),
        ],
        ["project_id"],
        ["project_id"],
    )
    projects = [g["project_id"][0] for g in groups]
    rows = odoo.call("project.project", "read", projects, ["order_sale_order_id"])
    return {row["order_sale_order_id"][0] for row in rows}


def pick_demo(odoo: Odoo, logins: list[str]) -> Demo:
    users = odoo.call("res.users", "search_read", [("login", "in", logins)], fields=["login"])
    found = {user["login"]: user["id"] for user in users}
    missing = sorted(set(logins) - set(found))
    if missing:
        raise GuideError(f"{odoo.db!r} has no user {', '.join(missing)}: not a demo database?")
    run = _one(
        odoo,
        "order.planning.run",
        [("state", "=", "done")],
        "date_applied desc, id desc",
        "applied planning run",
    )
    project = pick_project(odoo, run)
    critical = project["order_critical_task_ids"] or odoo.call(
        "project.task",
        "search",
        [("project_id", "=", project["id"]), ("child_ids", "=", False)],
        order="planned_end desc",
        limit=1,
    )
    quotations = odoo.call(
        "sale.order",
        "search",
        [("state", "in", ["draft", "sent"]), ("user_id", "=", found["sales"])],
        order="id desc",
        limit=1,
    )
    bot_group = odoo.ref("order_project.group_order_optimizer_bot")
    bot = _one(odoo, "res.users", [("groups_id", "in", [bot_group])], "id", "optimizer bot user")
    portal_login, company, order = pick_portal_customer(odoo)
    return Demo(
        project=project["id"],
        order=project["order_sale_order_id"][0],
        late=project["order_is_late"],
        critical_task=critical[0],
        run=run,
        quotation=quotations[0] if quotations else None,
        bot_user=bot,
        bot_group=bot_group,
        planner_user=found["planner"],
        planner_group=odoo.ref("order_project.group_order_planner"),
        portal_login=portal_login,
        portal_company=company,
        portal_order=order,
    )


def pick_project(odoo: Odoo, run: int) -> dict[str, Any]:
    """The order the guide follows: the latest run's latest order, else any late order, else
    the open order with the most tasks to do (then the "why late" screens are left out).
    Orders with one delivery project come first: the order's WBS list is then one WBS."""
    fields = ["order_sale_order_id", "order_critical_task_ids", "order_is_late"]
    delivery = [("order_sale_order_id", "!=", False)]
    for domain in (
        [("order_is_late", "=", True), ("planning_run_ids", "in", [run])],
        [("order_is_late", "=", True)],
    ):
        rows = odoo.call(
            "project.project",
            "search_read",
            delivery + domain,
            fields=fields,
            order="order_lateness_hours desc",
            limit=50,
        )
        if rows:
            orders = list({row["order_sale_order_id"][0] for row in rows})
            counts = odoo.call("sale.order", "read", orders, ["delivery_project_count"])
            single = {row["id"] for row in counts if row["delivery_project_count"] == 1}
            return next((r for r in rows if r["order_sale_order_id"][0] in single), rows[0])
    groups = odoo.call(
        "project.task",
        "read_group",
        [("project_id.order_sale_order_id", "!=", False), ("state", "not in", DONE)],
        ["project_id"],
        ["project_id"],
        orderby="project_id_count desc",
        limit=1,
    )
    if not groups:
        raise GuideError(f"{odoo.db!r} has no delivery project with work to do")
    return odoo.call("project.project", "read", [groups[0]["project_id"][0]], fields)[0]


def pick_portal_customer(odoo: Odoo) -> tuple[str, int, int]:
    """The first demo portal login whose company follows an order still in delivery."""
    users = odoo.call(
        "res.users",
        "search_read",
        [("share", "=", True), ("login", "=like", "portal%")],
        fields=["login", "partner_id"],
        order="login",
    )
    fallback = None
    for user in users:
        (partner,) = odoo.call(
            "res.partner", "read", [user["partner_id"][0]], ["commercial_partner_id"]
        )
        company = partner["commercial_partner_id"][0]
        orders = odoo.call(
            "sale.order",
            "search",
            [
                ("message_partner_ids", "child_of", [company]),
                ("partner_id", "child_of", [company]),
                ("state", "=", "sale"),
                ("order_has_delivery", "=", True),
            ],
            order="date_order desc",
        )
        if not orders:
            continue
        in_delivery = _open_orders(odoo, orders)
        open_orders = [order for order in orders if order in in_delivery]
        if open_orders:
            return user["login"], company, open_orders[0]
        fallback = fallback or (user["login"], company, orders[0])
    if fallback is None:
        raise GuideError(f"{odoo.db!r} has no portal user with an order in delivery")
    return fallback


def install_chinese(odoo: Odoo) -> None:
    """Chinese (Simplified) in the database, through the Settings > Languages wizard."""
    langs = odoo.call(
        "res.lang",
        "search_read",
        [("code", "=", "zh_CN"), ("active", "in", [True, False])],
        fields=["active"],
    )
    if not langs:
        raise GuideError(f"{odoo.db!r} does not know the language zh_CN")
    if langs[0]["active"]:
        return
    print("installing Chinese (zh_CN) into the database (a minute or two)", flush=True)
    wizard = odoo.call("base.language.install", "create", {"lang_ids": [(6, 0, [langs[0]["id"]])]})
    odoo.call("base.language.install", "lang_install", [wizard])


# ---------------------------------------------------------------------- the screens
@dataclass
class Step:
    """JavaScript run on the rendered page, then a wait for ``ready`` (a CSS selector)."""

    script: str
    ready: str


@dataclass
class Shot:
    """One screenshot: who sees it, the page's URL path, what shows it is rendered, the
    clicks and scrolls after that, and the viewport (phone or desktop)."""

    name: str
    login: str
    path: str
    ready: str = BACK_OFFICE
    steps: list[Step] = field(default_factory=list)
    phone: bool = False
    debug: bool = False

    def url(self, base_url: str) -> str:
        """Back-office pages say their debug mode: Odoo keeps it in the session."""
        if not self.path.startswith("/odoo"):
            return base_url + self.path
        separator = "&" if "?" in self.path else "?"
        return f"{base_url}{self.path}{separator}debug={int(self.debug)}"


def click(selector: str) -> str:
    return f"document.querySelector({json.dumps(selector)}).click()"


def scroll_to(selector: str, up: str = "") -> str:
    """Scroll the element (``up``: then its ``.closest(up)``'s heading) to the top."""
    element = f"document.querySelector({json.dumps(selector)})"
    if up:
        element += f".closest({json.dumps(up)}).previousElementSibling"
    return f"{element}.scrollIntoView({{block: 'start'}})"


def scroll_to_group(group_id: int) -> str:
    """Scroll a user form's access rights to the field that grants ``group_id``."""
    return f"""
[...document.querySelectorAll('[name^="sel_groups_"], [name^="in_group_"]')]
    .find((el) => el.getAttribute("name").split("_").slice(2).includes("{group_id}"))
    .scrollIntoView({{block: "center"}})
"""


def search_for(text: str) -> str:
    """Clear the search facets and search ``text``, as typed in the search bar."""
    return f"""
(() => {{
    document.querySelectorAll(".o_searchview_facet .o_facet_remove").forEach((el) => el.click());
    const input = document.querySelector(".o_searchview_input");
    input.value = {json.dumps(text)};
    input.dispatchEvent(new Event("input", {{bubbles: true}}));
    input.dispatchEvent(new KeyboardEvent("keydown", {{key: "Enter", bubbles: true}}));
}})()
"""


def hide_columns(*names: str) -> str:
    """Untick optional list columns, as the list's column chooser does (it remembers them)."""
    return f"""
(async () => {{
    const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
    const toggle = document.querySelector(".o_optional_columns_dropdown_toggle");
    toggle.click();
    await pause();
    for (const name of {json.dumps(list(names))}) {{
        const box = document.querySelector(`.o-dropdown--menu input[name="${{name}}"]`);
        if (box && box.checked) {{
            box.click();
            await pause();
        }}
    }}
    toggle.click();
}})()
"""


def do_action(xmlid: str, context: dict[str, Any], replace: bool = False) -> str:
    """Open an action in the web client as its menus and buttons do (dialogs included);
    ``replace``: instead of the current one, as a menu does."""
    options = {"additionalContext": context, "clearBreadcrumbs": replace}
    return (
        "odoo.__WOWL_DEBUG__.root.env.services.action.doAction("
        f"{json.dumps(xmlid)}, {json.dumps(options)})"
    )


def shots(demo: Demo, odoo: Odoo) -> list[Shot]:
    """Every screenshot of the guide, in the guide's order."""

    def action(xmlid: str) -> str:
        # By id, not xmlid: the web client finds the app (the navbar's menus) of the first
        # action of the URL by comparing menu action ids (web/webclient/webclient.js).
        return f"/odoo/action-{odoo.ref(xmlid)}"

    delivery = action("order_project.project_project_action_delivery")
    order_form = f"{action('sale.action_orders')}/{demo.order}"
    stat_buttons = ".o_form_view .o_field_statinfo"
    tab = '.o_notebook_headers a[name="%s"]'
    # the latest committed dates first: the orders still in delivery, not the history
    sort = Step(click('th[data-name="order_commitment_date"]'), ".o_list_view .o_data_row")
    newest_first = [sort, sort]
    shots_ = [
        Shot(
            "01-apps",
            "admin",
            action("base.open_module_tree"),
            ".o_kanban_renderer",
            [
                Step(search_for("Order P"), ".o_kanban_record"),
                Step(click(".o_switch_view.o_list"), ".o_list_view .o_data_row"),
            ],
        ),
        Shot(
            "02-settings",
            "admin",
            action("project.project_config_settings_action"),
            "#order_optimizer_setting",
            [Step(scroll_to("#order_optimizer_setting", ".o_settings_container"), "body")],
        ),
        Shot(
            "03-bot-user",
            "admin",
            f"{action('base.action_res_users')}/{demo.bot_user}",
            ".o_form_view",
            [
                Step(click(tab % "access_rights"), ".tab-pane.active"),
                Step(scroll_to_group(demo.bot_group), "body"),
            ],
            debug=True,  # the bot's group is a technical one
        ),
        Shot(
            "04-planner-rights",
            "admin",
            f"{action('base.action_res_users')}/{demo.planner_user}",
            ".o_form_view",
            [
                Step(click(tab % "access_rights"), ".tab-pane.active"),
                Step(scroll_to_group(demo.planner_group), "body"),
            ],
        ),
    ]
    if demo.quotation:
        shots_.append(
            Shot(
                "05-quotation",
                "sales",
                f"{action('sale.action_quotations_with_onboarding')}/{demo.quotation}",
                ".o_form_view",
                [Step(click(tab % "order_delivery"), ".tab-pane.active")],
            )
        )
    shots_ += [
        Shot("06-order", "planner", order_form, stat_buttons),
        Shot(
            "07-wbs-tasks",
            "planner",
            order_form,
            stat_buttons,
            [
                Step(
                    click('button[name="action_view_delivery_tasks"]'), ".o_list_view .o_data_row"
                ),
                Step(hide_columns("project_id", "activity_ids", "tag_ids"), ".o_list_view"),
                Step(click('th[data-name="wbs_code"]'), ".o_list_view .o_data_row"),
            ],
        ),
        Shot(
            "08-task-planning",
            "planner",
            f"{action('project.action_view_all_task')}/{demo.critical_task}",
            ".o_form_view",
            [
                Step(click(tab % "order_planning"), ".tab-pane.active"),
                Step(scroll_to(".o_notebook"), "body"),
            ],
        ),
        Shot(
            "09-delivery-projects",
            "planner",
            delivery,
            ".o_list_view .o_data_row",
            newest_first,
        ),
        Shot(
            "10-reoptimize-menu",
            "planner",
            delivery,
            ".o_list_view .o_data_row",
            [
                *newest_first,
                Step(
                    click('[data-menu-xmlid="order_project.menu_order_project_delivery"]'),
                    ".o-dropdown--menu",
                ),
            ],
        ),
        Shot(
            "11-planning-run",
            "planner",
            f"{action('order_project.order_planning_run_action')}/{demo.run}",
            ".o_form_view",
        ),
        Shot(
            "12-planning-run-projects",
            "planner",
            f"{action('order_project.order_planning_run_action')}/{demo.run}",
            ".o_form_view",
            [Step(scroll_to(".o_notebook"), "body")],
        ),
        Shot(
            "13-late-orders",
            "pm",
            delivery,
            ".o_list_view .o_data_row",
            [
                Step(
                    do_action(
                        "order_project.project_project_action_delivery",
                        {"search_default_order_late": 1},
                        replace=True,
                    ),
                    ".o_searchview_facet",
                )
            ],
        ),
        Shot(
            "14-why-late",
            "pm",
            f"{delivery}/{demo.project}",
            ".o_form_view",
            [
                Step(click(tab % "order_delivery"), '.tab-pane.active [name="order_why_late"]'),
                Step(scroll_to(".o_notebook"), "body"),
            ],
        ),
        Shot(
            "15-portal-access",
            "admin",
            f"{action('account.res_partner_action_customer')}/{demo.portal_company}",
            ".o_form_view",
            [
                Step(
                    do_action(
                        "portal.partner_wizard_action_create_and_open",
                        {
                            "active_model": "res.partner",
                            "active_id": demo.portal_company,
                            "active_ids": [demo.portal_company],
                        },
                    ),
                    ".modal .o_form_view",
                )
            ],
        ),
    ]
    board = action("order_project.action_planning_board")
    board_ready = ".o_planning_board .o_board_line_row"
    # the first orders open, as a planner does when the board holds many
    expand = Step(
        "document.querySelectorAll('.o_board_toggle').forEach((b, i) => i < 3 && b.click())",
        ".o_board_line_task .o_board_bar",
    )
    shots_ += [
        Shot("19-board", "planner", board, board_ready, [expand]),
        Shot(
            "20-board-person",
            "planner",
            board,
            board_ready,
            [Step(click(".o_board_by_person"), ".o_board_line_row .o_board_bar")],
        ),
        Shot(
            "21-board-load",
            "planner",
            action("order_project.action_planning_board_load"),
            ".o_board_load_line",
        ),
        Shot(
            "22-tasks-by-phase",
            "planner",
            f"{delivery}/{demo.project}",
            ".o_form_view",
            [
                Step(
                    click('button[name="action_view_tasks_by_phase"]'),
                    ".o_kanban_renderer .o_kanban_record",
                )
            ],
        ),
        Shot("23-board-phone", "planner", board, board_ready, [expand], phone=True),
    ]
    if not demo.late:
        shots_ = [shot for shot in shots_ if shot.name not in WHY_LATE]
    portal = demo.portal_login
    deliveries = f"/my/deliveries/{demo.portal_order}"
    for phone in (False, True):
        suffix = "-phone" if phone else ""
        shots_ += [
            Shot(f"16-portal-home{suffix}", portal, "/my", ".o_portal_my_home", phone=phone),
            Shot(f"17-portal-deliveries{suffix}", portal, "/my/deliveries", "#wrap", phone=phone),
            Shot(f"18-portal-delivery{suffix}", portal, deliveries, "#wrap", phone=phone),
        ]
    return shots_


# ---------------------------------------------------------------------- Chromium over CDP
class Chromium:
    """Headless Chromium and one DevTools connection to it (flat sessions)."""

    def __init__(self, binary: str) -> None:
        path = shutil.which(binary)
        if not path:
            raise GuideError(f"no Chromium at {binary!r} (apt-get install chromium, or --chromium)")
        self.profile = tempfile.mkdtemp(prefix="guide_chromium_")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [path, "--headless=new", f"--remote-debugging-port={port}"]
        command += [f"--user-data-dir={self.profile}", "--no-first-run", "--disable-gpu"]
        command += ["--no-default-browser-check", "--hide-scrollbars", "--mute-audio"]
        command += ["--disable-extensions", "--font-render-hinting=none"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--no-sandbox")
        self.process = subprocess.Popen(
            [*command, "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                version = requests.get(f"http://127.0.0.1:{port}/json/version", timeout=2).json()
                break
            except requests.RequestException:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise GuideError(f"Chromium ({path}) did not start its DevTools") from None
                time.sleep(0.3)
        self.ws = websocket.create_connection(
            version["webSocketDebuggerUrl"], timeout=120, suppress_origin=True
        )
        self.next_id = 0

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise GuideError(f"Chromium {method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def close(self) -> None:
        if getattr(self, "ws", None):
            try:
                self.call("Browser.close")
            except (GuideError, websocket.WebSocketException, OSError):
                pass
            self.ws.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    @contextmanager
    def tab(self, base_url: str, session_id: str, lang: str) -> Iterator[Tab]:
        """A fresh browser context (its own cookies and storage) logged in with ``session_id``."""
        context = self.call("Target.createBrowserContext")["browserContextId"]
        target = self.call("Target.createTarget", url="about:blank", browserContextId=context)
        session = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        tab = Tab(self, session["sessionId"], base_url)
        try:
            tab.open(session_id, lang)
            yield tab
        finally:
            self.call("Target.disposeBrowserContext", browserContextId=context)


class Tab:
    def __init__(self, browser: Chromium, session: str, base_url: str) -> None:
        self.browser, self.session, self.base_url = browser, session, base_url

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, self.session, **params)

    def open(self, session_id: str, lang: str) -> None:
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=PENDING_COUNTER)
        self.call("Emulation.setTimezoneOverride", timezoneId=TIMEZONE)
        cookies = {"session_id": session_id, "tz": TIMEZONE, "frontend_lang": lang}
        for name, value in cookies.items():
            self.call("Network.setCookie", name=name, value=value, url=self.base_url, path="/")

    def viewport(self, phone: bool) -> None:
        width, height = PHONE if phone else DESKTOP
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=2 if phone else 1,
            mobile=phone,
        )
        self.call("Emulation.setTouchEmulationEnabled", enabled=phone)

    def evaluate(self, expression: str) -> Any:
        answer = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise GuideError(f"in the page: {text}")
        return answer.get("result", {}).get("value")

    def wait(self, selector: str, what: str, timeout: float = 60.0) -> None:
        """Until ``selector`` is there and the page has stayed idle for a moment."""
        expression = READY % {"root": json.dumps(selector), "busy": json.dumps(BUSY)}
        deadline = time.monotonic() + timeout
        idle_since = None
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= 0.8:
                    time.sleep(0.4)
                    return
            else:
                idle_since = None
            time.sleep(0.2)
        url = self.evaluate("location.href")
        raise GuideError(f"{what}: {selector!r} did not render within {timeout:.0f} s ({url})")

    def shoot(self, shot: Shot, path: Path) -> int:
        self.viewport(shot.phone)
        self.evaluate("window.__guideOld = true")
        self.call("Page.navigate", url=shot.url(self.base_url))
        try:
            self.wait(shot.ready, shot.name)
            for step in shot.steps:
                self.evaluate(step.script)
                self.wait(step.ready, shot.name)
        except GuideError:
            failed = path.with_name(f"{path.stem}.failed.png")
            failed.write_bytes(self.capture())
            print(f"  what the page showed: {failed}", file=sys.stderr)
            raise
        data = self.capture()
        path.write_bytes(data)
        return len(data)

    def capture(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])


# ---------------------------------------------------------------------- main
@contextmanager
def user_languages(odoo: Odoo, user_ids: list[int], lang: str) -> Iterator[None]:
    """The users speak ``lang`` for a while, then what they spoke before."""
    before = odoo.call("res.users", "read", user_ids, ["lang"])
    odoo.call("res.users", "write", user_ids, {"lang": lang})
    try:
        yield
    finally:
        for row in before:
            odoo.call("res.users", "write", [row["id"]], {"lang": row["lang"]})


def take(
    odoo: Odoo, browser: Chromium, args: argparse.Namespace, lang: str, todo: list[Shot]
) -> list[tuple[Path, int]]:
    written = []
    demo_ids = {shot.login for shot in todo}
    users = odoo.call("res.users", "search", [("login", "in", sorted(demo_ids))])
    with user_languages(odoo, users, LANGS[lang]):
        for login in dict.fromkeys(shot.login for shot in todo):
            password = args.admin_password if login == "admin" else args.password
            session_id = web_login(odoo.url, odoo.db, login, password)
            with browser.tab(odoo.url, session_id, LANGS[lang]) as tab:
                for shot in (s for s in todo if s.login == login):
                    path = args.out / f"{lang}-{shot.name}.png"
                    size = tab.shoot(shot, path)
                    written.append((path, size))
                    note = "" if size <= MAX_PNG_BYTES else f"  (over {MAX_PNG_BYTES // 1000} KB)"
                    print(f"  {path} {size // 1000} KB{note}", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="order_demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "guide")
    parser.add_argument("--lang", choices=("en", "zh_CN", "both"), default="both")
    parser.add_argument("--only", help="comma-separated shot names (e.g. 02-settings,14-why-late)")
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--password", default="demo", help="the demo users' password")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    langs = ["en", "zh_CN"] if args.lang == "both" else [args.lang]
    browser = None
    try:
        if not shutil.which(args.chromium):
            raise GuideError(
                f"no Chromium at {args.chromium!r} (apt-get install chromium, or --chromium)"
            )
        odoo = Odoo(args.url, args.db, "admin", args.admin_password)
        demo = pick_demo(odoo, ["manager", "planner", "sales", "pm"])
        todo = shots(demo, odoo)
        if not demo.late:
            print(f"no late order in {args.db}: no {' or '.join(WHY_LATE)}", file=sys.stderr)
        if args.only:
            names = set(args.only.split(","))
            todo = [shot for shot in todo if shot.name in names]
            if not todo:
                raise GuideError(f"no shot named {args.only}")
        if "zh_CN" in langs:
            install_chinese(odoo)
        args.out.mkdir(parents=True, exist_ok=True)
        browser = Chromium(args.chromium)
        written = []
        for lang in langs:
            print(f"== {lang}: {len(todo)} screenshots from {args.db} at {args.url}", flush=True)
            written += take(odoo, browser, args, lang, todo)
    except GuideError as exc:
        print(f"guide_screenshots: {exc}", file=sys.stderr)
        return 2
    finally:
        if browser:
            browser.close()
    heavy = [path.name for path, size in written if size > MAX_PNG_BYTES]
    print(f"{len(written)} screenshots in {args.out}" + (f"; too heavy: {heavy}" if heavy else ""))
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
