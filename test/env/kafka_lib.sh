# Sourced by kafka.sh, kafka_secure.sh, kafka-tools.sh and deps.sh: which
# Kafka version they run and how Java starts it.
#
# KAFKA_VERSION picks the broker and tools version (default below; 4.x
# from 4.0.1 on, as Maven Central serves them). Each version's jars live in
# .cache/kafka/<version>/jars, so that switching fetches nothing again;
# `make deps` fetches the default and $KAFKA_VERSION.

KAFKA_DEFAULT_VERSION=3.9.1
KAFKA_VERSION=${KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}
kafka_env_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# kafka_jars [VERSION]: the folder of VERSION's jars (default KAFKA_VERSION).
kafka_jars() {
    echo "$kafka_env_dir/../../.cache/kafka/${1:-$KAFKA_VERSION}/jars"
}

# kafka_need_jars NAME: stops NAME with a hint when the jars are missing.
kafka_need_jars() {
    [ -d "$(kafka_jars)" ] || {
        echo "$1: no Kafka $KAFKA_VERSION jars in $(kafka_jars); run make deps KAFKA_VERSION=$KAFKA_VERSION" >&2
        exit 1
    }
}

# kafka_java ROLE [LOGDIR]: sets the array KAFKA_JAVA to the java command
# of KAFKA_VERSION's jars. ROLE broker logs to LOGDIR/broker.log, ROLE
# tools warnings to stderr. Kafka 3.x reads a log4j 1 configuration
# (reload4j), 4.x a Log4j 2 one.
kafka_java() {
    local role=$1 logdir=${2:-/nonexistent}
    local log=(-Dlog4j.configuration="file:$kafka_env_dir/log4j/$role-log4j.properties")
    if [ "${KAFKA_VERSION%%.*}" -ge 4 ]; then
        log=(-Dlog4j2.configurationFile="$kafka_env_dir/log4j/$role-log4j2.properties")
    fi
    KAFKA_JAVA=(java -Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
                "${log[@]}" -Dkafka.logs.dir="$logdir" -cp "$(kafka_jars)/*")
}
