#!/usr/bin/env python
"""PSPLIB benchmark: our engine against the plain OR-Tools example model, same run, same limits.

    python scripts/bench_psplib.py                       # the 70-instance gate (gate70.txt)
    python scripts/bench_psplib.py --set j30 --limit 50  # the first 50 instances of a set
    python scripts/bench_psplib.py --engines ours --set mmlib50 --csv /tmp/mm50.csv

Every plan is re-checked by optimizer.rcpsp.checker and compared with the known makespans in
../shared/benchmarks/psplib/<set>_known_makespans.csv. The run fails (exit 1) on a checker
violation, a makespan below a proven optimum or a best-known lower bound, a claimed optimum that
differs from a proven one, or a lower bound above a known solution. The figures are printed, not
asserted: the targets of the issue are judged by reading the tables.
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer.rcpsp.model import Plan, Problem  # noqa: E402

DATA = ROOT.parent / "shared" / "benchmarks" / "psplib"
ENGINES = ("ours", "reference")
FEASIBLE = ("OPTIMAL", "FEASIBLE")


@dataclass
class Known:
    makespan: int
    optimal: bool
    lb: int | None
    cpm_lb: int | None


@dataclass
class Run:
    """One engine on one instance."""

    set_name: str
    instance: str
    engine: str
    status: str
    makespan: int | None
    lower_bound: float | None
    wall: float
    known: Known | None
    errors: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return self.status in FEASIBLE and self.makespan is not None


# ---------------------------------------------------------------------- inputs


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def instances_from_list(list_file: Path, data: Path) -> list[tuple[str, Path]]:
    """(set, path) pairs from lines `set/instance`; `#` starts a comment."""
    pairs = []
    for line in list_file.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            pairs.append((entry.split("/", 1)[0], data / entry))
    return pairs


def instances_from_set(set_name: str, data: Path, limit: int | None) -> list[tuple[str, Path]]:
    files = sorted(
        (p for p in (data / set_name).iterdir() if p.suffix in (".sm", ".mm")), key=_natural_key
    )
    return [(set_name, p) for p in files[:limit]]


def load_known(set_name: str, data: Path) -> dict[str, Known]:
    path = data / f"{set_name}_known_makespans.csv"
    if not path.exists():
        return {}

    def _int(text: str) -> int | None:
        return int(text) if text.strip() else None

    with open(path, newline="", encoding="utf-8") as fh:
        return {
            row["instance"]: Known(
                makespan=int(row["makespan"]),
                optimal=row["optimal_or_bound_kind"] == "optimal",
                lb=_int(row.get("lb", "")),
                cpm_lb=_int(row.get("cpm_lb", "")),
            )
            for row in csv.DictReader(fh)
        }


# ---------------------------------------------------------------------- solving and checking


def engine_functions(names: list[str]) -> dict[str, Callable[..., Plan]]:
    solvers: dict[str, Callable[..., Plan]] = {}
    if "ours" in names:
        from optimizer.rcpsp.heuristic import warm_up
        from optimizer.rcpsp.solver import solve

        # Compile (or load) the heuristic's kernels once, before any instance is timed.
        seconds = warm_up()
        print(f"heuristic kernels ready in {seconds:.1f} s (not timed)", file=sys.stderr)
        solvers["ours"] = solve
    if "reference" in names:
        from optimizer.rcpsp.reference import solve_reference

        solvers["reference"] = solve_reference
    return solvers


def audit(problem: Problem, plan: Plan, known: Known | None) -> list[str]:
    """Everything that makes a plan or its claims wrong; empty when all is consistent."""
    from optimizer.rcpsp.checker import check

    errors: list[str] = []
    if plan.status in ("INFEASIBLE", "MODEL_INVALID"):
        errors.append(f"status {plan.status} on a benchmark instance that has a schedule")
    if plan.status in FEASIBLE:
        errors += [f"checker: {v}" for v in check(problem, plan)]
    if known is None or plan.status not in FEASIBLE or plan.makespan is None:
        return errors
    ms = plan.makespan
    if known.optimal and ms < known.makespan:
        errors.append(f"makespan {ms} below the proven optimum {known.makespan}")
    if known.lb is not None and ms < known.lb:
        errors.append(f"makespan {ms} below the best-known lower bound {known.lb}")
    if plan.status == "OPTIMAL" and known.optimal and ms != known.makespan:
        errors.append(f"claims OPTIMAL at {ms} but the proven optimum is {known.makespan}")
    if plan.status == "OPTIMAL" and ms > known.makespan:
        errors.append(f"claims OPTIMAL at {ms} but a schedule of {known.makespan} is known")
    if plan.lower_bound is not None and plan.lower_bound > known.makespan + 1e-6:
        errors.append(f"lower bound {plan.lower_bound} above the known makespan {known.makespan}")
    return errors


def run_one(
    engine: str,
    solve: Callable[..., Plan],
    problem: Problem,
    where: tuple[str, str],
    known: Known | None,
    args: argparse.Namespace,
) -> Run:
    started = time.perf_counter()
    try:
        plan = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    except Exception:  # a crash is a benchmark failure, reported with the instance name
        wall = time.perf_counter() - started
        return Run(*where, engine, "CRASH", None, None, wall, known, [traceback.format_exc()])
    wall = time.perf_counter() - started
    run = Run(*where, engine, plan.status, plan.makespan, plan.lower_bound, wall, known)
    run.errors = audit(problem, plan, known)
    return run


def _describe(run: Run) -> str:
    lb = "-" if run.lower_bound is None else f"{run.lower_bound:g}"
    flag = "  !! " + "; ".join(e.splitlines()[-1] for e in run.errors) if run.errors else ""
    return f"{run.engine} {run.status} {run.makespan} (lb {lb}) {run.wall:.2f}s{flag}"


def solve_all(
    instances: list[tuple[str, Path]],
    solvers: dict[str, Callable[..., Plan]],
    args: argparse.Namespace,
) -> list[Run]:
    from optimizer.rcpsp.readers import read_any

    runs: list[Run] = []
    known_by_set: dict[str, dict[str, Known]] = {}
    for k, (set_name, path) in enumerate(instances, 1):
        known_set = known_by_set.setdefault(set_name, load_known(set_name, args.data))
        problem = read_any(path)
        known = known_set.get(path.stem)
        where = (set_name, path.stem)
        line = [f"[{k}/{len(instances)}] {set_name}/{path.stem}"]
        if known is not None:
            line.append(f"known {known.makespan}{'*' if known.optimal else ''}")
        for engine, solve in solvers.items():
            if engine == "reference" and problem.is_multi_mode:
                continue
            run = run_one(engine, solve, problem, where, known, args)
            runs.append(run)
            line.append(_describe(run))
        line.append(f"peak RSS {peak_rss_mb():.0f} MB")
        print(" | ".join(line), file=sys.stderr, flush=True)
    return runs


# ---------------------------------------------------------------------- figures


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def figures(runs: list[Run]) -> dict[str, float | None]:
    """The per-set figures of one engine; deviations are averaged over its feasible instances."""
    feasible = [r for r in runs if r.feasible]
    with_known = [r for r in feasible if r.known is not None]
    with_cpm = [r for r in with_known if r.known and r.known.cpm_lb]
    return {
        "instances": len(runs),
        "proven optimal": sum(r.status == "OPTIMAL" for r in runs),
        "feasible": len(feasible),
        "mean % above known best": _mean(
            [100 * (r.makespan - r.known.makespan) / r.known.makespan for r in with_known]  # type: ignore[operator,union-attr]
        ),
        "mean % above CPM bound": _mean(
            [100 * (r.makespan - r.known.cpm_lb) / r.known.cpm_lb for r in with_cpm]  # type: ignore[operator,union-attr]
        ),
        "mean wall s": _mean([r.wall for r in runs]),
        "max wall s": max((r.wall for r in runs), default=None),
    }


def _cell(name: str, value: float | None, diff: bool = False) -> str:
    if value is None:
        return "-"
    if name in ("instances", "proven optimal", "feasible"):
        return f"{value:+d}" if diff else f"{int(value)}"
    digits = 2
    return f"{value:+.{digits}f}" if diff else f"{value:.{digits}f}"


def worst_vs_reference(ours: list[Run], reference: list[Run]) -> tuple[float, str] | None:
    """Largest % by which our makespan exceeds the reference's on one instance (negative: never)."""
    ref_by_name = {r.instance: r for r in reference if r.feasible}
    worst: tuple[float, str] | None = None
    for run in ours:
        ref = ref_by_name.get(run.instance)
        if ref is None or not run.feasible or not ref.makespan:
            continue
        pct = 100 * (run.makespan - ref.makespan) / ref.makespan  # type: ignore[operator]
        if worst is None or pct > worst[0]:
            worst = (pct, run.instance)
    return worst


