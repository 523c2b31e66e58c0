#!/usr/bin/env bash
# A demo company on a real Odoo 18 in one command:
#
#   bash scripts/odoo_demo.sh [--db NAME] [--odoo-port P] [--optimizer-port P] [--solve-seconds S]
#                             [generator options]
#   bash scripts/odoo_demo.sh --stop
#
# Builds a fresh database (default order_demo) with order_project and order_portal, loads the
# demo company (scripts/odoo_demo.py: --seed, --history, --orders, ... are passed to it), makes
# the optimizer's bot user and its API key, starts the optimizer service and Odoo (--workers=0,
# one cron thread) on loopback, points Odoo at the service, re-optimizes all open orders and
# waits until the plan is applied, then prints the URLs and the logins. The database is built
# under a temporary name and renamed at the end: a failed run leaves no half-built database
# under the demo's name and stops what it started. Run twice, it stops the running demo and
# builds it anew. --stop [--db NAME] stops the processes it started (PIDs in .demo/NAME/: two
# demos, on other --db and ports, live side by side).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ODOO18_HOME="${ODOO18_HOME:-/opt/odoo18}"
DB=order_demo
ODOO_PORT=8069
OPT_PORT=8800
SOLVE_SECONDS=10
STOP=0
GEN_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --db) DB="$2"; shift 2 ;;
        --odoo-port) ODOO_PORT="$2"; shift 2 ;;
        --optimizer-port) OPT_PORT="$2"; shift 2 ;;
        --solve-seconds) SOLVE_SECONDS="$2"; shift 2 ;;
        --stop) STOP=1; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) GEN_ARGS+=("$1"); shift ;;
    esac
done
STATE="$ROOT/.demo/$DB"

stop_started() {
    # the processes a demo run recorded, by PID, each only if it is still the one we started
    local pidfile pid
    for pidfile in "$STATE"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
            kill -9 "$pid" 2>/dev/null || true
            echo "stopped $(basename "$pidfile" .pid) (pid $pid)"
        fi
        rm -f "$pidfile"
    done
}

if [ "$STOP" = 1 ]; then
    stop_started
    exit 0
fi

if [ ! -x "$ODOO18_HOME/venv/bin/python" ] || [ ! -f "$ODOO18_HOME/odoo-bin" ]; then
    echo "odoo_demo: no Odoo 18 at $ODOO18_HOME (needs odoo-bin and venv/bin/python); set ODOO18_HOME" >&2
    exit 2
fi
# shellcheck source=/dev/null
source scripts/_venv.sh
PY="$ROOT/.venv/bin/python"
# bad generator options are refused now, before anything is built or started
"$PY" scripts/odoo_demo.py --plan-only "${GEN_ARGS[@]}" >/dev/null

mkdir -p "$STATE"
stop_started
ODOO=("$ODOO18_HOME/venv/bin/python" "$ODOO18_HOME/odoo-bin")
CONF=()
[ -f "$ODOO18_HOME/odoo.conf" ] && CONF=(-c "$ODOO18_HOME/odoo.conf")
ADDONS="$ODOO18_HOME/odoo/addons,$ROOT/addons"
BUILD="${DB}_build_$$"
LOG="$STATE/odoo.log"
: >"$LOG"

cleanup_failed() {
    echo "odoo_demo: failed; stopping what this run started and dropping $BUILD (logs in $STATE)" >&2
    stop_started >&2 || true
    "${ODOO[@]}" db "${CONF[@]}" drop "$BUILD" >/dev/null 2>&1 || true
}
trap cleanup_failed ERR INT TERM

wait_http() {  # url pid what
    for _ in $(seq 300); do
        if ! kill -0 "$2" 2>/dev/null; then echo "odoo_demo: $3 exited (see $STATE)" >&2; return 1; fi
        curl -fs -m 5 -o /dev/null "$1" && return 0
        sleep 1
    done
    echo "odoo_demo: $3 did not answer on $1" >&2
    return 1
}

