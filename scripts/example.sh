#!/usr/bin/env bash
# Install the optimizer in .venv and plan the bundled example portfolio: 40 sales orders of 12
# tasks for 12 people with skills, working calendars, holidays, leaves and work in progress.
# Writes out/plan.json (the checked plan), out/plan.png and out/plan.html (Gantt and load charts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
"$VENV/bin/order-optimizer" solve optimizer/examples/floor_portfolio.json --time-limit 10 \
    --output out/plan.json --png out/plan.png --html out/plan.html
