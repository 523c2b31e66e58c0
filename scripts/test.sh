#!/usr/bin/env bash
# Every test of the project: lint, the optimizer and cross-component tests (pytest), and the Odoo
# addons' own tests on a real Odoo 18 when one is installed (ODOO18_HOME, default /opt/odoo18).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh || exit 1
status=0

echo "== ruff"
"$VENV/bin/ruff" check optimizer scripts tests addons || status=1
"$VENV/bin/ruff" format --check optimizer scripts tests addons || status=1

echo "== pylint-odoo (addons)"
"$VENV/bin/pylint" --rcfile=.pylintrc --score=n addons/* || status=1

echo "== pytest (optimizer, addon logic, cross-component)"
"$VENV/bin/python" -m pytest tests -q -p no:cacheprovider
rc=$?
[ $rc -ne 0 ] && status=1

echo "== Odoo 18 addon tests"
bash scripts/odoo_tests.sh || status=1
exit $status
