/*
 * lgx_kafka: what every lgx Kafka client shares: configuration from
 * --brokers and the --kafka.<prop> passthrough, librdkafka's log lines
 * routed into lgx_log, and header helpers.
 */
#ifndef LGX_KAFKA_H
#define LGX_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "lgx_err.h"
#include "lgx_log.h"

/* The opaque of every lgx Kafka client starts with this, so that the log
 * callback finds the logger. */
typedef struct lgx_kafka_owner {
    lgx_log_t *log;
} lgx_kafka_owner_t;

/* Returns a librdkafka configuration with bootstrap.servers = brokers, the
 * name/value pairs of props (NULL-terminated, may be NULL) and lgx's log
 * callback, opaque = owner. NULL with errstr naming the bad property. */
rd_kafka_conf_t *lgx_kafka_conf_new(const char *brokers, char **props,
                                    lgx_kafka_owner_t *owner, char *errstr,
                                    size_t errstr_size);

/* Sets one property; errstr names it on failure. */
lgx_err_t lgx_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                             const char *value, char *errstr,
                             size_t errstr_size) LGX_MUST_CHECK;

/* Finds the last header named name; *value is not NUL-terminated. Returns
 * false when absent. */
bool lgx_kafka_header(const rd_kafka_message_t *msg, const char *name,
                      const char **value, size_t *len);

#endif
