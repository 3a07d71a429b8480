#!/usr/bin/env bash
# Tests of the container image (deploy/Dockerfile) where docker cannot run:
# the Dockerfile's build steps are run on this machine and their result is
# checked as the image would be used.
#
#   1. A clean clone of the repository (plus the working tree's uncommitted
#      changes, so that what is about to be committed is tested; set
#      LGX_DEPLOY_TREE=head for HEAD alone) in a temporary folder.
#   2. The Dockerfile's own `make SCHEMA_DIR=... RULES_FILE=... all` line and
#      its `deploy/stage.sh /out` step, taken from the Dockerfile, into a
#      staging root laid out like the image (/usr/local/bin,
#      /usr/share/lgx/avro-schemas, /etc/lgx/rules.json).
#   3. Every program answers --help; the consumers' compiled-in defaults
#      are the image's schema folder and rules file; the entry point picks
#      the program by its first argument; the programs named by deploy/k8s
#      and deploy/compose.yaml exist.
#   4. Libraries: what the programs link (objdump NEEDED, ldd) maps, through
#      the Debian 12 package providing it (dpkg -S) and the table below, to
#      the Debian 13 packages the Dockerfile's runtime stage installs; the
#      build stage installs the -dev package of every pkg-config name the
#      Makefile uses.
#   5. In a root made only of the staged files and the libraries ldd lists,
#      mounted read-only, without /tmp, as uid 10001 (unshare + chroot, as
#      the image runs under Kubernetes): every program starts; lgx-lint-
#      schemas reads the image's schemas; lgx-odoo-setup and every consumer
#      work against the Odoo simulator (test/sim/odoo_sim.py) with the API key
#      and the rules mounted where the Kubernetes manifests mount them;
#      /healthz, /readyz and /metrics answer; SIGHUP re-reads rules and key;
#      SIGTERM stops cleanly; and (with strace) no program tries to write a
#      file.
#
# Ends with "deploy: N passed, N failed"; exit code 0 only if none failed.
# Needs root for step 5 (it is skipped, and says so, without unshare).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
skipped=0
pids=()

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lgx-deploy.XXXXXX")
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
    passed=$((passed + 1))
    echo "ok   $1"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL $1${2:+: $2}"
}
skip() {
    skipped=$((skipped + 1))
    echo "skip $1${2:+: $2}"
}
# check NAME COMMAND...: ok when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name"; fi
}
finish() {
    local extra=
    [ "$skipped" -gt 0 ] && extra=", $skipped skipped"
    echo "deploy: $passed passed, $failed failed$extra"
    [ "$failed" -eq 0 ]
    exit
}
# quiet COMMAND...: the command without its output.
quiet() { "$@" >/dev/null 2>&1; }

# Debian 12 package of a library the programs link -> the Debian 13
# package of the image's runtime stage ("-": part of debian:trixie-slim).
# Debian 13 names checked against trixie's package index (t64: the 64-bit
# time_t transition renamed libcurl4 and libmicrohttpd12; avro-c 1.12 has
# the new soname libavro.so.24).
LIBMAP="
librdkafka1      librdkafka1
libavro23        libavro24
libyajl2         libyajl2
libcurl4         libcurl4t64
libuuid1         libuuid1
libmicrohttpd12  libmicrohttpd12t64
libc6            -
libgcc-s1        -
"
# Makefile pkg-config names -> -dev package (the same names on Debian 12
# and 13); `check` links the unit tests that `make all` builds.
DEVMAP="
rdkafka        librdkafka-dev
avro-c         libavro-dev
yajl           libyajl-dev
libcurl        libcurl4-openssl-dev
uuid           uuid-dev
libmicrohttpd  libmicrohttpd-dev
check          check
"

# ---- 1. the tree --------------------------------------------------------

src=$tmp/src
if ! git clone -q --no-hardlinks "$root" "$src" 2>"$tmp/clone.log"; then
    fail "git clone of the repository" "$(tail -3 "$tmp/clone.log")"
    finish
