"""The `order-optimizer` command line on PSPLIB, MMLIB and JSON inputs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from optimizer.cli import main

from .conftest import ROOT, psplib_file


def test_solve_sm_writes_plan_with_job_numbers(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert (
        main(
            ["solve", str(psplib_file("j30/j301_1.sm")), "--time-limit", "10", "--output", str(out)]
        )
        == 0
    )
    plan = json.loads(out.read_text())
    for key in ("status", "makespan", "objective", "lower_bound", "solve_seconds", "tasks"):
        assert key in plan
    assert plan["status"] == "OPTIMAL" and plan["makespan"] == 43
    ids = sorted(t["id"] for t in plan["tasks"])
    assert ids == list(range(1, 33)), "ids are the file's job numbers, dummies included"
    assert all(t["mode"] == 1 for t in plan["tasks"])
    assert "solution objective=" in capsys.readouterr().err, "progress is reported on stderr"


def test_solve_mm_reports_one_based_modes_and_check_accepts_it(tmp_path, capsys):
    path = psplib_file("mmlib50/J501_1.mm")
    out = tmp_path / "plan.json"
    assert main(["solve", str(path), "--time-limit", "10", "-o", str(out), "-q"]) == 0
    plan = json.loads(out.read_text())
    assert {t["mode"] for t in plan["tasks"]} <= {1, 2, 3}
    assert main(["check", str(path), str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith("valid")


def test_check_rejects_a_tampered_plan(tmp_path, capsys):
    path = psplib_file("j30/j301_1.sm")
    out = tmp_path / "plan.json"
    main(["solve", str(path), "--time-limit", "5", "-o", str(out), "-q"])
    plan = json.loads(out.read_text())
    last = max(plan["tasks"], key=lambda t: t["start"])
    last["start"], last["end"] = 0, last["end"] - last["start"]
    out.write_text(json.dumps(plan))
    assert main(["check", str(path), str(out)]) == 1
    assert "violation" in capsys.readouterr().out


def test_solve_example_portfolio_with_pictures(tmp_path):
    out, png, html = tmp_path / "plan.json", tmp_path / "plan.png", tmp_path / "plan.html"
    example = ROOT / "optimizer" / "examples" / "portfolio.json"
    args = [
        "solve",
        str(example),
        "--time-limit",
        "5",
        "-o",
        str(out),
        "--png",
        str(png),
        "--html",
        str(html),
        "-q",
    ]
    assert main(args) == 0
    plan = json.loads(out.read_text())
    assert plan["objective_kind"] == "weighted_tardiness"
    assert plan["objective"] == pytest.approx(
        sum(p["tardiness"] * p["weight"] for p in plan["projects"])
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "SO1001" in html.read_text()


def test_malformed_sm_exits_2_naming_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.sm"
    lines = psplib_file("j30/j301_1.sm").read_text().splitlines()
    bad.write_text("\n".join(lines[:25]) + "\n")  # cut inside PRECEDENCE RELATIONS
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err


FLOOR_EXAMPLE = ROOT / "optimizer" / "examples" / "floor_small.json"


def test_floor_solve_check_plot_and_replan(tmp_path, capsys):
    """A floor problem through the CLI: datetimes and people out, the checker agrees, a tampered
    plan is caught, the picture is drawn from the plan alone, a re-plan moves nothing."""
    out, png, html = tmp_path / "plan.json", tmp_path / "plan.png", tmp_path / "plan.html"
    assert main(["solve", str(FLOOR_EXAMPLE), "--time-limit", "1", "-o", str(out), "-q"]) == 0
    plan = json.loads(out.read_text())
    assert plan["kind"] == "floor_plan" and plan["status"] == "FEASIBLE" and plan["checked"]
    by_id = {t["id"]: t for t in plan["tasks"]}
    assert by_id["a2"]["start"] == by_id["a1"]["end"] == "2026-11-25T10:00:00+08:00"
    assert main(["check", str(FLOOR_EXAMPLE), str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith("valid")

    tampered = json.loads(out.read_text())
    tampered["tasks"][1]["start"] = "2026-11-25T09:00:00+08:00"  # before a1 ends
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    assert main(["check", str(FLOOR_EXAMPLE), str(bad)]) == 1
    assert "a2" in capsys.readouterr().out

    assert main(["plot", str(out), "--png", str(png), "--html", str(html)]) == 0
    err = capsys.readouterr().err
    assert f"picture written to {png}" in err and f"picture written to {html}" in err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert "a1" in html.read_text(encoding="utf-8")

    again = tmp_path / "again.json"
    args = ["solve", str(FLOOR_EXAMPLE), "--previous", str(out), "-o", str(again), "-q"]
    assert main([*args, "--time-limit", "1"]) == 0
    replanned = json.loads(again.read_text())
    assert replanned["moved_count"] == 0 and replanned["moved"] == []


def test_floor_input_errors_name_the_record(tmp_path, capsys):
    data = json.loads(FLOOR_EXAMPLE.read_text())
    data["calendars"][0]["attendances"] = []
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert "calendars[0]" in err and "'std'" in err and "no working time" in err

    data = json.loads(FLOOR_EXAMPLE.read_text())
    data["tasks"][0]["demands"] = [{"resource": "crane", "units": 1}]
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "-q"]) == 2
    assert "tasks[0].demands[0].resource" in capsys.readouterr().err


def test_check_an_unreadable_plan_exits_2_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "plan.json"
    bad.write_text('{"tasks": [')
    assert main(["check", str(psplib_file("j30/j301_1.sm")), str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "invalid JSON" in err


COLD_LIMIT = 4.0  # seconds; a cold compile of either planner's kernels takes longer than this
FIRST_PLAN_SHARE = 0.1  # of the time limit: where the first improving plan must come by


@pytest.mark.parametrize(
    "problem",
    [ROOT / "optimizer/examples/floor_small.json", psplib_file("j30/j3010_1.sm")],
    ids=["floor", "rcpsp"],
)
def test_a_cold_start_compiles_outside_the_time_limit(problem, tmp_path):
    """With an empty kernel cache the solve still has its whole limit for the search: the
    kernels are compiled (into the cache) before its clock starts, and the first plan comes
    within a small share of the limit."""
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    out = tmp_path / "plan.json"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "optimizer.cli", "solve", str(problem), "-o", str(out)]
    run = subprocess.run(
        [*cmd, "--time-limit", str(COLD_LIMIT)], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    assert list(cache.rglob("*.nbi")), "the kernels were compiled into the empty cache"
    plan = json.loads(out.read_text())
    assert plan["first_solution_seconds"] < FIRST_PLAN_SHARE * COLD_LIMIT, run.stderr
    assert plan["solve_seconds"] < COLD_LIMIT + 2.0, "the compile is not charged to the solve"
    # Progress lines start with the seconds since the solve's clock started ("  0.03s rule
    # ..." on the floor, "[   0.03s] heuristic ..." on the benchmark planner).
    times = [float(m[1]) for m in re.finditer(r"^\[?\s*(\d+\.\d+)s\]? ", run.stderr, re.M)]
    assert times and times[0] < FIRST_PLAN_SHARE * COLD_LIMIT, run.stderr


def test_warm_up_fills_the_kernel_cache_for_both_planners(tmp_path):
    cache = tmp_path / "numba-cache"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    run = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", "warm-up"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert [line.split()[0] for line in run.stdout.splitlines()] == ["floor", "rcpsp"]
    compiled = {p.parent.name.split("_")[0] for p in cache.rglob("*.nbi")}
    assert {"floor", "common", "rcpsp"} <= compiled, compiled