# How many of the slowest instances of ours the table names (the margin to the time limit).
SLOWEST = 3


def margin_lines(runs: list[Run], time_limit: float) -> list[str]:
    """Our slowest proven instances (how close the proofs come to the limit) and the instances
    with a known optimum that we did not prove."""
    proven = sorted((r for r in runs if r.status == "OPTIMAL"), key=lambda r: -r.wall)
    lines = []
    if proven:
        slowest = ", ".join(f"{r.instance} {r.wall:.2f} s" for r in proven[:SLOWEST])
        lines.append(f"slowest proofs (ours, limit {time_limit:g} s): {slowest}")
    unproven = [r.instance for r in runs if r.status != "OPTIMAL" and r.known and r.known.optimal]
    if unproven:
        lines.append(f"known optimum not proven (ours): {', '.join(unproven)}")
    return lines


def print_table(
    set_name: str, runs: list[Run], engines: list[str], args: argparse.Namespace
) -> None:
    per_engine = {e: [r for r in runs if r.engine == e] for e in engines}
    per_engine = {e: rs for e, rs in per_engine.items() if rs}
    figs = {e: figures(rs) for e, rs in per_engine.items()}
    both = "ours" in figs and "reference" in figs
    known_opt = {r.instance for r in runs if r.known and r.known.optimal}
    count = len({r.instance for r in runs})
    print(
        f"\n== {set_name}: {count} instances ({len(known_opt)} with proven optimum), "
        f"{args.time_limit:g} s per instance, {args.workers} workers, seed {args.seed} =="
    )
    header = f"{'figure':<26}" + "".join(f"{e:>12}" for e in figs)
    print(header + (f"{'ours-ref':>12}" if both else ""))
    for name in next(iter(figs.values())):
        row = f"{name:<26}" + "".join(f"{_cell(name, f[name]):>12}" for f in figs.values())
        if both:
            a, b = figs["ours"][name], figs["reference"][name]
            diff = None if a is None or b is None else a - b
            row += f"{_cell(name, diff, diff=True):>12}"
        print(row)
    if both:
        worst = worst_vs_reference(per_engine["ours"], per_engine["reference"])
        if worst is not None:
            where = worst[1] if worst[0] > 0 else "ours never worse than the reference"
            print(f"worst % ours above reference on one instance: {worst[0]:+.2f} ({where})")
        if figs["ours"]["feasible"] != figs["reference"]["feasible"]:
            print("note: deviations average over different feasible subsets")
    for line in margin_lines(per_engine.get("ours", []), args.time_limit):
        print(line)


