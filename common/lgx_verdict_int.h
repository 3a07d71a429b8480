/*
 * lgx_verdict_int: the event behind lgx_event_t, filled by the consumer
 * loop (lgx_consumer_event.c) and read by lgx_verdict.c. Private to
 * common/.
 */
#ifndef LGX_VERDICT_INT_H
#define LGX_VERDICT_INT_H

#include <pthread.h>

#include "lgx_partq.h"
#include "lgx_verdict.h"

struct lgx_event_s {
    const lgx_rules_t *rules;
    avro_value_t *record;
    const char *event_id;
    const char *source;
    int64_t occurred_at;
    lgx_log_fields_t fields;
    const lgx_partq_t *q;  /* its partition's queue, for waits behind */
    pthread_mutex_t *lock; /* held to read q */
    /* Whether an item of q was last held as event type type. */
    bool (*held_as)(const void *item, const void *type);
};

#endif