fi
if [ "${LGX_DEPLOY_TREE:-worktree}" != head ]; then
    # Uncommitted changes and new files (not ignored ones), as `git add -A`
    # would commit them.
    (cd "$root" && git ls-files -z --modified --others --exclude-standard) |
        while IFS= read -r -d '' f; do
            if [ -e "$root/$f" ]; then
                mkdir -p "$src/$(dirname "$f")"
                cp -p "$root/$f" "$src/$f"
            fi
        done
    (cd "$root" && git ls-files -z --deleted) |
        while IFS= read -r -d '' f; do rm -f "$src/$f"; done
fi
if [ "${LGX_DEPLOY_TREE:-worktree}" = head ]; then
    ok "clean clone of the repository (HEAD $(cd "$src" && git rev-parse --short HEAD))"
else
    ok "clean clone of the repository (HEAD $(cd "$src" && git rev-parse --short HEAD) and the working tree's changes)"
fi
dockerfile=$src/deploy/Dockerfile
if [ ! -f "$dockerfile" ] || [ ! -x "$src/deploy/stage.sh" ]; then
    fail "deploy/Dockerfile and deploy/stage.sh exist"
    finish
fi

# ---- 2. the Dockerfile's build steps ------------------------------------

runtime=$(sed -n '/^FROM .*-slim/,$p' "$dockerfile")
check "Dockerfile: build stage on debian:trixie" \
    grep -qE '^ARG DEBIAN_RELEASE=trixie$' "$dockerfile"
check "Dockerfile: build stage FROM debian:\${DEBIAN_RELEASE}\${DEBIAN_DIGEST} AS build" \
    grep -qE '^FROM debian:\$\{DEBIAN_RELEASE\}\$\{DEBIAN_DIGEST\} AS build$' "$dockerfile"
check "Dockerfile: runtime stage FROM debian:\${DEBIAN_RELEASE}-slim\${DEBIAN_SLIM_DIGEST}" \
    grep -qE '^FROM debian:\$\{DEBIAN_RELEASE\}-slim\$\{DEBIAN_SLIM_DIGEST\}$' "$dockerfile"
check "Dockerfile: digests are build arguments (empty default)" \
    sh -c "grep -qx 'ARG DEBIAN_DIGEST=' '$dockerfile' && grep -qx 'ARG DEBIAN_SLIM_DIGEST=' '$dockerfile'"
pins=$src/deploy/base-images.env
check "deploy/base-images.env: DEBIAN_RELEASE is the Dockerfile's, digests empty or @sha256:<64 hex>" \
    sh -c "grep -qx \"DEBIAN_RELEASE=\$(sed -n 's/^ARG DEBIAN_RELEASE=//p' '$dockerfile')\" '$pins' &&
           grep -qE '^DEBIAN_DIGEST=(@sha256:[0-9a-f]{64})?$' '$pins' &&
           grep -qE '^DEBIAN_SLIM_DIGEST=(@sha256:[0-9a-f]{64})?$' '$pins'"
check "Dockerfile: HEALTHCHECK runs 'lgx healthcheck'" \
    grep -qF 'CMD ["/usr/local/bin/lgx", "healthcheck"]' <<<"$runtime"
check "Dockerfile: runs as uid 10001" grep -qE '^USER 10001(:10001)?$' <<<"$runtime"
check "Dockerfile: creates user and group 10001" \
    grep -qE 'useradd .*--uid 10001' <<<"$runtime"
check "Dockerfile: EXPOSE 9464" grep -qE '^EXPOSE 9464$' <<<"$runtime"
check "Dockerfile: ENTRYPOINT is the lgx entry point" \
    grep -qF 'ENTRYPOINT ["/usr/local/bin/lgx"]' <<<"$runtime"
check "Dockerfile: copies the staged tree into the image" \
    grep -qE '^COPY --from=build /out/ /$' <<<"$runtime"
check "Dockerfile: installs ca-certificates" grep -qw ca-certificates <<<"$runtime"

