#!/usr/bin/env bash
# Tests of lgx-lint-schemas on a copy of avro-schemas/: the real contracts
# pass; a v4 of PickConfirmed with a new field without a default, and a v3
# of CarrierMilestone without one of its enum symbols, are refused with
# the field named. Exits 0 when every case behaves as expected.
#
# Usage: test/tools/lint_schemas_test.sh   (after make build/bin/lgx-lint-schemas)
# LINT overrides the binary, SCHEMAS the source folder.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
lint=${LINT:-$root/build/bin/lgx-lint-schemas}
schemas=${SCHEMAS:-$root/avro-schemas}
passed=0
failed=0

if [ ! -x "$lint" ]; then
    echo "lint-schemas: $lint not built (make build/bin/lgx-lint-schemas)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lgx-lint-schemas.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() {
    passed=$((passed + 1))
    echo "ok   $1"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    sed 's/^/     | /' "$tmp/out"
}

# A fresh copy of the schemas in $tmp/s.
fresh() {
    rm -rf "$tmp/s"
    cp -R "$schemas" "$tmp/s"
}

# add_entry ID VERSION FILE: appends a row to the copy's schemas.json.
add_entry() {
    python3 - "$tmp/s/schemas.json" "$1" "$2" "$3" <<'EOF'
import json, sys
path, sid, version, file = sys.argv[1:]
index = json.load(open(path))
index["schemas"].append({"id": int(sid), "version": int(version), "file": file})
json.dump(index, open(path, "w"), indent=2)
EOF
}

# make_v3 SRC DST EDIT [VERSION]: writes the copy's DST from SRC (both
# relative to the copy) with schema_version's default set to VERSION (3),
# after running the
# Python statement EDIT on the parsed schema `s` (helper `field(name)`).
make_v3() {
    python3 - "$tmp/s/$1" "$tmp/s/$2" "$3" "${4:-3}" <<'EOF'
import json, sys
src, dst, edit, version = sys.argv[1:]
s = json.load(open(src))
def field(name):
    return next(f for f in s["fields"] if f["name"] == name)
field("schema_version")["default"] = int(version)
exec(edit)
json.dump(s, open(dst, "w"), indent=2)
EOF
}

# run_lint: runs the lint on the copy; output in $tmp/out, status in $rc.
run_lint() {
    "$lint" --schema-dir "$tmp/s" >"$tmp/out" 2>&1
    rc=$?
}

# 1. The contracts as they are: compatible.
fresh
run_lint
if [ "$rc" -eq 0 ] && grep -q '^schemas: [0-9]* checked, 0 errors$' "$tmp/out"; then
    ok "avro-schemas/ as committed passes"
else
    fail "avro-schemas/ as committed passes (exit $rc)"
fi

# 2. PickConfirmed v4 adds a required field: v1, v2 and v3 data lack it.
fresh
make_v3 picks/PickConfirmed.v3.avsc picks/PickConfirmed.v4.avsc \
    's["fields"].append({"name": "dock_door", "type": "string", "doc": "Dock door."})' 4
add_entry 4 4 picks/PickConfirmed.v4.avsc
run_lint
if [ "$rc" -eq 1 ] &&
    grep -q '^ERROR lgx.picks.PickConfirmed v1 -> v4: field dock_door: added without a default' "$tmp/out" &&
    grep -q '^ERROR lgx.picks.PickConfirmed v2 -> v4: field dock_door: ' "$tmp/out" &&
    grep -q '^ERROR lgx.picks.PickConfirmed v3 -> v4: field dock_door: ' "$tmp/out" &&
    grep -q '^schemas: 10 checked, 3 errors$' "$tmp/out"; then
    ok "PickConfirmed v4 with a field without default is refused"
else
    fail "PickConfirmed v4 with a field without default is refused (exit $rc)"
fi

# 3. CarrierMilestone v3 drops the RETURNED symbol: older data has it.
fresh
make_v3 milestones/CarrierMilestone.v2.avsc milestones/CarrierMilestone.v3.avsc \
    'field("code")["type"]["symbols"].remove("RETURNED")'
add_entry 22 3 milestones/CarrierMilestone.v3.avsc
run_lint
if [ "$rc" -eq 1 ] &&
    grep -q '^ERROR lgx.milestones.CarrierMilestone v1 -> v3: field code: enum MilestoneCode: symbol(s) RETURNED removed' "$tmp/out" &&
    grep -q '^ERROR lgx.milestones.CarrierMilestone v2 -> v3: field code: ' "$tmp/out"; then
    ok "CarrierMilestone v3 without an enum symbol is refused"
else
    fail "CarrierMilestone v3 without an enum symbol is refused (exit $rc)"
fi

# 4. Appending an enum symbol is compatible (avro-c maps by position).
fresh
make_v3 milestones/CarrierMilestone.v2.avsc milestones/CarrierMilestone.v3.avsc \
    'field("code")["type"]["symbols"].append("HELD_AT_CUSTOMS")'
add_entry 22 3 milestones/CarrierMilestone.v3.avsc
run_lint
if [ "$rc" -eq 0 ]; then
    ok "CarrierMilestone v3 appending an enum symbol passes"
else
    fail "CarrierMilestone v3 appending an enum symbol passes (exit $rc)"
fi

# 5. A reused id is refused.
fresh
add_entry 2 4 picks/PickConfirmed.v3.avsc
run_lint
if [ "$rc" -eq 1 ] && grep -q '^ERROR schemas.json: id 2 used twice' "$tmp/out"; then
    ok "a reused schema id is refused"
else
    fail "a reused schema id is refused (exit $rc)"
fi

echo "lint-schemas: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
