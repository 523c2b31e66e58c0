"""Start the real service (uvicorn in a subprocess on loopback) for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from optimizer.service.dependencies import hash_api_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServiceProcess:
    """`order-optimizer serve` on 127.0.0.1 in a child process, with its own settings."""

    def __init__(
        self,
        database_url: str,
        api_key: str,
        log_path: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.database_url = database_url
        self.api_key = api_key
        self.log_path = log_path
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "ORDER_OPTIMIZER_API_KEY_SHA256": hash_api_key(api_key),
            "ORDER_OPTIMIZER_DATABASE_URL": database_url,
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.health_seen: list[dict[str, Any]] = []  # the /healthz answers while starting

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServiceProcess:
        cmd = [sys.executable, "-m", "optimizer.cli", "serve", "--port", str(self.port), "-q"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"service exited with {self.proc.returncode}; log: {self.log_path.read_text()[-2000:]}"
                )
            try:
                health = httpx.get(self.base_url + "/healthz", timeout=1)
                self.health_seen.append({"status_code": health.status_code, **health.json()})
                if health.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"service not ready in {timeout}s; log: {self.log_path}")

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
            **kwargs,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for(
    client: httpx.Client, job_ids: list[str], statuses: tuple[str, ...], timeout: float
) -> dict[str, dict[str, Any]]:
    """Poll the jobs until each has one of `statuses`; returns their last status documents."""
    deadline = time.monotonic() + timeout
    last: dict[str, dict[str, Any]] = {}
    while True:
        pending = [j for j in job_ids if last.get(j, {}).get("status") not in statuses]
        if not pending:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{len(pending)} job(s) not in {statuses} after {timeout}s: "
                + ", ".join(f"{j}={last.get(j, {}).get('status')}" for j in pending[:5])
            )
        for job_id in pending:
            response = client.get(f"/v1/plans/{job_id}")
            response.raise_for_status()
            last[job_id] = response.json()
        time.sleep(0.1)


POSTGRES_HINT = (
    "PostgreSQL is not reachable on 127.0.0.1:5432 (trust auth, user root or postgres); "
    "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
)
REDIS_HINT = (
    "Redis is not reachable on 127.0.0.1:6379; start it with: redis-server --daemonize yes "
    "--bind 127.0.0.1 --port 6379 --save '' --appendonly no"
)


def postgres_admin_url() -> str | None:
    """A URL of the local PostgreSQL's maintenance database that connects, or None."""
    import psycopg

    for user in ("root", "postgres"):
        url = f"postgresql://{user}@127.0.0.1:5432/postgres"
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


class ScratchPostgres:
    """A throw-away database on the local PostgreSQL, dropped on exit."""

    def __init__(self, admin_url: str) -> None:
        import uuid

        self.admin_url = admin_url
        self.name = f"optimizer_test_{uuid.uuid4().hex[:12]}"
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def __enter__(self) -> str:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc: object) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def truncate_jobs(url: str) -> None:
    """Empty the job tables (between tests sharing one scratch database)."""
    from sqlalchemy import delete

    from optimizer.service.jobs import event_table, job_table, make_engine, metadata

    engine = make_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(delete(event_table))
        conn.execute(delete(job_table))
    engine.dispose()