make_line=$(sed -n 's/^RUN \(make SCHEMA_DIR=.*\)$/\1/p' "$dockerfile")
check "Dockerfile: make with SCHEMA_DIR=/usr/share/lgx/avro-schemas RULES_FILE=/etc/lgx/rules.json" \
    grep -qE '^make SCHEMA_DIR=/usr/share/lgx/avro-schemas RULES_FILE=/etc/lgx/rules\.json all$' <<<"$make_line"
check "Makefile: SCHEMA_DIR and RULES_FILE are its variables, compiled in" \
    sh -c "grep -q '^SCHEMA_DIR ?=' '$src/Makefile' && grep -q '^RULES_FILE ?=' '$src/Makefile' &&
           grep -q 'DLGX_SCHEMA_DIR=.*(SCHEMA_DIR)' '$src/Makefile' && grep -q 'DLGX_RULES_FILE=.*(RULES_FILE)' '$src/Makefile'"
if [ -z "$make_line" ]; then
    fail "build as the Dockerfile does" "no 'RUN make SCHEMA_DIR=...' line"
    finish
fi
if (cd "$src" && MAKEFLAGS="-j$(nproc)" sh -c "$make_line") >"$tmp/build.log" 2>&1; then
    ok "build: $make_line"
else
    fail "build: $make_line" "$(tail -15 "$tmp/build.log")"
    finish
fi

stage=$tmp/stage
stage_line=$(sed -n 's/^RUN \(deploy\/stage\.sh\) \/out$/\1/p' "$dockerfile")
check "Dockerfile: stages with deploy/stage.sh /out" test -n "$stage_line"
if (cd "$src" && deploy/stage.sh "$stage") >"$tmp/stage.log" 2>&1; then
    ok "deploy/stage.sh into a staging root"
else
    fail "deploy/stage.sh into a staging root" "$(tail -5 "$tmp/stage.log")"
    finish
fi

# ---- 3. layout, programs, entry point -----------------------------------

bin=$stage/usr/local/bin
schemas=$stage/usr/share/lgx/avro-schemas
check "image layout: /etc/lgx/rules.json is config/rules.json" cmp -s "$stage/etc/lgx/rules.json" "$src/config/rules.json"
check "image layout: /usr/share/lgx/avro-schemas/schemas.json" test -f "$schemas/schemas.json"
missing=$(python3 - "$schemas" <<'PY'
import json, os, sys
d = sys.argv[1]
with open(os.path.join(d, "schemas.json")) as f:
    files = [s["file"] for s in json.load(f)["schemas"]]
print(" ".join(x for x in files if not os.path.isfile(os.path.join(d, x))))
PY
)
check "image layout: every .avsc that schemas.json lists${missing:+ (missing: $missing)}" test -z "$missing"
check "image layout: nothing but programs and the entry point in /usr/local/bin" \
    sh -c "! ls '$bin' | grep -vqE '^(lgx|lgx-[a-z-]+)$'"
check "image layout: the unit tests (check_lgx) stay out" test ! -e "$bin/check_lgx"

progs=()
for kind in consumers producers tools; do
    for d in "$src/$kind"/*/; do
        [ -d "$d" ] && progs+=("$(basename "$d")")
    done
done
consumers=()
for d in "$src"/consumers/*/; do consumers+=("$(basename "$d")"); done
for p in "${progs[@]}"; do
    if [ -x "$bin/lgx-$p" ] && "$bin/lgx-$p" --help >"$tmp/help.out" 2>&1 && grep -q "^Usage: lgx-$p" "$tmp/help.out"; then
        ok "lgx-$p --help"
    else
        fail "lgx-$p --help" "$(head -3 "$tmp/help.out" 2>/dev/null)"
    fi
done
for p in "${consumers[@]}"; do
    md=$("$bin/lgx-$p" --help-markdown 2>&1)
    check "lgx-$p: default --schema-dir is /usr/share/lgx/avro-schemas" \
        grep -qF '| `--schema-dir` | `LGX_SCHEMA_DIR` | /usr/share/lgx/avro-schemas |' <<<"$md"
    check "lgx-$p: default --rules is /etc/lgx/rules.json" \
        grep -qF '| `--rules` | `LGX_RULES` | /etc/lgx/rules.json |' <<<"$md"
