#!/usr/bin/env bash
# deploy/Dockerfile's steps on a real Debian 13 without Docker: two Debian
# 13 roots made with debootstrap from the machine's own Debian mirror, one
# with the build stage's packages, one with only the runtime stage's (as
# debian:trixie-slim plus its apt-get install). The build stage's RUN
# lines run in the first (unit tests, the image build, deploy/stage.sh);
# the staged files go into the second, which then runs read-only, without
# /tmp, as uid 10001: every program's --help, lgx-lint-schemas on the
# image's schemas, lgx-odoo-setup and each consumer against the Odoo
# simulator (start, /healthz, SIGHUP re-reading rules and key, SIGTERM).
#
#   sudo deploy/check-on-debian13.sh        (root, debootstrap, a few minutes
#                                            and ~1 GB in .cache/debian13 the
#                                            first time; later runs reuse it)
#
# Not part of `make test` (it downloads ~300 MB of Debian packages); run it
# after changing the Dockerfile, a library, or the build. Ends with
# "debian13: N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${LGX_DEBIAN13_CACHE:-$root/.cache/debian13}
dockerfile=$root/deploy/Dockerfile
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
finish() { echo "debian13: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

[ "$(id -u)" -eq 0 ] || { echo "check-on-debian13: run as root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "check-on-debian13: apt-get install debootstrap" >&2; exit 2; }
mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)}
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "check-on-debian13: no Debian mirror found; set DEBIAN_MIRROR" >&2; exit 2; }

# The package lists, from the Dockerfile itself.
stage_pkgs() { # stage_pkgs SED-RANGE
    sed -n "$1" "$dockerfile" | grep -v '^\s*#' |
        sed -n '/apt-get install/,/&&/p' | tr ' \\' '\n\n' |
        grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vxE 'apt-get|install|rm' | sort -u | paste -sd, -
}
build_pkgs=$(stage_pkgs '/AS build$/,/^FROM /p')
runtime_pkgs=$(stage_pkgs '/^FROM .*-slim/,$p')
release=$(sed -n 's/^ARG DEBIAN_RELEASE=//p' "$dockerfile")

# bootstrap DIR PACKAGES: a minimal Debian root with PACKAGES, kept while
# the list stays the same.
bootstrap() {
    local dir=$1 pkgs=$2
    if [ -f "$dir/.lgx-stamp" ] && [ "$(cat "$dir/.lgx-stamp")" = "$release $pkgs" ]; then
        ok "Debian $release root $(basename "$dir") (cached)"
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if debootstrap --variant=minbase --include="$pkgs" "$release" "$dir" "$mirror" >"$dir.log" 2>&1; then
        echo "$release $pkgs" >"$dir/.lgx-stamp"
        ok "Debian $release root $(basename "$dir"): $pkgs"
    else
        fail "Debian $release root $(basename "$dir")" "$(tail -3 "$dir.log")"
        finish
    fi
}
bootstrap "$cache/build" "$build_pkgs"
bootstrap "$cache/runtime" "$runtime_pkgs"

# Build stage: the tree as a commit would hold it, then the RUN lines that
# follow COPY . . in the build stage.
b=$cache/build
rm -rf "$b/src" "$b/out"
mkdir -p "$b/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -C "$b/src" -xf -
sed -n '/AS build$/,/^FROM /p' "$dockerfile" | sed -n '/^COPY \. \./,$p' | sed -n 's/^RUN //p' >"$cache/build-steps"
while IFS= read -r step; do
    # shellcheck disable=SC2016 # expanded by the inner shells
    if unshare -m sh -c 'mount -t proc proc "$1/proc" &&
            exec chroot "$1" sh -c "cd /src && export UNIT_TESTS=1 && eval \"\$1\"" sh "$2"' \
        sh "$b" "$step" >"$cache/step.log" 2>&1; then
        ok "build stage: RUN $step"
    else
        fail "build stage: RUN $step" "$(tail -5 "$cache/step.log")"
        finish
    fi
done <"$cache/build-steps"

# Runtime stage: the staged files and user 10001, as the Dockerfile does.
r=$cache/runtime
rm -rf "$r/usr/local/bin/lgx" "$r"/usr/local/bin/lgx-* "$r/usr/share/lgx" "$r/etc/lgx"
cp -a "$b/out/." "$r/"
chroot "$r" sh -c 'getent passwd 10001 >/dev/null || { groupadd --gid 10001 lgx &&
    useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lgx; }' &&
    ok "runtime root: user lgx (10001)" || fail "runtime root: user lgx (10001)"
