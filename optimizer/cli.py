"""`order-optimizer` command line: solve, check and plot schedules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from optimizer.common.errors import ProblemError
from optimizer.planners import FLOOR, planner_for_file, warm_up_all
from optimizer.rcpsp.model import Plan, Problem


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_json(data: Any, output: str | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if output:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        _log(f"plan written to {path}")
    else:
        print(text)


def _read_plan(problem: Problem, path: str) -> Plan:
    from optimizer.floor.api import read_json

    return Plan.from_dict(problem, read_json(path))


def _plot_floor(data: dict[str, Any], args: argparse.Namespace, title: str | None = None) -> None:
    from optimizer.floor.plot import plot_floor

    plot_floor(data, html_path=args.html, png_path=args.png, title=title)
    for path in (args.png, args.html):
        if path:
            _log(f"picture written to {path}")


def cmd_solve(args: argparse.Namespace) -> int:
    planner = planner_for_file(args.path)
    seconds = planner.warm_up()  # before any solve's clock starts
    if not args.quiet and seconds > 1.0:
        _log(f"{planner.name} kernels compiled in {seconds:.1f}s (once; cached on disk)")
    return _solve_floor(args) if planner is FLOOR else _solve_rcpsp(args)


def _solve_rcpsp(args: argparse.Namespace) -> int:
    """A PSPLIB-style problem (integer periods): optimizer.rcpsp."""
    from optimizer.rcpsp.checker import check
    from optimizer.rcpsp.readers import read_any
    from optimizer.rcpsp.solver import solve

    problem = read_any(args.path)
    if args.objective:
        problem.objective = args.objective
        problem.validate()
    _log(
        f"{problem.name}: {len(problem.projects)} projects, {len(problem.tasks)} tasks, {len(problem.resources)} resources"
    )
    plan = solve(
        problem,
        time_limit=args.time_limit,
        workers=args.workers,
        seed=args.seed,
        log=None if args.quiet else _log,
    )
    violations = check(problem, plan)
    if violations:
        for v in violations[:20]:
            _log(f"INVALID: {v}")
        return 3
    data = plan.to_dict()
    data["checked"] = True
    _write_json(data, args.output)
    _log(
        f"status={plan.status} objective={plan.objective:g} lower_bound={plan.lower_bound:g} makespan={plan.makespan} in {plan.solve_seconds:.2f}s"
    )
    if args.png or args.html:
        from optimizer.rcpsp.plot import plot_plan

        plot_plan(problem, plan, png_path=args.png, html_path=args.html)
        for path in (args.png, args.html):
            if path:
                _log(f"picture written to {path}")
    return 0


def _solve_floor(args: argparse.Namespace) -> int:
    """A shop-floor problem (calendars, skills, work in progress): optimizer.floor."""
    from optimizer.floor.api import load_floor_problem, plan_floor, read_json
    from optimizer.floor.results import plan_summary

    problem = load_floor_problem(args.path)
    if args.previous:
        problem.previous_plan = read_json(args.previous)
    people = sum(r.kind == "person" for r in problem.resources)
    _log(
        f"{problem.name}: {len(problem.projects)} orders, {len(problem.tasks)} tasks, "
        f"{people} people, {len(problem.resources) - people} machines/teams"
    )
    plan, timeline, violations = plan_floor(
        problem, time_limit=args.time_limit, seed=args.seed, log=None if args.quiet else _log
    )
    if violations and plan.status != "INFEASIBLE":
        for v in violations[:20]:
            _log(f"INVALID: {v}")
        return 3
    data = plan.to_dict(problem, timeline.clock)
    _write_json(data, args.output)
    _log(plan_summary(plan))
    if args.png or args.html:
        _plot_floor(data, args, title=problem.name)
    if plan.status == "INFEASIBLE":
        explanation = plan.explanation or {}
        _log(f"INFEASIBLE: {explanation.get('message', 'hard constraints cannot all hold')}")
        for conflict in explanation.get("conflicts", [])[:10]:
            _log(f"  - {conflict.get('text', conflict)}")
        return 4
    return 0


def _check_floor(args: argparse.Namespace) -> int:
    from optimizer.floor.api import load_floor_problem, read_floor_plan
    from optimizer.floor.checker import check_floor

    problem = load_floor_problem(args.problem)
    plan, timeline = read_floor_plan(problem, args.plan)
    violations = check_floor(problem, plan, timeline.clock)
    for v in violations:
        print(v)
    print("valid" if not violations else f"{len(violations)} violation(s)")
    return 0 if not violations else 1


def cmd_check(args: argparse.Namespace) -> int:
    if planner_for_file(args.problem) is FLOOR:
        return _check_floor(args)
    from optimizer.rcpsp.checker import check
    from optimizer.rcpsp.readers import read_any

    problem = read_any(args.problem)
    plan = _read_plan(problem, args.plan)
    violations = check(problem, plan)
    for v in violations:
        print(v)
    print("valid" if not violations else f"{len(violations)} violation(s)")
    return 0 if not violations else 1


def cmd_plot(args: argparse.Namespace) -> int:
    from optimizer.floor.api import read_json

    if len(args.files) not in (1, 2):
        raise ProblemError("plot", "expected PLAN.json (a floor plan) or PROBLEM PLAN")
    last = read_json(args.files[-1]) if args.files[-1].endswith(".json") else None
    if isinstance(last, dict) and last.get("kind") == "floor_plan":
        _plot_floor(last, args)
        return 0
    if len(args.files) != 2:
        raise ProblemError("plot", "a PSPLIB-style plan needs its problem: plot PROBLEM PLAN")
    from optimizer.rcpsp.plot import plot_plan
    from optimizer.rcpsp.readers import read_any

    problem = read_any(args.files[0])
    plan = _read_plan(problem, args.files[1])
    plot_plan(problem, plan, png_path=args.png, html_path=args.html)
    return 0


def cmd_warm_up(args: argparse.Namespace) -> int:
    for name, seconds in warm_up_all().items():
        print(f"{name} kernels ready in {seconds:.1f}s")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from optimizer.service.main import serve

    return serve(
        host=args.host,
        port=args.port,
        access_log=not args.quiet,
        database_url=args.database_url,
        workers=args.workers,
        concurrency=args.concurrency,
        broker_url=args.broker_url,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="order-optimizer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="solve a .sm, .mm, MPLIB or JSON problem")
    p.add_argument("path")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="threads: CP-SAT workers, or parallel local searches of a floor plan (default 2)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--objective",
        choices=["makespan", "weighted_tardiness"],
        help="override the problem's objective",
    )
    p.add_argument("--output", "-o", help="write the plan JSON here (default: stdout)")
    p.add_argument("--png", help="also draw the plan as a PNG Gantt chart")
    p.add_argument("--html", help="also write a self-contained HTML page of the plan")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--previous", help="floor problems: re-plan against this earlier plan (stability)"
    )
    p.set_defaults(func=cmd_solve)

    p = sub.add_parser("check", help="re-verify a plan against its problem without the solver")
    p.add_argument("problem")
    p.add_argument("plan")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("plot", help="draw a plan: plot PLAN.json (floor) or plot PROBLEM PLAN")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--png")
    p.add_argument("--html")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser(
        "warm-up",
        help="compile both planners' kernels into numba's on-disk cache (the install runs it)",
    )
    p.set_defaults(func=cmd_warm_up)

    p = sub.add_parser(
        "serve", help="HTTP API (ORDER_OPTIMIZER_* settings; API key digests from the environment)"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--database-url", help="job store (default sqlite:///order-optimizer-jobs.sqlite3)"
    )
    p.add_argument("--workers", choices=["inprocess", "celery"], help="who runs the solves")
    p.add_argument("--concurrency", type=int, help="in-process solves at once (default 2)")
    p.add_argument("--broker-url", help="Celery broker (default redis://127.0.0.1:6379/0)")
    p.add_argument("--quiet", "-q", action="store_true", help="no access log")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ProblemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