done
for p in "${progs[@]}"; do
    md=$("$bin/lgx-$p" --help-markdown 2>&1)
    if grep -qF '`--schema-dir`' <<<"$md"; then
        check "lgx-$p: its --schema-dir default is the image's" \
            grep -qF '| `--schema-dir` | `LGX_SCHEMA_DIR` | /usr/share/lgx/avro-schemas |' <<<"$md"
    fi
done

lgx=$bin/lgx
"$lgx" >/dev/null 2>&1
check "entry point: no program named -> usage, exit 2" test $? -eq 2
check "entry point: --help lists the programs" sh -c "'$lgx' --help | grep -qx '  picks'"
"$bin/lgx-picks" --help >"$tmp/picks.help" 2>&1
if "$lgx" picks --help 2>&1 | cmp -s - "$tmp/picks.help"; then
    ok "entry point: 'lgx picks --help' is lgx-picks --help"
else
    fail "entry point: 'lgx picks --help' is lgx-picks --help"
fi
check "entry point: 'lgx lgx-dlq --help' (prefix given)" sh -c "'$lgx' lgx-dlq --help | grep -q '^Usage: lgx-dlq'"
"$lgx" ../../bin/sh >/dev/null 2>&1
check "entry point: refuses a path as program (exit 2)" test $? -eq 2
"$lgx" nosuch >/dev/null 2>&1
check "entry point: refuses an unknown program (exit 2)" test $? -eq 2

# The HEALTHCHECK: 0 on a 200 of /healthz, else not (bash's /dev/tcp).
hport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$hport" >/dev/null 2>&1 <<'PY' &
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
hpid=$!
for _ in $(seq 50); do
    LGX_HTTP_PORT=$hport "$lgx" healthcheck 2>/dev/null && break
    sleep 0.1
done
LGX_HTTP_PORT=$hport "$lgx" healthcheck >/dev/null 2>&1
check "entry point: 'lgx healthcheck' is 0 when /healthz answers 200" test $? -eq 0
LGX_HTTP_PORT=$hport "$lgx" healthcheck /readyz >/dev/null 2>&1
check "entry point: 'lgx healthcheck /readyz' fails on a 503" test $? -ne 0
kill "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
LGX_HTTP_PORT=$hport "$lgx" healthcheck >/dev/null 2>&1
check "entry point: 'lgx healthcheck' fails when nothing listens" test $? -ne 0

named=$( (grep -hoE 'args: \["[a-z-]+"\]' "$src"/deploy/k8s/*.yaml | sed -E 's/.*"([a-z-]+)".*/\1/'
          grep -hoE '^\s+command: \["[a-z-]+"\]' "$src/deploy/compose.yaml" | sed -E 's/.*"([a-z-]+)".*/\1/') | sort -u)
for p in $named; do
    case $p in -*) continue ;; esac
    check "program '$p' named by deploy/k8s or compose.yaml is in the image" test -x "$bin/lgx-$p"
done
for p in "${consumers[@]}"; do
    check "consumer $p is deployed (deploy/k8s/$p.yaml)" grep -qF "args: [\"$p\"]" "$src/deploy/k8s/$p.yaml"
done

# ---- 4. libraries -------------------------------------------------------

