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
    /* With lgx_kafka_conf_keep_errors: librdkafka's last error report
     * ("" when none), written on the thread that polls the client. */
    char last_error[256];
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

/* Keeps librdkafka's error reports (a broker that refused the
 * connection, a failed authentication) in the owner's last_error as well
 * as logging them, for lgx_kafka_topic_metadata to name. They arrive when
 * the client is polled (rd_kafka_poll). */
void lgx_kafka_conf_keep_errors(rd_kafka_conf_t *conf);

/* The metadata of topic, for a tool that reads a whole topic: LGX_OK with
 * *md (free it with rd_kafka_metadata_destroy). LGX_ERR_KAFKA when the
 * brokers could not be reached (errstr names brokers, librdkafka's error
 * and, for a client made with lgx_kafka_conf_keep_errors, its last error
 * report); LGX_ERR_NOT_FOUND when the topic does not exist (errstr says
 * so). rk's opaque is the owner given to lgx_kafka_conf_new. */
lgx_err_t lgx_kafka_topic_metadata(rd_kafka_t *rk, const char *brokers,
                                   const char *topic, int timeout_ms,
                                   const rd_kafka_metadata_t **md, char *errstr,
                                   size_t errstr_size) LGX_MUST_CHECK;

/* Finds the last header named name; *value is not NUL-terminated. Returns
 * false when absent. */
bool lgx_kafka_header(const rd_kafka_message_t *msg, const char *name,
                      const char **value, size_t *len);

#endif
