"""The PSPLIB benchmark's table (scripts/bench_psplib.py) on runs made up here."""

from __future__ import annotations

import argparse

from tests.scripts import load_script

bench = load_script("bench_psplib")


def _run(name, engine, status, makespan, wall, best=50, optimal=True):
    known = bench.Known(makespan=best, optimal=optimal, lb=None, cpm_lb=40)
    return bench.Run("j30", name, engine, status, makespan, None, wall, known)


def test_table_names_the_slowest_proofs_and_the_optima_left_unproven(capsys):
    runs = [
        _run("a", "ours", "OPTIMAL", 50, 0.1),
        _run("b", "ours", "OPTIMAL", 50, 8.47),
        _run("c", "ours", "OPTIMAL", 50, 2.0),
        _run("d", "ours", "OPTIMAL", 50, 7.6),
        _run("e", "ours", "FEASIBLE", 51, 10.01),
        _run("f", "ours", "FEASIBLE", 60, 10.01, best=55, optimal=False),
        *(_run(n, "reference", "OPTIMAL", 50, 0.05) for n in "abcdef"),
    ]
    args = argparse.Namespace(time_limit=10.0, workers=2, seed=0)
    bench.print_table("j30", runs, ["ours", "reference"], args)
    out = capsys.readouterr().out
    assert "proven optimal                       4           6          -2" in out
    assert "slowest proofs (ours, limit 10 s): b 8.47 s, d 7.60 s, c 2.00 s" in out
    assert "known optimum not proven (ours): e\n" in out, "f's best known is not proven optimal"
    # with ours proving everything, no unproven line
    bench.print_table("j30", runs[:4], ["ours"], args)
    assert "not proven" not in capsys.readouterr().out
