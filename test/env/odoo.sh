#!/usr/bin/env bash
# A real Odoo Community (17, 18 or 19) on 127.0.0.1, for the conformance
# suite, the integration tests that apply and the demo with its audit.
#
#   odoo.sh deps          install what the Odoo of ODOO_SRC needs to run
#                         (PostgreSQL and the python3 packages of its
#                         debian/control); a second run only checks
#   odoo.sh start DIR     start it with a fresh database copied from a
#                         template (made once per version: stock,
#                         sale_management, sale_stock, delivery, demo data;
#                         1-2 minutes) and an API key for admin; writes
#                         DIR/env (ODOO_URL, ODOO_DB, ODOO_API_KEY_FILE,
#                         ODOO_VERSION lines) and prints it when Odoo answers
#                         (GET /web/health)
#   odoo.sh stop DIR      stop it, drop its database and remove DIR
#   odoo.sh reset DIR     stop, then start again on a fresh copy
#   odoo.sh drop-template drop the template of ODOO_SRC's version (the next
#                         start builds it again)
#
# ODOO_SRC names the source tree (odoo-bin at its root; ../shared/REAL-ODOO.md
# says how to lay one out); default /opt/odoo-19. The tree is data on this
# machine, not part of lgx. Odoo runs with /usr/bin/python3, workers = 0.
set -euo pipefail
src=${ODOO_SRC:-/opt/odoo-19}
py=/usr/bin/python3

die() { echo "odoo.sh: $*" >&2; exit 1; }

major() {
    [ -f "$src/odoo-bin" ] || die "no Odoo source tree at $src (set ODOO_SRC)"
    $py - "$src" <<'PY'
import re, sys
src = open(sys.argv[1] + "/odoo/release.py").read()
print(re.search(r"version_info\s*=\s*\(\s*(?:'saas~)?(\d+)", src).group(1))
PY
}

free_port() {
    $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The python3-* packages of the tree's debian/control Depends: the first of
# each set of alternatives that Debian has.
control_pkgs() {
    $py - "$src/debian/control" <<'PY'
import re, subprocess, sys
text = open(sys.argv[1]).read()
dep = re.search(r"^Depends:(.*?)(?=^[^#\s])", text, re.S | re.M).group(1)
for line in dep.splitlines():
    line = line.strip().rstrip(",")
    if not line or line.startswith("#") or "${" in line:
        continue
    alts = [a.strip().split()[0] for a in line.split("|")]
    for a in alts:
        r = subprocess.run(["apt-cache", "show", a], capture_output=True)
        if r.returncode == 0 and r.stdout:
            print(a)
            break
PY
}

deps() {
    local want=(postgresql postgresql-client python3-pip python3-ldap python3-serial
                python3-usb python3-xlwt)
    local missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ ! -f /var/lib/apt/lists/lock ] || ! apt-cache show python3-babel >/dev/null 2>&1; then
        apt-get update -q
    fi
    while read -r p; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done < <(control_pkgs)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "odoo.sh: installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    # Debian 12 lacks python3-lxml-html-clean; lxml >= 5.2 needs it.
    $py -c 'import lxml.html.clean' 2>/dev/null \
        || $py -m pip install -q --break-system-packages lxml_html_clean
    pg_up
}

pg_up() {
    local v
    v=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    [ -n "$v" ] || die "PostgreSQL is not installed (odoo.sh deps)"
    pg_ctlcluster "$v" main status >/dev/null 2>&1 || pg_ctlcluster "$v" main start
    su postgres -c "psql -tAc \"select 1 from pg_roles where rolname='$(id -un)'\"" | grep -q 1 \
        || su postgres -c "createuser -s $(id -un)"
}

db_exists() { psql -d postgres -tAc "select 1 from pg_database where datname='$1'" | grep -q 1; }

write_conf() { # conf db port
    cat > "$1" <<CONF
[options]
addons_path = $src/addons,$src/odoo/addons
db_name = $2
dbfilter = ^$2\$
list_db = False
http_interface = 127.0.0.1
http_port = $3
workers = 0
max_cron_threads = 0
log_level = warn
admin_passwd = lgx-test-only
data_dir = $(dirname "$1")/data
CONF
}

