#!/usr/bin/env bash
# A real Confluent-compatible schema registry on 127.0.0.1 for the
# integration tests: Apicurio Registry with in-memory storage (nothing is
# kept after stop), its Confluent API at /apis/ccompat/v7.
#
#   registry.sh start DIR [FIRST_ID]
#                        start a registry whose log and pid live in DIR;
#                        prints the base URL of its Confluent API once it
#                        answers (also written to DIR/url). Schema ids start
#                        at FIRST_ID (default 1000): a fresh registry would
#                        hand out 1, 2, ..., the fixed ids of
#                        avro-schemas/schemas.json, which lgx-produce refuses
#                        for other schemas. 1 leaves the registry as it
#                        starts.
#   registry.sh stop DIR stop it (TERM, then KILL after 20 s) and remove DIR
#
# The port is a free one chosen at start. The registry comes from
# test/env/deps.sh (.cache/registry).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
app="$top/.cache/registry/app"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Moves the id sequences of an empty registry so that the next schema gets
# id $2: imports one placeholder schema with id $2 - 1 under the group
# lgx-id-floor, which the Confluent API (default group only) does not list.
id_floor() {
    python3 - "$1" "$2" <<'PY'
import hashlib, io, json, sys, time, urllib.request, zipfile
base, first = sys.argv[1], int(sys.argv[2])
floor = first - 1
now = int(time.time() * 1000)
data = json.dumps({"type": "record", "name": "IdFloor",
                   "namespace": "lgx.test", "fields": []}).encode()
h = hashlib.sha256(data).hexdigest()
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("manifest.Manifest.json", json.dumps({
        "systemVersion": "2", "systemName": "apicurio-registry",
        "systemDescription": "", "exportVersion": "1.0",
        "exportedOn": now, "exportedBy": ""}))
    z.writestr("content/%s.Content.json" % h, json.dumps({
        "contentId": floor, "canonicalHash": h, "contentHash": h,
        "artifactType": "AVRO", "serializedReferences": None}))
    z.writestr("content/%s.Content.data" % h, data)
    z.writestr("groups/lgx-id-floor/artifacts/id-floor/versions/"
               "1.ArtifactVersion.json", json.dumps({
        "globalId": floor, "groupId": "lgx-id-floor",
        "artifactId": "id-floor", "version": "1", "versionId": 1,
        "artifactType": "AVRO", "state": "ENABLED", "name": None,
        "description": None, "createdBy": "", "createdOn": now,
        "labels": None, "properties": None, "isLatest": True,
        "contentId": floor}))
req = urllib.request.Request(base + "/apis/registry/v2/admin/import",
                             data=buf.getvalue(), method="POST",
                             headers={"Content-Type": "application/zip"})
urllib.request.urlopen(req, timeout=30)
PY
}

start() {
    local dir=$1 first=${2:-1000}
    local jars=("$app"/apicurio-registry-app-*-runner.jar)
    local jar=${jars[0]}
    [ -f "$jar" ] || { echo "registry.sh: no registry in $app; run make deps" >&2; exit 1; }
    mkdir -p "$dir"
    local port
    port=$(free_port)
    local base="http://127.0.0.1:$port"
    setsid java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.log.level=WARN \
        -jar "$jar" > "$dir/registry.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 1 240); do
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "registry.sh: registry exited during start; see $dir/registry.log" >&2
            tail -20 "$dir/registry.log" >&2 || true
            exit 1
        fi
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
                "$base/apis/ccompat/v7/subjects" 2>/dev/null; then
            if [ "$first" -gt 1 ]; then
                id_floor "$base" "$first"
            fi
            echo "$base/apis/ccompat/v7" > "$dir/url"
            echo "$base/apis/ccompat/v7"
            return 0
        fi
        sleep 0.25
    done
    echo "registry.sh: registry not ready after 60 s; see $dir/registry.log" >&2
    stop "$dir"
    exit 1
}

stop() {
    local dir=$1
    if [ -f "$dir/pid" ]; then
        local pid
        pid=$(cat "$dir/pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 80); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$dir/pid"
    fi
    case "$dir" in
        */lgx-registry.*|*/registry) rm -rf "$dir" ;;
    esac
}

case "${1:-}" in
    start) start "${2:?usage: registry.sh start DIR [FIRST_ID]}" "${3:-1000}" ;;
    stop) stop "${2:?usage: registry.sh stop DIR}" ;;
    *) echo "usage: registry.sh start DIR [FIRST_ID] | stop DIR" >&2; exit 2 ;;
esac
