"""Service benchmarks (scripts/bench_service.py prints them): status latency under load while
solves run, and a SIGKILL in the middle of queued and running jobs."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.rcpsp.generate import generate
from optimizer.service.harness import ServiceProcess, wait_for
from optimizer.service.jobs import RESTART_REASON, JobStore

FINAL = ("done", "failed", "cancelled")


@dataclass
class LatencyFigures:
    requests: int
    clients: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    solves_running_throughout: bool
    solve_tasks: int


@dataclass
class RestartFigures:
    jobs: int
    at_kill: dict[str, int]
    restart_ready_s: float
    all_final_s: float
    done: int
    failed_with_reason: int
    failed_other: int
    lost: int
    completed_twice: int
    rerun: int


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


async def _poll_concurrently(
    port: int, api_key: str, ids: list[str], requests: int, clients: int
) -> tuple[list[float], int]:
    """`clients` keep-alive connections, each sending its share of GETs one after the other.
    Plain asyncio streams: one light client thread, so the figure is the server's, not the
    load generator's (20 Python threads of a heavy HTTP client measure mostly themselves)."""
    latencies: list[float] = []
    errors = 0
    start = asyncio.Event()

    async def one_client(k: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await start.wait()
        for n in range(-1, requests // clients):  # request -1 warms the connection up
            request = (
                f"GET /v1/plans/{ids[(k + n) % len(ids)]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {api_key}\r\n\r\n"
            ).encode()
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            if n >= 0:
                latencies.append(time.perf_counter() - t0)
                errors += not head.startswith(b"HTTP/1.1 200")
        writer.close()

    tasks = [asyncio.create_task(one_client(k)) for k in range(clients)]
    await asyncio.sleep(0.2)  # every connection open before the first request
    start.set()
    await asyncio.gather(*tasks)
    return latencies, errors


def status_latency(
    service: ServiceProcess,
    requests: int = 200,
    clients: int = 20,
    solve_orders: int = 40,
    solve_seconds: float = 15.0,
) -> LatencyFigures:
    """GET /v1/plans/{id} from `clients` threads (`requests` in all) while two solves run."""
    problems = [generate(solve_orders, seed=s) for s in (11, 12)]
    with service.client() as client:
        ids = [
            client.post(f"/v1/plans?time_limit={solve_seconds}", json=p).json()["id"]
            for p in problems
        ]
        # Measure once both solves are past start-up and in the search.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            docs = [client.get(f"/v1/plans/{i}").json() for i in ids]
            if all(d["status"] == "running" and d["solutions"] > 0 for d in docs):
                break
            if any(d["status"] in FINAL for d in docs):
                raise RuntimeError(f"a solve ended before the measurement: {docs}")
            time.sleep(0.1)
    latencies, errors = asyncio.run(
        _poll_concurrently(service.port, service.api_key, ids, requests, clients)
    )
    with service.client() as client:
        still = all(client.get(f"/v1/plans/{i}").json()["status"] == "running" for i in ids)
        for job_id in ids:
            client.delete(f"/v1/plans/{job_id}")
    return LatencyFigures(
        requests=len(latencies),
        clients=clients,
        errors=errors,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        max_ms=max(latencies) * 1000,
        solves_running_throughout=still,
        solve_tasks=len(problems[0]["tasks"]),
    )


def kill_and_restart(
    database_url: str,
    api_key: str,
    log: Path,
    env: dict[str, str],
    jobs: int = 20,
    orders: int = 8,
    time_limit: float = 1.0,
) -> RestartFigures:
    """Queue `jobs` solves, SIGKILL the service while two run, start it again, and count."""
    service = ServiceProcess(database_url, api_key, log, env=env).start()
    try:
        with service.client() as client:
            ids = [
                client.post(
                    f"/v1/plans?time_limit={time_limit}", json=generate(orders, seed=s)
                ).json()["id"]
                for s in range(jobs)
            ]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if (
                    sum(client.get(f"/v1/plans/{i}").json()["status"] == "running" for i in ids)
                    >= 2
                ):
                    break
                time.sleep(0.05)
    finally:
        service.kill()
    store = JobStore(database_url)
    at_kill = Counter(store.get(i).status for i in ids)  # type: ignore[union-attr]
    t0 = time.perf_counter()
    again = ServiceProcess(database_url, api_key, log, env=env, port=service.port).start()
    ready = time.perf_counter() - t0
    try:
        with again.client() as client:
            docs: dict[str, dict[str, Any]] = wait_for(client, ids, FINAL, timeout=300)
        final = time.perf_counter() - t0
    finally:
        again.stop()
    completions = Counter(e["job_id"] for e in store.events() if e["event"] == "done")
    store.close()
    statuses = [docs[i]["status"] for i in ids]
    return RestartFigures(
        jobs=jobs,
        at_kill=dict(at_kill),
        restart_ready_s=ready,
        all_final_s=final,
        done=statuses.count("done"),
        failed_with_reason=sum(
            1
            for i in ids
            if docs[i]["status"] == "failed" and (docs[i]["error"] or "").startswith(RESTART_REASON)
        ),
        failed_other=sum(
            1
            for i in ids
            if docs[i]["status"] == "failed"
            and not (docs[i]["error"] or "").startswith(RESTART_REASON)
        ),
        lost=sum(1 for s in statuses if s not in FINAL),
        completed_twice=sum(1 for n in completions.values() if n > 1),
        rerun=sum(1 for i in ids if docs[i]["attempts"] > 1),
    )
