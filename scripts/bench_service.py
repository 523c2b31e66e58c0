#!/usr/bin/env python3
"""Benchmark the optimizer service on this machine: GET /v1/plans/{id} latency while two solves
run (target p99 < 50 ms for 200 requests from 20 clients) and a SIGKILL in the middle of 20
jobs (target: all end done or failed-with-reason, none lost, none completed twice)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from optimizer.service.bench import kill_and_restart, status_latency
from optimizer.service.harness import ServiceProcess

API_KEY = "bench-service-key"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="job store (default: a fresh SQLite file)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--solve-orders", type=int, default=40, help="orders per running solve")
    parser.add_argument("--jobs", type=int, default=20, help="jobs in the kill/restart run")
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} (1 min) before the run")
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        base = args.database_url or f"sqlite:///{Path(tmp) / 'jobs.sqlite3'}"
        env = {"ORDER_OPTIMIZER_CONCURRENCY": "2", "ORDER_OPTIMIZER_SOLVER_WORKERS": "1"}
        log = Path(tmp) / "service.log"
        with ServiceProcess(base, API_KEY, log, env=env) as service:
            lat = status_latency(service, args.requests, args.clients, args.solve_orders)
        ok = lat.p99_ms < 50 and lat.errors == 0
        print(
            f"status latency: {lat.requests} x GET /v1/plans/{{id}} from {lat.clients} clients "
            f"while 2 solves of {lat.solve_tasks} tasks run ({'still running' if lat.solves_running_throughout else 'NOT running throughout'}): "
            f"p50 {lat.p50_ms:.1f} ms, p99 {lat.p99_ms:.1f} ms, max {lat.max_ms:.1f} ms, "
            f"{lat.errors} errors  [target p99 < 50 ms: {'met' if ok else 'MISSED'}]"
        )
        restart_url = args.database_url or f"sqlite:///{Path(tmp) / 'restart.sqlite3'}"
        r = kill_and_restart(restart_url, API_KEY, log, env, jobs=args.jobs)
        at_kill = ", ".join(f"{n} {s}" for s, n in sorted(r.at_kill.items()))
        good = r.lost == 0 and r.completed_twice == 0 and r.failed_other == 0
        print(
            f"kill -9 / restart: {r.jobs} jobs ({at_kill} at the kill); restarted service ready in "
            f"{r.restart_ready_s:.2f} s, all final {r.all_final_s:.2f} s after the restart: "
            f"{r.done} done ({r.rerun} re-run), {r.failed_with_reason} failed with the restart reason, "
            f"{r.failed_other} failed otherwise, {r.lost} lost, {r.completed_twice} completed twice  "
            f"[target: none lost, none twice: {'met' if good else 'MISSED'}]"
        )
    return 0 if ok and good else 1


if __name__ == "__main__":
    sys.exit(main())
