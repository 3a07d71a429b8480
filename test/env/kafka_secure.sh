#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft) on 127.0.0.1 whose only client
# listener is SASL_SSL, for the tests of lgx over TLS and SASL.
#
#   kafka_secure.sh start DIR   make a CA, a broker certificate, a second
#                               unrelated CA and random passwords in DIR,
#                               start the broker and print its bootstrap
#                               address once it answers an authenticated
#                               metadata request
#   kafka_secure.sh start DIR --authorizer USER...
#                               the same with Kafka's StandardAuthorizer:
#                               admin is the one super user, every other
#                               principal may do only what an ACL allows;
#                               each USER is a PLAIN user with a random
#                               password (credentials.json, "acl_users")
#   kafka_secure.sh stop DIR    stop it (as kafka.sh stop) and remove DIR,
#                               keys and passwords included
#
# What DIR holds for the clients:
#   tls/ca.pem          the CA that signed the broker's certificate
#   tls/other-ca.pem    a CA that did not (certificate verification fails)
#   credentials.json    {"bootstrap", "scram_user", "scram_password",
#                        "plain_user", "plain_password", "admin_user",
#                        "admin_password"} (mode 600)
#
# Mechanisms on the listener: SCRAM-SHA-512 (the user is created when the
# storage is formatted), PLAIN (users in the listener's JAAS setting) and
# OAUTHBEARER with Kafka's default validator, which accepts unsecured JWTs
# (tests only). Without --authorizer any authenticated user may do
# anything. Inter-broker traffic uses the same listener as the admin PLAIN
# user; the broker reaches its controller over the PLAINTEXT controller
# listener as User:ANONYMOUS, a super user with --authorizer (no client
# listener is PLAINTEXT, so no client is ANONYMOUS). KAFKA_VERSION picks
# the version, as for kafka.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kafka_lib.sh"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

secret() {
    openssl rand -hex 16
}

# A CA, a broker certificate it signs (for 127.0.0.1 and localhost), the
# broker's PEM keystore (PKCS#8 key then certificate) and an unrelated CA.
make_tls() {
    local t=$1
    mkdir -p "$t"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout "$t/ca.key" -out "$t/ca.pem" \
        -days 2 -subj "/CN=lgx test CA" 2>/dev/null
    openssl req -x509 "${ec[@]}" -keyout "$t/other-ca.key" \
        -out "$t/other-ca.pem" -days 2 -subj "/CN=lgx other CA" 2>/dev/null
    openssl req "${ec[@]}" -keyout "$t/broker.key" -out "$t/broker.csr" \
        -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' \
        > "$t/broker.ext"
    openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
        -CAcreateserial -days 2 -extfile "$t/broker.ext" \
        -out "$t/broker.crt" 2>/dev/null
    cat "$t/broker.key" "$t/broker.crt" > "$t/broker-keystore.pem"
    chmod 600 "$t"/*.key "$t/broker-keystore.pem"
}

# Arguments of kcat for the admin user over SASL_SSL.
admin_kcat() {
    local dir=$1
    echo -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN \
        -X sasl.username=admin -X "sasl.password=$(cat "$dir/admin-password")" \
        -X "ssl.ca.location=$dir/tls/ca.pem"
}

start() {
    local dir=$1
    shift
    local authorizer=false
    local -a users=()
    if [ "${1:-}" = "--authorizer" ]; then
        authorizer=true
        shift
        users=("$@")
    fi
    kafka_need_jars kafka_secure.sh
    mkdir -p "$dir/data"
    echo "$KAFKA_VERSION" > "$dir/version"
    chmod 700 "$dir"
    make_tls "$dir/tls"
    local port cport admin_pw scram_pw plain_pw
    port=$(free_port)
    cport=$(free_port)
    while [ "$cport" = "$port" ]; do cport=$(free_port); done
    admin_pw=$(secret)
    scram_pw=$(secret)
    plain_pw=$(secret)
    (umask 077; echo "$admin_pw" > "$dir/admin-password")
    local plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required"
    plain_jaas+=" username=\"admin\" password=\"$admin_pw\""
    plain_jaas+=" user_admin=\"$admin_pw\" user_lgx-plain=\"$plain_pw\""
    local acl_users="" user pw
    for user in "${users[@]}"; do
        pw=$(secret)
        plain_jaas+=" user_$user=\"$pw\""
        acl_users+="${acl_users:+, }\"$user\": \"$pw\""
    done
    plain_jaas+=";"
    local authz=""
    if $authorizer; then
        authz="authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS"
    fi
    (umask 077; cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=SASL_SSL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=SASL_SSL://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN,OAUTHBEARER
listener.name.sasl_ssl.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";
ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
ssl.client.auth=none
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
$authz
PROPS
    )
    kafka_java broker "$dir"
    local java=("${KAFKA_JAVA[@]}")
    "${java[@]}" kafka.tools.StorageTool format \
        -t "$("${java[@]}" kafka.tools.StorageTool random-uuid)" \
        -c "$dir/server.properties" \
        --add-scram "SCRAM-SHA-512=[name=lgx-scram,password=$scram_pw]" \
        > "$dir/format.log" 2>&1
    setsid "${java[@]}" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
    echo $! > "$dir/pid"
    local bootstrap="127.0.0.1:$port"
    (umask 077; cat > "$dir/credentials.json" <<JSON
{"bootstrap": "$bootstrap",
 "scram_user": "lgx-scram", "scram_password": "$scram_pw",
 "plain_user": "lgx-plain", "plain_password": "$plain_pw",
 "admin_user": "admin", "admin_password": "$admin_pw",
 "acl_users": {$acl_users}}
JSON
    )
    local kcat_args
    read -r -a kcat_args <<< "$(admin_kcat "$dir")"
    for _ in $(seq 1 240); do
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "kafka_secure.sh: broker exited during start; see $dir/broker.log" >&2
            tail -20 "$dir/broker.log" "$dir/stdout.log" >&2 || true
            exit 1
        fi
        if kcat -b "$bootstrap" "${kcat_args[@]}" -L -m 2 2>/dev/null |
                grep -q "1 brokers"; then
            echo "$bootstrap" > "$dir/bootstrap"
            echo "$bootstrap"
            return 0
        fi
        sleep 0.25
    done
    echo "kafka_secure.sh: broker not ready after 60 s; see $dir/broker.log" >&2
    stop "$dir"
    exit 1
}

stop() {
    local dir=$1
    "$here/kafka.sh" stop "$dir"
    case "$dir" in
        */lgx-kafka-secure.*) rm -rf "$dir" ;;
    esac
}

case "${1:-}" in
    start) shift; start "${1:?usage: kafka_secure.sh start DIR [--authorizer USER...]}" "${@:2}" ;;
    stop) stop "${2:?usage: kafka_secure.sh stop DIR}" ;;
    *) echo "usage: kafka_secure.sh start|stop DIR" >&2; exit 2 ;;
esac
