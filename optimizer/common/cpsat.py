"""CP-SAT settings both planners use: parameters always set explicitly, and a caller's cancel
polled beside a running search."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from ortools.sat.python import cp_model


def configure_solver(
    time_limit: float, workers: int, seed: int, overrides: dict[str, object] | None = None
) -> cp_model.CpSolver:
    """Solver parameters, always set explicitly (tuned on the PSPLIB gate); `overrides` sets any
    other CP-SAT parameter by name."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.01, time_limit)
    params.num_workers = max(1, workers)
    params.random_seed = seed
    params.log_search_progress = False
    for name, value in (overrides or {}).items():
        if isinstance(value, list | tuple):
            repeated = getattr(params, name)
            repeated.clear()
            repeated.extend(value)
        else:
            setattr(params, name, value)
    return solver


@contextlib.contextmanager
def stop_watch(solver: cp_model.CpSolver, should_stop: Callable[[], bool] | None) -> Iterator[None]:
    """While the block runs, a thread polls `should_stop` and stops the search when asked."""
    if should_stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if should_stop():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, name="solve-stop-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
