/*
 * lgx_consumer_event: one message's life: run its handler (alone or in a
 * batch), then settle, log, count and dead-letter its outcome. Private to the
 * consumer runtime (lgx_consumer_state.h).
 */
#ifndef LGX_CONSUMER_EVENT_H
#define LGX_CONSUMER_EVENT_H

#include <stdbool.h>

#include "lgx_consumer_state.h"

/* Frees a pending event and its message; NULL does nothing. */
void consumer_pending_free(void *item);
/* Run one event, or n events of different keys, with runner r, leaving
 * the verdicts in the pending events. Worker threads, or the main thread
 * at --concurrency 1. */
void consumer_run_event(consumer_t *c, runner_t *r, pending_t *pe);
void consumer_run_batch(consumer_t *c, runner_t *r, pending_t **pes, size_t n);
/* Settles, logs, counts and dead-letters the outcome of a run; returns
 * it. Main thread. */
lgx_outcome_t consumer_finish(consumer_t *c, pending_t *pe);

#endif
