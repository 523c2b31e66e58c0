#!/usr/bin/env bash
# Install the optimizer in .venv and plan the bundled example portfolio:
# writes out/plan.json (the plan), out/plan.png and out/plan.html (its Gantt chart).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
"$VENV/bin/order-optimizer" solve optimizer/examples/portfolio.json --time-limit 10 \
    --output out/plan.json --png out/plan.png --html out/plan.html
