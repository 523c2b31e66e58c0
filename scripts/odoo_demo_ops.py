#!/usr/bin/env python
"""The steps of ``scripts/odoo_demo.sh`` that talk to Odoo, besides the company itself.

    python scripts/odoo_demo_ops.py bot --url U --db D --key-file F
    python scripts/odoo_demo_ops.py settings --url U --db D --optimizer-url O --optimizer-key-file K
    python scripts/odoo_demo_ops.py replan --url U --db D [--timeout 900]

``bot``: creates the optimizer's bot user (group ``order_project.group_order_optimizer_bot``)
and lets it make its own API key the way the web client does (Odoo makes keys for the caller
only, behind an identity check: see tests/test_e2e_odoo.py); writes the key to ``--key-file``.
``settings``: points Odoo at the service (``order_project.optimizer_url``/``_key``).
``replan``: the planner re-optimizes all open orders (Odoo queues a planning run, its dispatch
cron hands it to the service, the service writes the plan back) and this waits until the run
is applied or failed, printing its result; exit 1 unless applied.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer.odoo import JsonRpcTransport  # noqa: E402

BOT_LOGIN = "optimizer_bot"


def _web_call(web: requests.Session, url: str, model: str, method: str, args: list[Any]) -> Any:
    body = {"jsonrpc": "2.0", "method": "call", "params": {}}
    body["params"] = {"model": model, "method": method, "args": args, "kwargs": {}}
    answer = web.post(f"{url}/web/dataset/call_kw/{model}/{method}", json=body, timeout=60).json()
    if "error" in answer:
        raise RuntimeError(f"{model}.{method}: {answer['error']['data']['message']}")
    return answer["result"]


def make_bot(url: str, db: str, admin: JsonRpcTransport) -> str:
    """The bot user and its API key (its password is random and thrown away)."""
    (group,) = admin.call(
        "ir.model.data",
        "search_read",
        [],
        {
            "domain": [
                ["module", "=", "order_project"],
                ["name", "=", "group_order_optimizer_bot"],
            ],
            "fields": ["res_id"],
        },
    )
    password = secrets.token_urlsafe(24)
    existing = admin.call("res.users", "search", [[["login", "=", BOT_LOGIN]]], {})
    values = {"password": password, "groups_id": [[6, 0, [group["res_id"]]]]}
    if existing:
        admin.call("res.users", "write", [existing, values])
    else:
        admin.call("res.users", "create", [{"name": "Optimizer Bot", "login": BOT_LOGIN, **values}])
    with requests.Session() as web:
        login = {"db": db, "login": BOT_LOGIN, "password": password}
        answer = web.post(
            f"{url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "method": "call", "params": login},
            timeout=60,
        ).json()
        if not answer.get("result", {}).get("uid"):
            raise RuntimeError(f"the bot could not log in: {answer.get('error')}")
        model = "res.users.apikeys.description"
        wizard = _web_call(web, url, model, "create", [{"name": "order optimizer (demo)"}])
        check = _web_call(web, url, model, "make_key", [[wizard]])
        model = "res.users.identitycheck"
        _web_call(web, url, model, "write", [[check["res_id"]], {"password": password}])
        action = _web_call(web, url, model, "run_check", [[check["res_id"]]])
    return str(action["context"]["default_key"])


def replan(url: str, db: str, login: str, password: str, timeout: float) -> int:
    planner = JsonRpcTransport(url, db, login, password, timeout=(5.0, 600.0), retries=0)
    action = planner.call("order.planning.run", "action_reoptimize_all", [], {})
    run_id = action["res_id"]
    print(f"planning run {run_id} queued by {login}; waiting for the optimizer", flush=True)
    t0 = time.monotonic()
    deadline = t0 + timeout
    fields = ["name", "state", "progress", "message", "summary_text", "failure_text"]
    fields += ["project_ids", "weighted_tardiness", "solver_status"]
    row: dict[str, Any] = {}
    last = None
    while time.monotonic() < deadline:
        (row,) = planner.call("order.planning.run", "read", [[run_id], fields])
        if (row["state"], round(row["progress"] or 0)) != last:
            last = (row["state"], round(row["progress"] or 0))
            print(f"  {row['state']} {row['progress'] or 0:.0f} %", flush=True)
        if row["state"] in ("done", "failed"):
            break
        time.sleep(2)
    print(
        f"planning run {row.get('name')}: {row.get('state')} "
        f"({len(row.get('project_ids') or ())} projects, {time.monotonic() - t0:.1f} s from the "
        "click to the applied plan)"
    )
    for key in ("summary_text", "message", "failure_text"):
        if row.get(key):
            print(row[key])
    return 0 if row.get("state") == "done" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("bot", "settings", "replan"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--key-file", type=Path)
    parser.add_argument("--optimizer-url")
    parser.add_argument("--optimizer-key-file", type=Path)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    if args.command == "replan":
        return replan(args.url, args.db, args.login, args.password, args.timeout)
    admin = JsonRpcTransport(args.url, args.db, args.login, args.password, retries=0)
    if args.command == "bot":
        key = make_bot(args.url, args.db, admin)
        args.key_file.write_text(key, encoding="utf-8")
        args.key_file.chmod(0o600)
        print(f"bot user {BOT_LOGIN!r} made its API key ({args.key_file})")
        return 0
    key = args.optimizer_key_file.read_text(encoding="utf-8").strip()
    for name, value in (("optimizer_url", args.optimizer_url), ("optimizer_key", key)):
        admin.call("ir.config_parameter", "set_param", [f"order_project.{name}", value])
    print(f"Odoo plans with the optimizer at {args.optimizer_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
