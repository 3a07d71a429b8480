/*
 * sim_out: where the planned events go. Each becomes a message value:
 * Confluent-framed Avro written with the newest schema id of its record
 * (lgx_avro_encode_json), or for poison messages the broken bytes the
 * plan asks for. The message goes to Kafka (key, headers correlation_id
 * and traceparent; poison messages also lgx.sim.poison = their id, so
 * that audits find them in the dead-letter topics), or is written as one
 * JSON line (--output, --dry-run).
 */
#ifndef SIM_OUT_H
#define SIM_OUT_H

#include <stdio.h>

#include "lgx_avro.h"
#include "lgx_buf.h"
#include "lgx_err.h"
#include "lgx_log.h"
#include "sim_plan.h"

/* The schema ids: the newest of each topic's record, and an id in the
 * record's block of ten that no contract has (unknown-schema poison). */
typedef struct sim_schemas {
    int32_t id[SIM_N_TOPICS];
    int32_t unknown[SIM_N_TOPICS];
} sim_schemas_t;

lgx_err_t sim_out_schemas(const lgx_avro_store_t *store, sim_schemas_t *s,
                          char *errstr, size_t errstr_size) LGX_MUST_CHECK;

/* Appends the value of e's message to out (reset first). errstr names
 * the event when its JSON does not fit the schema (a bug). */
lgx_err_t sim_out_value(const lgx_avro_store_t *store, const sim_schemas_t *s,
                        const sim_event_t *e, lgx_buf_t *out, char *errstr,
                        size_t errstr_size) LGX_MUST_CHECK;

/* Writes e as one JSON line: n (1-based), topic, key, headers, knob,
 * poison id, the event as JSON and the value's bytes in base64. */
lgx_err_t sim_out_line(FILE *f, size_t n, const char *topic,
                       const char *correlation_id, const sim_event_t *e,
                       const lgx_buf_t *value, lgx_buf_t *tmp) LGX_MUST_CHECK;

typedef struct sim_kafka sim_kafka_t;

/* An idempotent producer (per-partition order kept) with the --kafka.*
 * settings. log is borrowed. NULL with errstr. */
sim_kafka_t *sim_kafka_new(const char *brokers, char **props, lgx_log_t *log,
                           char *errstr, size_t errstr_size);

/* Queues one message (waits while the local queue is full). */
lgx_err_t sim_kafka_send(sim_kafka_t *k, const char *topic,
                         const char *correlation_id, const sim_event_t *e,
                         const lgx_buf_t *value, char *errstr,
                         size_t errstr_size) LGX_MUST_CHECK;

/* Waits up to timeout_ms for delivery; reports what was delivered, failed
 * and is still undelivered. */
void sim_kafka_flush(sim_kafka_t *k, int timeout_ms, long *delivered,
                     long *failed, long *pending);

void sim_kafka_destroy(sim_kafka_t *k);

#endif