runtime_pkgs=$(grep -v '^\s*#' <<<"$runtime" | tr ' \\' '\n\n' | grep -E '^(lib[a-z0-9.+-]+|ca-certificates)$' | sort -u)
build_stage=$(sed -n '/AS build$/,/^FROM /p' "$dockerfile")
build_pkgs=$(grep -v '^\s*#' <<<"$build_stage" | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
map13() { awk -v p="$1" '$1 == p { print $2 }' <<<"$LIBMAP"; }
pkg_of() { # library path -> Debian package (with or without merged /usr)
    local f
    for f in "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; do
        [ -n "$f" ] && dpkg -S "$f" 2>/dev/null | head -1 | cut -d: -f1 | grep . && return
    done
}

needed=$(for b in "$bin"/lgx-*; do objdump -p "$b" | awk '/NEEDED/ { print $2 }'; done | sort -u)
check "objdump lists what the programs link" test -n "$needed"
wanted13=()
for so in $needed; do
    path=$(for b in "$bin"/lgx-*; do ldd "$b"; done | awk -v s="$so" '$1 == s && $2 == "=>" { print $3; exit }')
    pkg12=$(pkg_of "$path")
    pkg13=$(map13 "$pkg12")
    if [ -z "$pkg12" ]; then
        fail "$so: a Debian package provides it" "ldd: ${path:-not found}"
    elif [ -z "$pkg13" ]; then
        fail "$so ($pkg12): in the Debian 12 -> 13 table of test/tools/test_deploy.sh" "add it and its Debian 13 name to the Dockerfile"
    elif [ "$pkg13" = - ]; then
        ok "$so ($pkg12): part of the base image"
    else
        wanted13+=("$pkg13")
        check "$so ($pkg12 on Debian 12): the runtime stage installs $pkg13" grep -qx "$pkg13" <<<"$runtime_pkgs"
    fi
done
for p in $runtime_pkgs; do
    [ "$p" = ca-certificates ] && continue
    check "runtime package $p: a library the programs link needs it" \
        grep -qx "$p" < <(printf '%s\n' "${wanted13[@]}")
done

# Everything ldd loads must come with those packages' dependencies (plus
# the C library): on Debian 12, the closure of their Depends.
# shellcheck disable=SC2046 # one package name a word
closure=$(python3 - $(for so in $needed; do
              path=$(for b in "$bin"/lgx-*; do ldd "$b"; done | awk -v s="$so" '$1 == s && $2 == "=>" { print $3; exit }')
              pkg_of "$path"; done) libc6 libgcc-s1 <<'PY'
import re, subprocess, sys
seen, todo = set(), list(sys.argv[1:])
while todo:
    p = todo.pop()
    if p in seen:
        continue
    seen.add(p)
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Depends}, ${Pre-Depends}", p],
                       capture_output=True, text=True)
    for alt in r.stdout.split(","):
        for name in alt.split("|"):
            name = re.sub(r"\(.*?\)|:any|:\w+", "", name).strip()
            if name:
                todo.append(name)
print("\n".join(sorted(seen)))
PY
)
lddpkgs=$(for b in "$bin"/lgx-*; do ldd "$b"; done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
          sort -u | while read -r f; do pkg_of "$f"; done | sort -u)
uncovered=$(comm -23 <(sort -u <<<"$lddpkgs") <(sort -u <<<"$closure") | tr '\n' ' ')
check "every library ldd loads comes with the runtime packages' dependencies${uncovered:+ (not: $uncovered)}" \
    test -z "$uncovered"

pcs=$(sed -n 's/^PKGS := //p' "$src/Makefile")
for pc in $pcs check; do
    dev=$(awk -v p="$pc" '$1 == p { print $2 }' <<<"$DEVMAP")
    pcfile=$(pkg-config --variable=pcfiledir "$pc" 2>/dev/null)/$pc.pc
    real=$(pkg_of "$pcfile")
    if [ -z "$dev" ]; then
        fail "pkg-config $pc: in the -dev table of test/tools/test_deploy.sh" "add it, and its -dev package to the Dockerfile's build stage"
        continue
    fi
    [ -n "$real" ] && [ "$real" != "$dev" ] && fail "pkg-config $pc comes from $dev" "dpkg -S says $real"
    check "build stage installs $dev (pkg-config $pc)" grep -qx "$dev" <<<"$build_pkgs"
done

# ---- 5. the image as it runs: read-only, uid 10001, only its libraries ----

if ! unshare -m true 2>/dev/null || ! command -v chroot >/dev/null; then
    skip "read-only image root" "needs root (unshare -m, chroot)"
    finish