def write_csv(path: Path, runs: list[Run]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["set", "instance", "engine", "status", "makespan", "lower_bound", "known",
             "known_optimal", "cpm_lb", "wall_s", "errors"]
        )  # fmt: skip
        for r in runs:
            k = r.known
            out.writerow(
                [r.set_name, r.instance, r.engine, r.status, r.makespan, r.lower_bound,
                 k and k.makespan, k and k.optimal, k and k.cpm_lb, f"{r.wall:.3f}",
                 " | ".join(e.splitlines()[-1] for e in r.errors)]
            )  # fmt: skip


# ---------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="benchmark folder (%(default)s)")
    parser.add_argument("--list", type=Path, default=None, help="file of set/instance lines")
    parser.add_argument("--set", dest="set_name", help="run a whole set instead, e.g. j30")
    parser.add_argument("--limit", type=int, default=None, help="first N instances of --set")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--engines", default="ours,reference", help="comma-separated: ours,reference"
    )
    parser.add_argument("--csv", type=Path, default=None, help="write per-instance rows here")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(args.engines) - set(ENGINES))
    if unknown or not args.engines:
        parser.error(f"--engines takes a subset of {','.join(ENGINES)}, not {unknown}")
    if args.list and args.set_name:
        parser.error("give --list or --set, not both")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.set_name:
        instances = instances_from_set(args.set_name, args.data, args.limit)
    else:
        instances = instances_from_list(args.list or args.data / "gate70.txt", args.data)
    solvers = engine_functions(args.engines)
    started = time.perf_counter()
    runs = solve_all(instances, solvers, args)
    for set_name in dict.fromkeys(s for s, _ in instances):
        print_table(set_name, [r for r in runs if r.set_name == set_name], args.engines, args)
    elapsed = time.perf_counter() - started
    print(
        f"\npeak RSS of the benchmark process: {peak_rss_mb():.0f} MB; total wall {elapsed:.0f} s"
    )
    if args.csv:
        write_csv(args.csv, runs)
    failed = [r for r in runs if r.errors]
    if failed:
        print(f"\nBENCHMARK FAILED: {len(failed)} wrong result(s)", file=sys.stderr)
        for r in failed:
            for err in r.errors:
                print(f"  {r.set_name}/{r.instance} [{r.engine}] {err.rstrip()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
