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
 *
 * Exactly once: a message read again after a crash between the
 * acknowledgement and the commit, by another replica after a rebalance,
 * or in a replay, is not dead-lettered a second time. The writer keeps an
 * index of the source positions (partition, offset) already in the
 * dead-letter topic, read from the topic itself (its lgx.dlq.topic,
 * lgx.dlq.partition and lgx.dlq.offset headers) and brought up to the
 * topic's end before each decision, so that it sees what other processes
 * wrote. 16 bytes per slot (two packed positions) in a table at most
 * half full: 32 to 64 bytes per dead letter, at most index_max entries
 * (beyond, the dead letters written from then on are not recognised and
 * reading them again writes them again; a warning says so). Reading the topic
 * costs nothing until the first dead letter.
 */
#ifndef LGX_DLQ_H
#define LGX_DLQ_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "lgx_err.h"
#include "lgx_kafka_acl.h"
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
                       size_t index_max, lgx_log_t *log, char *errstr,
                       size_t errstr_size);
void lgx_dlq_destroy(lgx_dlq_t *d);

/* Gives the writer's Kafka clients a new SASL password (see
 * lgx_kafka_sasl_password_set). */
lgx_err_t lgx_dlq_sasl_password_set(lgx_dlq_t *d, const char *password,
                                    char *errstr,
                                    size_t errstr_size) LGX_MUST_CHECK;

/* Denials of the writer's clients go to w (borrowed, may be NULL, must
 * outlive d): WRITE and READ on the dead-letter topic (BLOCKING), DESCRIBE
 * on the index reader's group <program>.dlq-index (MINOR: nothing is
 * committed to it, but the broker logs each refusal). */
void lgx_dlq_set_acl_watch(lgx_dlq_t *d, lgx_kafka_acl_watch_t *w);

/* At start, before the first send: the dead-letter topic of src_topic is
 * topic. Reads its end (READ) with the index reader. LGX_OK when allowed
 * or when topic does not exist yet; LGX_ERR_KAFKA_ACCESS with *acl when a
 * permission is missing; LGX_ERR_KAFKA_FATAL with errstr when the
 * producer failed for good already (see lgx_dlq_check); LGX_ERR_KAFKA
 * when the brokers did not answer within timeout_ms or *stop (may be
 * NULL) turned true. */
lgx_err_t lgx_dlq_probe(lgx_dlq_t *d, const char *topic, const char *src_topic,
                        int timeout_ms, const volatile bool *stop,
                        lgx_kafka_acl_t *acl, char *errstr,
                        size_t errstr_size) LGX_MUST_CHECK;

/* Serves the writer's clients between sends (call it every second or so):
 * the reader's errors (a denied group, reported to the watch) and the
 * producer's. LGX_ERR_KAFKA_FATAL with errstr when the idempotent
 * producer failed for good (librdkafka's reason, and the missing ACL when
 * the broker refused its producer id): no send can succeed any more, a
 * new writer is needed. LGX_OK otherwise. */
lgx_err_t lgx_dlq_check(lgx_dlq_t *d, char *errstr,
                        size_t errstr_size) LGX_MUST_CHECK;

/* Writes orig to topic with the reason headers and waits up to timeout_ms
 * for the acknowledgement. LGX_OK once acknowledged, or when topic already
 * holds a dead letter of orig's position (*already then holds its
 * "partition:offset" in topic; else it is set to ""). Otherwise the
 * caller must not commit the original offset: LGX_ERR_KAFKA_ACCESS when
 * the brokers refused to let it read or write topic (reported to the
 * watch), LGX_ERR_KAFKA_FATAL when the producer failed for good (logged;
 * see lgx_dlq_check), LGX_ERR_KAFKA for the rest (the reason is logged).
 * already may be NULL. */
lgx_err_t lgx_dlq_send(lgx_dlq_t *d, const char *topic,
                       const rd_kafka_message_t *orig,
                       const lgx_dlq_reason_t *reason, int timeout_ms,
                       char *already, size_t already_size) LGX_MUST_CHECK;

#endif