fi
img=$tmp/root
mkdir -p "$img"
cp -a "$stage/." "$img/"
{
    for b in "$bin"/lgx-*; do ldd "$b"; done
    ldd "$(readlink -f /bin/sh)"
} | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
    while read -r f; do cp -L --parents "$f" "$img/"; done
mkdir -p "$img/bin" "$img/dev" "$img/proc" "$img/run/secrets/odoo" "$img/etc/lgx/rules"
cp -L "$(readlink -f /bin/sh)" "$img/bin/sh"
check "image root has no /tmp (the programs need none)" test ! -e "$img/tmp"

key="lgx-deploy-test-key"
mkdir -p "$tmp/secret" "$tmp/rules"
printf '%s\n' "$key" >"$tmp/secret/api-key"
cp "$src/config/rules.json" "$tmp/rules/rules.json"
chmod 0444 "$tmp/secret/api-key" "$tmp/rules/rules.json"
chmod 0755 "$tmp/secret" "$tmp/rules"

# $run_image CMD...: CMD in the image root, read-only, as 10001:10001, with
# the key and the rules mounted (read-only) where deploy/k8s mounts them.
# With PIDFILE set, writes the pid that becomes CMD's (every step execs).
run_image=$tmp/run-image
cat >"$run_image" <<'SCRIPT'
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
chmod +x "$run_image"
export IMG=$img SECRET=$tmp/secret RULES=$tmp/rules

if "$run_image" /bin/sh -c 'echo x >/x' 2>/dev/null; then
    fail "writing into the image root is refused"
else
    ok "writing into the image root is refused"
fi
for p in "${progs[@]}"; do
    check "in the image root: lgx $p --help" quiet "$run_image" /usr/local/bin/lgx "$p" --help
done
"$run_image" /usr/local/bin/lgx lint-schemas >"$tmp/lint.out" 2>&1
check "in the image root: lgx-lint-schemas reads the image's schemas (exit $?)" \
    grep -q ', 0 errors' "$tmp/lint.out"

# The Odoo simulator, as the Odoo of the image's programs.
python3 "$src/test/sim/odoo_sim.py" --port 0 --port-file "$tmp/sim.port" --api-key "$key" \
    >"$tmp/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    [ -s "$tmp/sim.port" ] && break
    sleep 0.1
done
if [ ! -s "$tmp/sim.port" ]; then
    fail "Odoo simulator started" "$(tail -3 "$tmp/sim.log")"
    finish
fi
# What deploy/k8s gives the containers (the simulator is plain http).
LGX_ODOO_URL=http://127.0.0.1:$(cat "$tmp/sim.port")
export LGX_ODOO_URL LGX_ODOO_DB=lgx
export LGX_ODOO_ALLOW_HTTP=true LGX_ODOO_API_KEY_FILE=/run/secrets/odoo/api-key
export LGX_KAFKA_QUEUED_MAX_MESSAGES_KBYTES=16384

if "$run_image" /usr/local/bin/lgx odoo-setup >"$tmp/setup.out" 2>"$tmp/setup.log" &&
    grep -q "has everything lgx needs" "$tmp/setup.out"; then
    ok "in the image root: lgx-odoo-setup against Odoo (the Job)"
else
    fail "in the image root: lgx-odoo-setup against Odoo (the Job)" "$(tail -3 "$tmp/setup.log")"
fi

http() { # http PORT PATH: prints "STATUS BODY"
    python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5)
    print(r.status, r.read().decode(errors="replace"))
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode(errors="replace"))
except Exception as e:
    print(0, e)
