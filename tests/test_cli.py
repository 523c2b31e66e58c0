"""The `order-optimizer` command line on PSPLIB, MMLIB and JSON inputs."""

from __future__ import annotations

import json

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
