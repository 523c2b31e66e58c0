"""A real Odoo 18 for the end-to-end tests: a fresh database with the project's addons,
served by ``odoo-bin`` on a free loopback port, stopped and dropped afterwards.

Odoo 18 is looked for at ``$ODOO18_HOME`` (default ``/opt/odoo18``): ``venv/bin/python``
and ``odoo-bin`` (see its SETUP.md). When it is missing, `odoo_home()` returns None and the
tests skip with "Odoo 18 not found at ...: end-to-end tests did not run".
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ROOT / "addons"
DEFAULT_HOME = "/opt/odoo18"
ADMIN_LOGIN = ADMIN_PASSWORD = "admin"


@dataclass
class OdooServer:
    url: str
    db: str
    login: str
    password: str
    log: Path
    install_seconds: float


def odoo_home() -> Path | None:
    """The Odoo 18 install directory, or None when there is no usable one."""
    home = Path(os.environ.get("ODOO18_HOME", DEFAULT_HOME))
    if (home / "venv" / "bin" / "python").exists() and (home / "odoo-bin").exists():
        return home
    return None


def not_found_message() -> str:
    home = os.environ.get("ODOO18_HOME", DEFAULT_HOME)
    return f"Odoo 18 not found at {home}: end-to-end tests did not run"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def modules() -> list[str]:
    names = ["sale_management", "order_project"]
    if (ADDONS / "order_portal" / "__manifest__.py").exists():
        names.append("order_portal")
    return names


def _odoo_bin(home: Path, subcommand: str | None = None) -> list[str]:
    """``python odoo-bin [subcommand] -c odoo.conf`` (the conf has the database user, socket
    and data_dir; a subcommand must come before the options)."""
    command = [str(home / "venv" / "bin" / "python"), str(home / "odoo-bin")]
    if subcommand:
        command.append(subcommand)
    if (home / "odoo.conf").exists():
        command += ["-c", str(home / "odoo.conf")]
    return command


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"odoo-bin exited with {process.returncode}:\n{tail}")
        try:
            if requests.get(f"{url}/web/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1.0)
    raise TimeoutError(f"Odoo did not answer on {url}/web/login within {timeout:.0f}s (log {log})")


@contextmanager
def running_odoo(
    home: Path, *, demo: bool = False, timeout: float = 600.0, log_dir: Path | None = None
) -> Iterator[OdooServer]:
    """Create a fresh database with the addons installed, serve it, yield, stop, drop it.

    With ``$ODOO_E2E_TEMPLATE_DB`` set (e.g. ``odoo18_check`` of SETUP.md), the database is
    a copy of that template (``odoo-bin db duplicate``, seconds instead of minutes) and only
    the project's addons are installed into it; mind that duplicating disconnects whoever
    is connected to the template.
    """
    db = f"op_e2e_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TZ="UTC")
    template = os.environ.get("ODOO_E2E_TEMPLATE_DB")
    names = modules()
    t0 = time.monotonic()
    if template:
        subprocess.run(
            _odoo_bin(home, "db") + ["duplicate", template, db],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=300,
        )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (log_dir or Path("/tmp")) / f"{db}.log"
    command = _odoo_bin(home) + [
        f"--addons-path={home / 'odoo' / 'addons'},{ADDONS}",
        "-d",
        db,
        f"--db-filter=^{db}$",
        "-i",
        ",".join(names),
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--workers=0",
        "--max-cron-threads=0",
        f"--logfile={log}",
        "--log-level=warn",
    ]
    if not demo and not template:
        command.append("--without-demo=all")
    # Odoo creates the database itself, installs the modules, then serves HTTP.
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
    try:
        _wait_ready(url, process, log, timeout)
        yield OdooServer(url, db, ADMIN_LOGIN, ADMIN_PASSWORD, log, time.monotonic() - t0)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        subprocess.run(
            _odoo_bin(home, "db") + ["drop", db],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=120,
        )