PY
}
wait_log() { # wait_log FILE TEXT SECONDS
    local _
    for _ in $(seq $(($3 * 10))); do
        grep -qF "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# consumer NAME [strace]: starts the consumer through the entry point as a
# Deployment does, with Kafka unreachable (it need not be there to start),
# then checks its HTTP endpoint, SIGHUP and SIGTERM.
consumer() {
    local p=$1 traced=${2:-} log=$tmp/$1.log lp pid port rc writes
    local tracer=()
    # shellcheck disable=SC2054 # the commas are strace's
    [ -n "$traced" ] && tracer=(strace -f -qq -o "$tmp/$p.strace" -e
        trace=open,openat,openat2,creat,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,truncate,chmod,fchmodat,chown,fchownat,mknod,mknodat,execve)
    rm -f "$tmp/$p.pid"
    env PIDFILE="$tmp/$p.pid" LGX_BROKERS=127.0.0.1:9 LGX_RULES=/etc/lgx/rules/rules.json \
        LGX_HTTP_ADDRESS=127.0.0.1 LGX_HTTP_PORT=0 \
        "${tracer[@]}" "$run_image" /usr/local/bin/lgx "$p" >"$log" 2>&1 &
    lp=$!
    pids+=("$lp")
    if ! wait_log "$log" "serving /metrics" 20 || [ ! -s "$tmp/$p.pid" ]; then
        fail "in the image root: lgx-$p starts (rules, schemas, key at the k8s paths)" "$(tail -3 "$log")"
        kill "$lp" 2>/dev/null
        return
    fi
    ok "in the image root: lgx-$p starts (rules, schemas, key at the k8s paths)"
    pid=$(cat "$tmp/$p.pid")
    port=$(sed -n 's/.*serving \/metrics, \/healthz and \/readyz on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    http "$port" /healthz >"$tmp/$p.healthz"
    http "$port" /readyz >"$tmp/$p.readyz"
    http "$port" /metrics >"$tmp/$p.metrics"
    check "lgx-$p: /healthz 200" grep -q '^200 ' "$tmp/$p.healthz"
    check "lgx-$p: /readyz 503 without Kafka (no partition assigned)" grep -q '^503 ' "$tmp/$p.readyz"
    check "lgx-$p: /metrics has lgx_build_info{program=\"lgx-$p\"}" \
        grep -qF "lgx_build_info{program=\"lgx-$p\"" "$tmp/$p.metrics"
    kill -HUP "$pid"
    check "lgx-$p: SIGHUP re-reads /etc/lgx/rules/rules.json" \
        wait_log "$log" "rules reloaded from /etc/lgx/rules/rules.json" 10
    check "lgx-$p: SIGHUP re-reads the API key file" \
        wait_log "$log" "Odoo API key read again from its file" 10
    kill -TERM "$pid"
    rc=timeout
    for _ in $(seq 300); do
        if ! kill -0 "$lp" 2>/dev/null; then
            wait "$lp"
            rc=$?
            break
        fi
        sleep 0.1
    done
    check "lgx-$p: SIGTERM stops it cleanly within 30 s (exit $rc)" test "$rc" = 0
    if [ -n "$traced" ]; then
        # The consumer's own calls: from its execve on (after the
        # wrapper's mounts and the entry point).
        awk '/execve\("\/usr\/local\/bin\/lgx-'"$p"'"/ && / = 0$/ { on = 1 } on' \
            "$tmp/$p.strace" >"$tmp/$p.calls"
        writes=$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|^[0-9]+ +(creat|mkdir|mkdirat|unlink|unlinkat|rename|renameat|renameat2|link|linkat|symlink|symlinkat|truncate|chmod|fchmodat|chown|fchownat|mknod|mknodat)\(' \
                 "$tmp/$p.calls" | grep -vE '"/dev/(null|urandom|random)"' | head -3)
        if [ ! -s "$tmp/$p.calls" ]; then
            fail "lgx-$p tries to write no file (strace)" "no execve of lgx-$p in the trace"
        else
            check "lgx-$p tries to write no file (strace)${writes:+: $writes}" test -z "$writes"
        fi
    fi
}

if command -v strace >/dev/null; then
    consumer "${consumers[0]}" strace
    rest=("${consumers[@]:1}")
else
    skip "no consumer tries to write a file" "strace not installed"
    rest=("${consumers[@]}")
fi
for p in "${rest[@]}"; do
    consumer "$p"
done

finish
