#!/usr/bin/env bash
# make test-odoo: lgx against a real Odoo Community. Starts the Odoo of
# ODOO_SRC (default /opt/odoo-19) with a fresh database (test/env/odoo.sh),
# then runs against it:
#   1. the conformance suite (test/sim/conformance.py): every Odoo behaviour
#      lgx relies on, as the simulator is held to it;
#   2. the real-Odoo integration tests (test/integration/test_odoo_real.py): a dispatch
#      before its pick, a pick after another validation, the set-up;
#   3. the demo on TEST_ODOO_ORDERS orders (default 100) with its audit
#      (test/tools/demo.py: its own products, stock, customers and carriers;
#      done quantities and stock checked); TEST_ODOO_DEMO=0 leaves it out.
# Stops Odoo at the end, whatever happened. Exit status 1 when a part
# failed; the last line is "test-odoo: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export ODOO_SRC=${ODOO_SRC:-/opt/odoo-19}
dir=$(mktemp -d /tmp/lgx-odoo.XXXXXX)
trap '"$top/test/env/odoo.sh" stop "$dir"' EXIT

"$top/test/env/odoo.sh" deps || exit 1
"$top/test/env/odoo.sh" start "$dir" || exit 1
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a
echo "test-odoo: real Odoo $ODOO_VERSION from $ODOO_SRC at $ODOO_URL (database $ODOO_DB)"

passed=0 failed=0
part() { # name command...
    local name=$1; shift
    echo "== test-odoo: $name"
    if "$@"; then
        passed=$((passed + 1)); echo "== test-odoo: $name passed"
    else
        failed=$((failed + 1)); echo "== test-odoo: $name FAILED"
    fi
}
part conformance python3 "$top/test/sim/conformance.py"
part "integration (test_odoo_real)" \
    bash -c "cd '$top/test/integration' && python3 -m unittest -v test_odoo_real"
if [ "${TEST_ODOO_DEMO:-1}" = 1 ]; then
    # A real Odoo on two cores answers slower than the simulator, the more
    # so over JSON-RPC (17, 18): give the stream time to be consumed.
    part demo python3 "$top/test/tools/demo.py" --orders "${TEST_ODOO_ORDERS:-100}" \
        --timeout "${TEST_ODOO_DEMO_TIMEOUT:-900}"
fi
echo "test-odoo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
