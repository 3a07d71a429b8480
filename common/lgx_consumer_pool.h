/*
 * lgx_consumer_pool: the executor: the work list, the worker threads and what
 * comes back from them. Main thread. Private to the consumer runtime
 * (lgx_consumer_state.h).
 */
#ifndef LGX_CONSUMER_POOL_H
#define LGX_CONSUMER_POOL_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

#include "lgx_consumer_state.h"

/* A worker thread's body; arg is its worker_t. */
void *consumer_worker_main(void *arg);
/* Finishes every run that is done; wait: first wait for one. */
void consumer_collect(consumer_t *c, bool wait);
void consumer_wake_workers(consumer_t *c);
/* Waits until nothing is in flight, finishing what comes back. */
void consumer_wait_idle(consumer_t *c);
/* Hands out what of p may run now; stores what is finished. */
void consumer_drain(consumer_t *c, part_t *p);
/* Takes a polled message into its partition's queue (owns m). */
void consumer_take(consumer_t *c, rd_kafka_message_t *m);

#endif
