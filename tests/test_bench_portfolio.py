"""scripts/bench_portfolio.py on a tiny portfolio: both plans checked valid, the JSON summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.floor.checker import check_floor
from optimizer.floor.model import FloorProblem

ROOT = Path(__file__).resolve().parents[1]
KEYS = {
    "first_valid_s",
    "weighted_tardiness",
    "baseline_weighted_tardiness",
    "peak_rss_mb",
    "replan_s",
    "unaffected_moved_pct",
    "orders",
    "tasks",
    "people",
    "time_limit",
}


def test_bench_portfolio_tiny_case(tmp_path):
    out = tmp_path / "bench"
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "bench_portfolio.py"),
        "--orders", "6", "--tasks-per-order", "8", "--people", "6", "--seed", "1",
        "--time-limit", "2", "--replan", "--replan-time-limit", "2", "--quiet",
        "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert KEYS <= set(result)
    assert result["checked_valid"] is True
    assert (result["orders"], result["tasks"], result["people"]) == (6, 48, 6)
    assert result["time_limit"] == 2
    assert 0 < result["first_valid_s"] < 60
    assert result["weighted_tardiness"] >= 0 and result["baseline_weighted_tardiness"] >= 0
    assert 0 <= result["unaffected_moved_pct"] <= 100
    assert result["peak_rss_mb"] > 0
    assert "checker violations" in run.stdout
    # The files it wrote are the problem and two plans the checker passes.
    problem = FloorProblem.from_dict(json.loads((out / "problem.json").read_text()))
    for name in ("baseline_plan.json", "plan.json"):
        plan = json.loads((out / name).read_text())
        assert check_floor(problem, plan) == [], name
        assert {t["id"] for t in plan["tasks"]} == {t.id for t in problem.tasks}


def test_bench_portfolio_fails_loudly_on_an_invalid_plan(tmp_path, monkeypatch, capsys):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_portfolio as bench
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    def broken(problem, time_limit, seed, quiet):
        from optimizer.floor.timeline import build_timeline

        timeline = build_timeline(problem)
        plan = bench.Baseline(problem, timeline).run()
        for tp in plan.tasks:  # everything at once: capacity and precedences break
            if tp.status == "todo" and not any(t.pinned for t in problem.tasks if t.id == tp.id):
                tp.end -= tp.start
                tp.start = 0
        return {"solution": type("S", (), {"timeline": timeline})(),
                "data": plan.to_dict(problem, timeline.clock), "first_valid_s": 0.1, "wall_s": 0.1}  # fmt: skip

    monkeypatch.setattr(bench, "solve_ours", broken)
    code = bench.main(
        ["--orders", "4", "--tasks-per-order", "6", "--people", "5", "--time-limit", "1",
         "--out", str(tmp_path / "b")]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "BENCHMARK FAILED" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["checked_valid"] is False


def _bench():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_portfolio as bench
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return bench


def test_bench_portfolio_spread_records_and_rechecks_the_best_known(tmp_path, capsys):
    """--spread on the small example: one row per seed, min/mean/max over them, every plan
    checked; --record-best files the best plan, and the next run reads it back (checked) as
    the yardstick its gaps are measured against."""
    bench = _bench()
    index = tmp_path / "best_known.json"
    argv = [
        "--problem", str(ROOT / "optimizer" / "examples" / "floor_small.json"),
        "--spread", "3,4", "--limits", "0.5", "--out", str(tmp_path / "plans"),
        "--best-known", str(index),
    ]  # fmt: skip
    assert bench.main([*argv, "--record-best"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["best_known"] is None and "best known none stored" in out
    runs = summary["results"]
    assert sorted((r["seed"], r["limit"]) for r in runs) == [(3, 0.5), (4, 0.5)]
    assert all(r["violations"] == 0 for r in runs) and summary["checked_valid"] is True
    for r in runs:
        plan = json.loads((tmp_path / "plans" / f"plan_0.5s_seed{r['seed']}.json").read_text())
        assert r["weighted_tardiness"] == round(plan["weighted_tardiness"], 3)
    values = [r["weighted_tardiness"] for r in runs]
    assert summary["limits"]["0.5"] == {
        "min": min(values), "mean": round(sum(values) / 2, 3), "max": max(values)
    }  # fmt: skip
    assert 0 <= summary["lower_bound"] <= min(values)
    stored = json.loads(index.read_text())["problems"]
    assert [e["problem"] for e in stored] == ["floor_small.json"]
    assert stored[0]["weighted_tardiness"] == min(values) and stored[0]["checked"] is True
    assert (tmp_path / stored[0]["plan"]).exists()

    # the next run measures against it: its value is re-computed from the plan file
    assert bench.main(argv) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["best_known"] == min(values)


def test_bench_portfolio_refuses_a_best_known_plan_that_is_not_what_its_entry_says(tmp_path):
    bench = _bench()
    index = tmp_path / "best_known.json"
    problem_path = ROOT / "optimizer" / "examples" / "floor_small.json"
    argv = ["--problem", str(problem_path), "--spread", "3", "--limits", "0.3",
            "--out", str(tmp_path / "plans"), "--best-known", str(index)]  # fmt: skip
    assert bench.main([*argv, "--record-best"]) == 0
    data = json.loads(index.read_text())
    data["problems"][0]["weighted_tardiness"] -= 1.0  # claims better than its plan is
    index.write_text(json.dumps(data))
    with pytest.raises(bench.BenchError, match="is worth"):
        bench.main(argv)


def test_the_stored_best_known_plans_pass_the_checker_and_are_worth_their_entries():
    """The yardsticks kept in optimizer/examples/best_known.json: the bundled example's (no
    order late) and the 300 x 25 portfolio's are re-checked here; bench_portfolio re-checks any
    it uses."""
    from optimizer.floor.generate import generate_floor
    from optimizer.floor.timeline import build_timeline

    bench = _bench()
    example = FloorProblem.from_dict(
        json.loads((ROOT / "optimizer" / "examples" / "floor_portfolio.json").read_text())
    )
    entry = bench.load_best_known("floor_portfolio.json")
    assert entry is not None and entry["checked"] is True
    assert bench.checked_best_known(example, build_timeline(example), entry, bench.BEST_KNOWN) == 0

    args = bench.parse_args(["--orders", "300", "--tasks-per-order", "25", "--people", "60",
                             "--seed", "1"])  # fmt: skip
    entry = bench.load_best_known(bench.problem_label(args))
    assert entry is not None, "the 300 x 25 portfolio has no best known plan"
    portfolio = FloorProblem.from_dict(
        generate_floor(orders=300, tasks_per_order=25, people=60, skills=8, seed=1,
                       months=args.months)
    )  # fmt: skip
    value = bench.checked_best_known(portfolio, build_timeline(portfolio), entry, bench.BEST_KNOWN)
    assert value == entry["weighted_tardiness"] > 0
