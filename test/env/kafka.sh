#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft: broker and controller in one
# process) on 127.0.0.1, for tests and the demo.
#
#   kafka.sh start DIR   start a broker whose state lives in DIR; prints the
#                        bootstrap address once the broker answers metadata
#                        requests (also written to DIR/bootstrap)
#   kafka.sh stop DIR    stop it (TERM, then KILL after 20 s) and remove DIR
#   kafka.sh restart DIR stop the broker of DIR (TERM, then KILL after 20 s)
#                        and start it again on the same ports with the same
#                        data (topics, offsets, committed group offsets);
#                        prints the bootstrap address once it answers
#
# Ports are free ones chosen at start. KAFKA_VERSION picks the version
# (test/env/kafka_lib.sh; DIR/version keeps it for a restart); the jars
# come from test/env/deps.sh.
set -euo pipefail
. "$(dirname "$0")/kafka_lib.sh"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1
    kafka_need_jars kafka.sh
    mkdir -p "$dir/data"
    echo "$KAFKA_VERSION" > "$dir/version"
    local port cport
    port=$(free_port)
    cport=$(free_port)
    while [ "$cport" = "$port" ]; do cport=$(free_port); done
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
PROPS
    kafka_java broker "$dir"
    local java=("${KAFKA_JAVA[@]}")
    "${java[@]}" kafka.tools.StorageTool format -t "$("${java[@]}" kafka.tools.StorageTool random-uuid)" \
        -c "$dir/server.properties" > "$dir/format.log" 2>&1
    setsid "${java[@]}" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
    echo $! > "$dir/pid"
    local bootstrap="127.0.0.1:$port"
    for _ in $(seq 1 240); do
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "kafka.sh: broker exited during start; see $dir/broker.log" >&2
            tail -20 "$dir/broker.log" "$dir/stdout.log" >&2 || true
            exit 1
        fi
        if kcat -b "$bootstrap" -L -m 2 2>/dev/null | grep -q "1 brokers"; then
            echo "$bootstrap" > "$dir/bootstrap"
            echo "$bootstrap"
            return 0
        fi
        sleep 0.25
    done
    echo "kafka.sh: broker not ready after 60 s; see $dir/broker.log" >&2
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
        */lgx-kafka.*|*/kafka) rm -rf "$dir" ;;
    esac
}

# The broker of DIR stopped and started again: same server.properties (so
# the same ports), same log.dirs, no new format.
restart() {
    local dir=$1
    [ -f "$dir/server.properties" ] && [ -f "$dir/bootstrap" ] ||
        { echo "kafka.sh: no broker in $dir" >&2; exit 1; }
    if [ -f "$dir/pid" ]; then
        local pid
        pid=$(cat "$dir/pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 80); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        rm -f "$dir/pid"
    fi
    KAFKA_VERSION=$(cat "$dir/version")
    kafka_java broker "$dir"
    local java=("${KAFKA_JAVA[@]}")
    local bootstrap
    bootstrap=$(cat "$dir/bootstrap")
    setsid "${java[@]}" kafka.Kafka "$dir/server.properties" >> "$dir/stdout.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 1 240); do
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "kafka.sh: broker exited during restart; see $dir/broker.log" >&2
            tail -20 "$dir/broker.log" "$dir/stdout.log" >&2 || true
            exit 1
        fi
        if kcat -b "$bootstrap" -L -m 2 2>/dev/null | grep -q "1 brokers"; then
            echo "$bootstrap"
            return 0
        fi
        sleep 0.25
    done
    echo "kafka.sh: broker not ready 60 s after restart; see $dir/broker.log" >&2
    exit 1
}

case "${1:-}" in
    start) start "${2:?usage: kafka.sh start DIR}" ;;
    stop) stop "${2:?usage: kafka.sh stop DIR}" ;;
    restart) restart "${2:?usage: kafka.sh restart DIR}" ;;
    *) echo "usage: kafka.sh start|stop|restart DIR" >&2; exit 2 ;;
esac
