"""Write a seeded example portfolio in the engine's JSON problem format."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.portfolio import generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--objective", choices=["makespan", "weighted_tardiness"], default="weighted_tardiness"
    )
    parser.add_argument("--output", "-o", required=True)
    args = parser.parse_args()
    data = generate(args.orders, args.seed, args.objective)
    Path(args.output).write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{args.output}: {len(data['projects'])} orders, {len(data['tasks'])} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
