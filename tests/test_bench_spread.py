"""scripts/bench_spread.py on the small example: the table's counts, each run's figure is its plan's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_spread_small_example(tmp_path):
    out = tmp_path / "plans"
    cmd = [
        sys.executable, str(ROOT / "scripts" / "bench_spread.py"),
        "--problem", str(ROOT / "optimizer" / "examples" / "floor_small.json"),
        "--runs", "1", "--seeds", "3,4", "--limits", "0.5", "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["seeds"] == [3, 4] and summary["runs"] == 1
    assert set(summary["limits"]) == {"0.5"}
    results = summary["results"]
    assert sorted((r["seed"], r["run"], r["limit"]) for r in results) == [(3, 0, 0.5), (4, 0, 0.5)]
    for r in results:
        plan = json.loads((out / r["plan"]).read_text())
        assert r["weighted_tardiness"] == round(plan["weighted_tardiness"], 3)
        assert (r["late_orders"] == 0) == (r["weighted_tardiness"] == 0)
    wts = [r["weighted_tardiness"] for r in results]
    assert summary["limits"]["0.5"]["min"] == min(wts)
    assert summary["limits"]["0.5"]["max"] == max(wts)
    # the table: one row per seed (1 run each), then both seeds (2 runs)
    assert "-- time limit 0.5 s --" in run.stdout
    rows = {line.split()[0]: line.split() for line in lines if line[:1].isdigit()}
    assert rows["3"][1] == "1" and rows["4"][1] == "1" and rows["3,4"][1] == "2"
    assert float(rows["3,4"][3]) == round(min(wts), 1)