mkdir -p "$r/run/secrets/odoo" "$r/etc/lgx/rules"

work=$(mktemp -d "${TMPDIR:-/tmp}/lgx-debian13.XXXXXX")
sim=
trap '[ -n "$sim" ] && kill "$sim" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/secret" "$work/rules"
echo lgx-debian13-key >"$work/secret/api-key"
cp "$root/config/rules.json" "$work/rules/rules.json"
chmod 0755 "$work/secret" "$work/rules"
chmod 0444 "$work/secret/api-key" "$work/rules/rules.json"
run="$work/run"
cat >"$run" <<'SCRIPT'
#!/bin/sh
exec unshare -m sh -c '
    set -e
    [ -z "${PIDFILE:-}" ] || echo $$ >"$PIDFILE"
    r=$IMG
    mount --make-rprivate /
    mount --bind "$r" "$r"
    mount --rbind /dev "$r/dev"
    mount --rbind /proc "$r/proc"
    mount --bind "$SECRET" "$r/run/secrets/odoo"
    mount -o remount,bind,ro "$r/run/secrets/odoo"
    mount --bind "$RULES" "$r/etc/lgx/rules"
    mount -o remount,bind,ro "$r/etc/lgx/rules"
    mount -o remount,bind,ro "$r"
    exec chroot --userspec=10001:10001 "$r" "$@"
' sh "$@"
SCRIPT
chmod +x "$run"
export IMG=$r SECRET=$work/secret RULES=$work/rules

if "$run" /bin/sh -c 'echo x >/tmp/x' 2>/dev/null; then fail "root filesystem read-only (also /tmp)"; else ok "root filesystem read-only (also /tmp)"; fi
for p in "$r"/usr/local/bin/lgx-*; do
    p=${p##*/lgx-}
    if "$run" /usr/local/bin/lgx "$p" --help >/dev/null 2>&1; then ok "lgx $p --help"; else fail "lgx $p --help"; fi
done
if "$run" /usr/local/bin/lgx lint-schemas 2>&1 | grep -q ', 0 errors'; then
    ok "lgx-lint-schemas on /usr/share/lgx/avro-schemas"
else
    fail "lgx-lint-schemas on /usr/share/lgx/avro-schemas"
fi

python3 "$root/test/sim/odoo_sim.py" --port 0 --port-file "$work/port" --api-key lgx-debian13-key >"$work/sim.log" 2>&1 &
sim=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
LGX_ODOO_URL=http://127.0.0.1:$(cat "$work/port")
export LGX_ODOO_URL LGX_ODOO_DB=lgx LGX_ODOO_ALLOW_HTTP=true
export LGX_ODOO_API_KEY_FILE=/run/secrets/odoo/api-key LGX_KAFKA_QUEUED_MAX_MESSAGES_KBYTES=16384
if "$run" /usr/local/bin/lgx odoo-setup 2>/dev/null | grep -q "has everything lgx needs"; then
    ok "lgx-odoo-setup against Odoo"
else
    fail "lgx-odoo-setup against Odoo"
fi
for d in "$root"/consumers/*/; do
    p=$(basename "$d")
    log=$work/$p.log
    PIDFILE=$work/$p.pid LGX_BROKERS=127.0.0.1:9 LGX_RULES=/etc/lgx/rules/rules.json \
        LGX_HTTP_ADDRESS=127.0.0.1 LGX_HTTP_PORT=0 "$run" /usr/local/bin/lgx "$p" >"$log" 2>&1 &
    lp=$!
    for _ in $(seq 200); do grep -q "serving /metrics" "$log" && break; sleep 0.1; done
    port=$(sed -n 's/.*readyz on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    code=$(python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$port/healthz', timeout=5).status)" 2>/dev/null)
    pid=$(cat "$work/$p.pid" 2>/dev/null)
    [ -n "$pid" ] && kill -HUP "$pid"
    sleep 1
    [ -n "$pid" ] && kill -TERM "$pid"
    wait "$lp"
    rc=$?
    if [ "$code" = 200 ] && [ "$rc" = 0 ] && grep -q "rules reloaded from /etc/lgx/rules/rules.json" "$log" &&
        grep -q "Odoo API key read again" "$log"; then
        ok "lgx-$p: starts, /healthz 200, SIGHUP reloads rules and key, SIGTERM exits 0"
    else
        fail "lgx-$p: starts, /healthz 200, SIGHUP reloads rules and key, SIGTERM exits 0" \
            "healthz=$code exit=$rc; $(tail -2 "$log")"
    fi
done
finish
