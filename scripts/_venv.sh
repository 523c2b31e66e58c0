# Sourced by the scripts: create .venv once, install the project into it and compile both planners'
# kernels into numba's on-disk cache (so that no solve's time limit pays for a compile).
VENV="${VENV:-$PWD/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
    echo "installing the optimizer into $VENV (a few minutes the first time)" >&2
    install_log="$VENV/install.log"
    if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
           "$VENV/bin/python" -m pip install -q -r requirements.txt -e .; } >"$install_log" 2>&1; then
        tail -30 "$install_log" >&2
        echo "install failed; the whole log is $install_log" >&2
        return 1 2>/dev/null || exit 1
    fi
    "$VENV/bin/order-optimizer" warm-up >&2 || { return 1 2>/dev/null || exit 1; }
    touch "$stamp"
fi
