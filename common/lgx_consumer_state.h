/*
 * lgx_consumer_state: the consumer loop's state, shared by the files of
 * the consumer runtime and private to them. Each has its own header and
 * calls only down this list (test/tools/lint_includes.py checks the includes):
 *   lgx_consumer.c        options, set-up, the loop, lgx_consumer_main
 *   lgx_consumer_client.c the Kafka client: rebalances, errors, access,
 *                         credentials and rules reloaded on SIGHUP
 *   lgx_consumer_health.c metrics, Odoo's health and readiness
 *   lgx_consumer_pool.c   the executor: work list and worker threads
 *   lgx_consumer_part.c   partitions, offsets and commits
 *   lgx_consumer_event.c  one message's life: judge, settle, finish
 *   lgx_consumer_state.h  this state, and what everything above needs of
 *                         it (an assigned partition, one marked changed)
 * The handler's side of all this is lgx_verdict.h and
 * lgx_consumer_spec.h.
 */
#ifndef LGX_CONSUMER_STATE_H
#define LGX_CONSUMER_STATE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lgx_avro.h"
#include "lgx_cid.h"
#include "lgx_consumer_spec.h"
#include "lgx_dedup.h"
#include "lgx_dlq.h"
#include "lgx_holds.h"
#include "lgx_http.h"
#include "lgx_kafka.h"
#include "lgx_kafka_acl.h"
#include "lgx_metrics.h"
#include "lgx_partq.h"
#include "lgx_registry.h"

#define MAX_PARTS 1024

/* The Odoo clients readiness watches: the main thread's and one per
 * worker (--concurrency at most 64). */
#define MAX_WATCHED 65

/* The most events a worker takes at once (--batch-size). */
#define MAX_BATCH 64

typedef struct part {
    int32_t partition;
    bool eof;
    bool fetch_paused;        /* too many events queued: backpressure */
    int64_t blocked_until_ms; /* a retriable failure: wait until then */
    int attempts;             /* consecutive retriable failures */
    int64_t stored;           /* next offset to commit, or -1 */
    int64_t committed; /* the group's offset, read once when needed: -1 not
                          yet, -2 none or unreadable */
    lgx_dedup_t *seen;
    lgx_partq_t *q;
    lgx_holds_t *holds; /* when its held events were first held */
    bool to_commit;     /* its offset or holds changed since the last commit */
} part_t;

/* One polled message between poll and its end state. */
typedef struct pending {
    rd_kafka_message_t *m;
    char held_type[48];       /* the event type it was last held as */
    int64_t hold_deadline_ms; /* 0 until first held */
    int64_t held_since_ms;    /* when first held */
    int64_t first_failure_ms; /* when first held or failed, or 0 */
    int attempts;
    int64_t recheck_ms; /* the wait before its next check while held */
    /* One run: set by the main thread when it hands the event out, then
     * filled by whoever runs it (a worker, or the main thread itself at
     * --concurrency 1), then read by the main thread again. */
    lgx_partq_t *q;    /* its partition's queue */
    lgx_dedup_t *seen; /* its partition's dedup window */
    lgx_verdict_t v;
    char cid[LGX_CID_MAX + 1];
    char *event_id;       /* a copy (the record is the runner's), or NULL */
    struct pending *next; /* in the work or the done list */
} pending_t;

/* What runs handlers: each has its own Odoo client (one curl handle and
 * connection), handler state and decoder, none of them thread-safe. */
typedef struct runner {
    lgx_odoo_t *odoo;
    void *state;
    lgx_avro_decoder_t *decoder;
    /* Batches: the records of the other events of a batch (one decoder
     * each, since a decoder's record is reused by its next event). */
    lgx_avro_decoder_t **more;
    size_t n_more;
} runner_t;

struct consumer;

typedef struct worker {
    struct consumer *c;
    runner_t run;
    pthread_t thread;
    bool started;
} worker_t;

typedef struct consumer {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    const lgx_consumer_spec_t *spec;
    const lgx_consumer_conf_t *conf;
    const lgx_kafka_secrets_t *secrets;
    lgx_log_t *log;
    rd_kafka_t *rk;
    lgx_dlq_t *dlq;
    lgx_registry_t *registry; /* borrowed, may be NULL */
    lgx_avro_decoder_t *decoder;
    lgx_rules_t *rules;
    void *state;
    lgx_kafka_acl_watch_t *acl; /* denials in force, for /readyz */
    part_t parts[MAX_PARTS];
    size_t n_parts;
    bool fatal;
    bool joined;                /* Kafka assigned partitions at least once */
    bool dirty;                 /* offsets stored since the last commit */
    int64_t from_ms;            /* --from-timestamp, or -1 */
    int32_t rewound[MAX_PARTS]; /* partitions already started from it */
    size_t n_rewound;
    int64_t last_commit_ms;
    uint64_t counts[LGX_OUTCOME__COUNT];
    unsigned int rand_state;
    lgx_odoo_t *odoo;
    lgx_metrics_t *metrics;
    lgx_http_t *http;
    int64_t last_gauges_ms;
    unsigned long long dropped_seen; /* metric updates dropped, last told */
    _Atomic int64_t last_odoo_ok_ms; /* also set by the workers' calls */
    bool reload_pending; /* SIGHUP: reload once nothing is in flight */
    /* The executor (see dispatch). Without workers (--concurrency 1) the
     * main thread runs each event itself with c->odoo, c->state and
     * c->decoder. */
    worker_t *workers;
    size_t n_workers;
    size_t in_flight;     /* handed to workers, not yet finished */
    size_t max_in_flight; /* concurrency, times batch size with batches */
    size_t n_work;        /* in the work list */
    size_t n_busy;        /* workers running events */
    int64_t last_poll_ms; /* the last Kafka poll of the loop */
    size_t rr;            /* the partition drained first, in turn */
    pthread_mutex_t lock; /* the lists below, and the partition queues and
                           * dedup windows while workers may read them */
    pthread_cond_t work_cv;
    pthread_cond_t done_cv;
    pending_t *work_head, *work_tail; /* handed out, not yet taken */
    pending_t *done_head, *done_tail; /* run, not yet finished */
    bool closing;                     /* workers: stop when idle */
    rd_kafka_queue_t *wake;           /* yielded when a run is done */
    /* Read by the HTTP thread for /readyz. */
    atomic_int n_assigned;
    atomic_int odoo_down;
    atomic_bool connecting; /* until Odoo answered and has the set-up */
    /* The Odoo clients whose calls in progress readiness watches (see
     * odoo_stall): added by the main thread before their first call,
     * destroyed only once the HTTP thread stopped. */
    _Atomic(lgx_odoo_t *) watched[MAX_WATCHED];
    atomic_size_t n_watched;
    atomic_bool odoo_stalled; /* a call outstanding past --odoo-stall-ms */
} consumer_t;

/* The assigned partition, or NULL. Main thread. */
static inline part_t *consumer_part_find(consumer_t *c, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        if (c->parts[i].partition == partition) {
            return &c->parts[i];
        }
    }
    return NULL;
}

/* p's offset or holds changed: its next commit carries them. */
static inline void consumer_part_touch(consumer_t *c, part_t *p)
{
    p->to_commit = true;
    c->dirty = true;
}

#endif
