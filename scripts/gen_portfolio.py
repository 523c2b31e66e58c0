"""Write a seeded example portfolio: the engine's JSON problem format (integer periods, default)
or, with --floor, a shop-floor problem (calendars, skills, work in progress; optimizer/floor)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.rcpsp.generate import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=None, help="default 8, or 300 with --floor")
    parser.add_argument("--seed", type=int, default=None, help="default 7, or 0 with --floor")
    parser.add_argument(
        "--objective", choices=["makespan", "weighted_tardiness"], default="weighted_tardiness"
    )
    parser.add_argument("--output", "-o", required=True)
    floor = parser.add_argument_group("floor problems (--floor)")
    floor.add_argument("--floor", action="store_true", help="write a floor problem instead")
    floor.add_argument("--tasks-per-order", type=int, default=25)
    floor.add_argument("--people", type=int, default=60)
    floor.add_argument("--skills", type=int, default=8)
    floor.add_argument("--months", type=float, default=6)
    floor.add_argument("--now", default="2026-11-23T08:00:00", help="local time of --timezone")
    floor.add_argument("--timezone", default="Asia/Shanghai")
    floor.add_argument("--no-wip", action="store_true", help="no work done or in progress yet")
    args = parser.parse_args(argv)
    if args.floor:
        from optimizer.floor.generate import generate_floor

        data = generate_floor(
            orders=300 if args.orders is None else args.orders,
            tasks_per_order=args.tasks_per_order,
            people=args.people,
            skills=args.skills,
            seed=0 if args.seed is None else args.seed,
            months=args.months,
            now=args.now,
            timezone=args.timezone,
            wip=not args.no_wip,
        )
    else:
        orders = 8 if args.orders is None else args.orders
        data = generate(orders, 7 if args.seed is None else args.seed, args.objective)
    Path(args.output).write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{args.output}: {len(data['projects'])} orders, {len(data['tasks'])} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
