"""scripts/bench_portfolio.py on a tiny portfolio: both plans checked valid, the JSON summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