start_odoo() {  # db cron-threads
    "${ODOO[@]}" "${CONF[@]}" --addons-path="$ADDONS" -d "$1" --db-filter="^$1\$" \
        --http-interface=127.0.0.1 --http-port="$ODOO_PORT" --workers=0 \
        --max-cron-threads="$2" --logfile="$LOG" --log-level=warn >/dev/null 2>>"$LOG" &
    echo $! >"$STATE/odoo.pid"
    wait_http "http://127.0.0.1:$ODOO_PORT/web/login" "$!" "Odoo"
}

T0=$(date +%s)
echo "== installing the addons into a new database $BUILD (several minutes)"
"${ODOO[@]}" "${CONF[@]}" --addons-path="$ADDONS" -d "$BUILD" \
    -i sale_management,order_project,order_portal --without-demo=all --stop-after-init \
    --log-level=warn --logfile="$LOG" --http-port="$ODOO_PORT"
echo "== loading the demo company"
start_odoo "$BUILD" 0
URL="http://127.0.0.1:$ODOO_PORT"
"$PY" scripts/odoo_demo.py --url "$URL" --db "$BUILD" --out "$STATE/company.json" "${GEN_ARGS[@]}"
"$PY" scripts/odoo_demo_ops.py bot --url "$URL" --db "$BUILD" --key-file "$STATE/odoo_bot.key"
SERVICE_KEY=$("$PY" -c "import secrets; print(secrets.token_urlsafe(32))")
printf %s "$SERVICE_KEY" >"$STATE/optimizer.key"
chmod 600 "$STATE/optimizer.key"
"$PY" scripts/odoo_demo_ops.py settings --url "$URL" --db "$BUILD" \
    --optimizer-url "http://127.0.0.1:$OPT_PORT" --optimizer-key-file "$STATE/optimizer.key"
stop_started >/dev/null
# a bulk load leaves PostgreSQL's statistics behind (autovacuum catches up later): without
# them the open-orders search takes seconds instead of a tenth of one at scale
psql -d "$BUILD" -qc "VACUUM ANALYZE"

echo "== renaming $BUILD to $DB"
"${ODOO[@]}" db "${CONF[@]}" drop "$DB" >/dev/null 2>&1 || true
"${ODOO[@]}" db "${CONF[@]}" rename "$BUILD" "$DB" >/dev/null
BUILD="$DB"  # from here a failure drops the demo database: it is not complete yet

echo "== starting the optimizer service and Odoo"
rm -f "$STATE/jobs.sqlite3"
ORDER_OPTIMIZER_API_KEY_SHA256=$(printf %s "$SERVICE_KEY" | sha256sum | cut -c1-64) \
ORDER_OPTIMIZER_ODOO_URL="$URL" ORDER_OPTIMIZER_ODOO_DB="$DB" \
ORDER_OPTIMIZER_ODOO_LOGIN=optimizer_bot ORDER_OPTIMIZER_ODOO_API_KEY_FILE="$STATE/odoo_bot.key" \
ORDER_OPTIMIZER_DATABASE_URL="sqlite:///$STATE/jobs.sqlite3" \
ORDER_OPTIMIZER_DEFAULT_TIME_LIMIT="$SOLVE_SECONDS" \
    "$ROOT/.venv/bin/order-optimizer" serve --host 127.0.0.1 --port "$OPT_PORT" --quiet \
    >"$STATE/optimizer.log" 2>&1 &
echo $! >"$STATE/optimizer.pid"
wait_http "http://127.0.0.1:$OPT_PORT/healthz" "$!" "the optimizer service"
start_odoo "$DB" 1

echo "== re-optimizing all open orders"
"$PY" scripts/odoo_demo_ops.py replan --url "$URL" --db "$DB" --login planner --password demo
trap - ERR INT TERM

cat <<EOF

== the demo is up ($(( $(date +%s) - T0 )) s)
Odoo:      $URL/web        (database $DB)
Portal:    $URL/my
Optimizer: http://127.0.0.1:$OPT_PORT/docs  (bearer key in $STATE/optimizer.key)
Logins (password "demo" for all but admin):
  admin            admin / admin
  manager          manager
  planner          planner
  salesperson      sales
  project manager  pm
  portal customers portal1, portal2 (also portal3, portal4)
The company's parameters and counts: $STATE/company.json; logs in $STATE.
Stop it with: bash scripts/odoo_demo.sh --stop --db $DB
EOF
