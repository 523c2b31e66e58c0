#!/usr/bin/env bash
# The Odoo addons' tests on a real Odoo 18.0 server installed beside the project.
# ODOO18_HOME (default /opt/odoo18) holds odoo-bin, the odoo/ package and venv/ (Odoo's
# requirements + pytest-odoo). Without it, this says plainly that the Odoo tests did not run.
set -uo pipefail
cd "$(dirname "$0")/.."
ODOO18_HOME="${ODOO18_HOME:-/opt/odoo18}"
PY="$ODOO18_HOME/venv/bin/python"
if [ ! -x "$PY" ] || [ ! -f "$ODOO18_HOME/odoo-bin" ] || \
   ! "$PY" -c "import sys; sys.path.insert(0, '$ODOO18_HOME'); import odoo.release as r; sys.exit(r.version_info[0] != 18)" 2>/dev/null; then
    echo "Odoo 18 not found at $ODOO18_HOME: the Odoo addon tests did NOT run."
    exit 0
fi
addons=$(ls -d addons/*/ | xargs -n1 basename | paste -sd, -)
db="order_project_ci_$$"
addons_path="$ODOO18_HOME/odoo/addons,$PWD/addons"
log=$(mktemp -d)/odoo.log
cleanup() { dropdb --if-exists "$db" >/dev/null 2>&1 || true; }
trap cleanup EXIT
echo "Odoo 18 at $ODOO18_HOME: installing $addons into a fresh database $db"
if ! "$PY" "$ODOO18_HOME/odoo-bin" --addons-path="$addons_path" -d "$db" -i "$addons" \
        --stop-after-init --http-port=0 --log-level=warn >"$log" 2>&1; then
    tail -50 "$log"; echo "Odoo install of $addons failed"; exit 1
fi
echo "== pytest-odoo on $db"
cd "$ODOO18_HOME"
"$PY" -m pytest -p no:cacheprovider --odoo-http --odoo-database="$db" --odoo-addons-path="$addons_path" \
    "$OLDPWD"/addons/*/tests -q -rs 2>&1 | tee "$log.pytest"
status=${PIPESTATUS[0]}
# a skipped test did not run (a browser test without Chromium or websocket-client skips)
if grep -Eq "[0-9]+ skipped" "$log.pytest"; then
    echo "Some Odoo tests were SKIPPED (reasons above): they did not run, this run fails."
    status=1
fi
exit "$status"