# The template database of this version, made once: the modules lgx works
# with and Odoo's demo data. A database made by a run that failed half way
# is dropped and made again.
template() {
    local v=$1 tpl="lgx_odoo${v}_tpl" dir
    if db_exists "$tpl" && psql -d "$tpl" -tAc "select 1 from ir_config_parameter where key='lgx.template_ready'" 2>/dev/null | grep -q 1; then
        echo "$tpl"; return 0
    fi
    db_exists "$tpl" && dropdb --force "$tpl"
    dir=$(mktemp -d)
    write_conf "$dir/odoo.conf" "$tpl" "$(free_port)"
    local demo=()
    [ "$v" -ge 19 ] && demo=(--with-demo)
    echo "odoo.sh: building the Odoo $v template database $tpl (1-2 minutes)" >&2
    $py "$src/odoo-bin" -c "$dir/odoo.conf" -d "$tpl" --no-http \
        -i stock,sale_management,sale_stock,delivery "${demo[@]}" --stop-after-init \
        > "$dir/init.log" 2>&1 || { tail -30 "$dir/init.log" >&2; die "database init failed"; }
    psql -d "$tpl" -qc "insert into ir_config_parameter(key, value) values ('lgx.template_ready', '1')"
    rm -rf "$dir"
    echo "$tpl"
}

api_key() { # conf db version -> prints the key
    local gen="_generate(None, 'lgx', None)"
    [ "$3" -le 17 ] && gen="_generate(None, 'lgx')"
    $py "$src/odoo-bin" shell -c "$1" -d "$2" --no-http 2>/dev/null <<PY | grep '^LGXKEY ' | cut -d' ' -f2
k = env['res.users.apikeys'].with_user(env.ref('base.user_admin')).$gen
env.cr.commit()
print('LGXKEY', k)
PY
}

start() {
    local dir=$1 v tpl db port
    v=$(major)
    pg_up
    tpl=$(template "$v")
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    db="lgx_odoo${v}_$(basename "$dir" | tr -c 'a-zA-Z0-9_\n' _)"
    db_exists "$db" && dropdb --force "$db"
    createdb -T "$tpl" "$db"
    port=$(free_port)
    write_conf "$dir/odoo.conf" "$db" "$port"
    api_key "$dir/odoo.conf" "$db" "$v" > "$dir/api_key"
    chmod 600 "$dir/api_key"
    [ -s "$dir/api_key" ] || die "could not make an API key (odoo-bin shell)"
    setsid $py "$src/odoo-bin" -c "$dir/odoo.conf" > "$dir/odoo.log" 2>&1 &
    echo $! > "$dir/pid"
    local url="http://127.0.0.1:$port"
    for _ in $(seq 1 240); do
        kill -0 "$(cat "$dir/pid")" 2>/dev/null || { tail -30 "$dir/odoo.log" >&2; die "Odoo exited during start"; }
        # /web/health answers on 17, 18 and 19 (17 has no /web/version)
        if curl -fs -o /dev/null "$url/web/health"; then
            printf 'ODOO_URL=%s\nODOO_DB=%s\nODOO_API_KEY_FILE=%s\nODOO_VERSION=%s\nODOO_LOGIN=admin\n' \
                "$url" "$db" "$dir/api_key" "$v" > "$dir/env"
            cat "$dir/env"
            return 0
        fi
        sleep 0.25
    done
    die "Odoo not answering after 60 s; see $dir/odoo.log"
}

stop() {
    local dir=$1
    [ -d "$dir" ] || return 0
    if [ -f "$dir/pid" ]; then
        local pid; pid=$(cat "$dir/pid")
        kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 -- -"$pid" 2>/dev/null || true
    fi
    local db
    db=$(sed -n 's/^db_name = //p' "$dir/odoo.conf" 2>/dev/null || true)
    [ -n "$db" ] && db_exists "$db" && dropdb --force "$db"
    rm -rf "$dir"
}

case "${1:-}" in
    deps) deps ;;
    start) start "${2:?dir}" ;;
    stop) stop "${2:?dir}" ;;
    reset) d=${2:?dir}; stop "$d"; start "$d" ;;
    drop-template) pg_up; t="lgx_odoo$(major)_tpl"; db_exists "$t" && dropdb --force "$t"; true ;;
    *) sed -n '2,22p' "$0"; exit 2 ;;
esac
