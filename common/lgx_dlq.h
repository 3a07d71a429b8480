/*
 * lgx_dlq: dead letters. A message that cannot be applied is copied to the
 * dead-letter topic (by default <topic>.dlq) with its original key, value
 * and headers, plus headers that say where it came from and why:
 *
 *   lgx.dlq.topic, lgx.dlq.partition, lgx.dlq.offset   original position
 *   lgx.dlq.reason      reason code (README lists them all)
 *   lgx.dlq.message     human-readable detail
 *   lgx.dlq.program     the program that gave up
 *   lgx.dlq.attempts    how many times it was tried
 *   lgx.dlq.first_failure, lgx.dlq.last_failure   epoch milliseconds
 *   lgx.dlq.correlation_id
 *
 * A send returns only once the broker acknowledged the record (acks=all):
 * only then may the original offset be committed.
 */
#ifndef LGX_DLQ_H
#define LGX_DLQ_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "lgx_err.h"
#include "lgx_log.h"

#define LGX_DLQ_HDR_PREFIX "lgx.dlq."

typedef struct lgx_dlq_reason {
    const char *code;
    const char *message;
    const char *correlation_id;
    int attempts;
    int64_t first_failure_ms;
    int64_t last_failure_ms;
} lgx_dlq_reason_t;

typedef struct lgx_dlq_s lgx_dlq_t;

/* Returns a dead-letter writer (an idempotent producer), or NULL with
 * errstr. props as for lgx_kafka_conf_new; log is borrowed. */
lgx_dlq_t *lgx_dlq_new(const char *brokers, char **props, const char *program,
                       lgx_log_t *log, char *errstr, size_t errstr_size);
void lgx_dlq_destroy(lgx_dlq_t *d);

/* Writes orig to topic with the reason headers and waits up to timeout_ms
 * for the acknowledgement. LGX_OK once acknowledged; LGX_ERR_KAFKA
 * otherwise (the caller must not commit the original offset). */
lgx_err_t lgx_dlq_send(lgx_dlq_t *d, const char *topic,
                       const rd_kafka_message_t *orig,
                       const lgx_dlq_reason_t *reason,
                       int timeout_ms) LGX_MUST_CHECK;

#endif
