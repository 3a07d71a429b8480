#!/usr/bin/env bash
# pyflakes over every Python file git knows in the project: a name used but
# never defined or imported (a helper moved to another module and not
# imported back) fails here, not in the middle of a suite against a real
# Odoo. Unused imports and variables fail too. pyflakes comes from the
# virtual environment test/tools/lint_manifests.sh --install makes.
#
# Ends with "python: N files, N problems"; exit code 0 only if none.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${LGX_LINT_VENV:-$root/.cache/lint-venv}
bash "$root/test/tools/lint_manifests.sh" --install >/dev/null
cd "$root"
mapfile -t files < <(git ls-files '*.py')
rc=0
out=$("$venv/bin/python" -m pyflakes "${files[@]}") || rc=$?
[ -z "$out" ] || echo "$out"
echo "python: ${#files[@]} files, $(printf '%s' "$out" | grep -c . || true) problems"
exit "$rc"
