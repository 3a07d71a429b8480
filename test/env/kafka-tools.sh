#!/usr/bin/env bash
# Kafka's own command-line tools, run from the jars that test/env/deps.sh
# fetched (no Kafka distribution needed), against any broker:
#
#   kafka-tools.sh TOOL ARGS...
#
# TOOL is what follows kafka- in the name of a distribution's script, and
# ARGS are that script's:
#   consumer-groups   kafka-consumer-groups.sh: groups, members, committed
#                     offsets and lag (--describe --group G), offset resets
#   topics            kafka-topics.sh: list, describe, create, add partitions
#   configs           kafka-configs.sh: topic and broker settings, SCRAM users
#   get-offsets       kafka-get-offsets.sh: a topic's end offsets
#
# e.g. kafka-tools.sh consumer-groups --bootstrap-server 127.0.0.1:9092 \
#          --describe --group lgx-picks
# KAFKA_VERSION picks the jars (test/env/kafka_lib.sh); a client of one
# version talks to brokers of others.
set -euo pipefail
. "$(dirname "$0")/kafka_lib.sh"

case "${1:-}" in
    consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    topics) class=org.apache.kafka.tools.TopicCommand ;;
    configs) class=kafka.admin.ConfigCommand ;;
    get-offsets) class=org.apache.kafka.tools.GetOffsetShell ;;
    *)
        echo "usage: kafka-tools.sh consumer-groups|topics|configs|get-offsets ARGS..." >&2
        exit 2
        ;;
esac
shift
kafka_need_jars kafka-tools.sh
kafka_java tools
exec "${KAFKA_JAVA[@]}" "$class" "$@"
