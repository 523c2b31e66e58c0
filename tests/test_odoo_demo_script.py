"""`scripts/odoo_demo.sh` walked end to end, as a new user runs it (needs an Odoo 18 at
``$ODOO18_HOME``; skipped, saying so, without one).

A small demo (``--history 20 --orders 10``) on free ports: the script ends with the plan applied
and prints the logins; the back office answers the planner and the portal a customer; ``--stop``
stops what it started. A run that fails half-way (the optimizer's port is taken: the database is already renamed to
the demo's name, the service cannot start) leaves no database
under the demo's name or its build name and no process behind. Bad options are refused before
anything is built.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from optimizer.odoo import JsonRpcTransport
from tests.odoo_server import free_port, not_found_message, odoo_home
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--history", "20", "--orders", "10", "--seed", "7"]


def _databases() -> set[str]:
    out = subprocess.run(
        ["psql", "-Atc", "SELECT datname FROM pg_database", "postgres"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _demo(*args: str, timeout: float = 1500) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/odoo_demo.sh", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def home() -> Path:
    found = odoo_home()
    if found is None:
        pytest.skip(not_found_message())
    return found


@pytest.fixture
def names() -> Iterator[dict[str, object]]:
    db = f"order_demo_walk_{os.getpid()}"
    ports = {"odoo": free_port(), "optimizer": free_port()}
    yield {"db": db, **ports}
    _demo("--stop", "--db", db, timeout=120)
    for name in _databases():
        if name == db or name.startswith(f"{db}_build_"):
            subprocess.run(["dropdb", "--if-exists", name], check=False)


def test_bad_options_are_refused_before_anything_is_built(home: Path) -> None:
    before = _databases()
    done = _demo("--db", "order_demo_refused", "--employees", "0", timeout=300)
    assert done.returncode == 2
    assert "--employees" in done.stderr
    assert _databases() == before


def test_the_demo_script_builds_a_working_company_and_stops(
    home: Path, names: dict[str, object]
) -> None:
    db, odoo_port, opt_port = names["db"], names["odoo"], names["optimizer"]
    ports = ["--odoo-port", str(odoo_port), "--optimizer-port", str(opt_port)]
    done = _demo("--db", str(db), *ports, *SMALL)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "the demo is up" in done.stdout
    assert re.search(r"planning run \S+: done \(\d+ projects", done.stdout), done.stdout[-2000:]
    assert db in _databases() and not any(n.startswith(f"{db}_build_") for n in _databases()), (
        "built under a temporary name, renamed at the end"
    )
    url = f"http://127.0.0.1:{odoo_port}"

    planner = JsonRpcTransport(url, str(db), "planner", "demo", retries=0)
    runs = planner.call(
        "order.planning.run", "search_read", [], {"domain": [], "fields": ["state", "scope"]}
    )
    assert [(r["state"], r["scope"]) for r in runs] == [("done", "all")]
    # the demo dates work already done; only the re-plan dates work not started
    planned = planner.call(
        "project.task",
        "search_count",
        [[["planned_start", "!=", False], ["timesheet_ids", "=", False]]],
        {},
    )
    assert planned > 0, "the re-plan dated the work not started"

    portal = requests.Session()
    load_script("odoo_web").form_login(portal, url, str(db), "portal1", "demo", timeout=30)
    home_page = portal.get(f"{url}/my/home", timeout=30)
    assert home_page.ok and "/web/login" not in home_page.url, "the customer is logged in"
    assert "/web/session/logout" in home_page.text

    pids = {p.stem: int(p.read_text()) for p in (ROOT / ".demo" / str(db)).glob("*.pid")}
    assert set(pids) == {"odoo", "optimizer"} and all(_alive(p) for p in pids.values())
    stopped = _demo("--stop", "--db", str(db), timeout=120)
    assert stopped.returncode == 0
    assert not any(_alive(p) for p in pids.values()), "--stop stops what the run started"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(odoo_port))) != 0


def test_a_failed_run_leaves_no_database_and_no_process(
    home: Path, names: dict[str, object]
) -> None:
    db, odoo_port, opt_port = names["db"], names["odoo"], names["optimizer"]
    with socket.socket() as taken:  # the service cannot start: the run fails near its end
        taken.bind(("127.0.0.1", int(opt_port)))
        taken.listen()
        done = _demo(
            "--db",
            str(db),
            "--odoo-port",
            str(odoo_port),
            "--optimizer-port",
            str(opt_port),
            *SMALL,
        )
    assert done.returncode != 0
    assert "failed; stopping what this run started" in done.stderr
    assert not {n for n in _databases() if n == db or n.startswith(f"{db}_build_")}
    assert not list((ROOT / ".demo" / str(db)).glob("*.pid")), "no process left recorded"
