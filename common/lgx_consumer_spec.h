/*
 * lgx_consumer_spec: what a consumer program tells the runtime about
 * itself (lgx_consumer_spec_t, written with designated initializers in
 * its main.c) and the loop's options. The handler's own API is
 * lgx_verdict.h; lgx_consumer.h runs the spec.
 */
#ifndef LGX_CONSUMER_SPEC_H
#define LGX_CONSUMER_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "lgx_config.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "lgx_verdict.h"

/* The Kafka and loop options. */
typedef struct lgx_consumer_conf {
    char *brokers;
    char *topic;
    char *group;
    char *dlq_topic;
    char *schema_dir;
    char *schema_registry;
    char *schema_registry_credentials_file;
    char *log_level;
    char *rules;
    long commit_interval_ms;
    long retry_backoff_ms;
    long retry_backoff_max_ms;
    long retry_limit;
    long max_message_bytes;
    long max_string_bytes;
    long max_blob_bytes;
    long max_items;
    long dedup_window;
    long dlq_index_max;
    long hold_ms;
    long hold_recheck_ms;
    long hold_recheck_max_ms;
    long max_pending;
    long concurrency;
    long batch_size;
    char *from_timestamp;
    char *http_address;
    long http_port;
    long odoo_probe_ms;
    long odoo_stall_ms;
    bool exit_at_end;
    bool odoo_null; /* hidden, for benchmarks: lgx_odoo_null.h */
    char **kafka_props;
} lgx_consumer_conf_t;

typedef void (*lgx_handler_fn)(void *state, const lgx_event_t *ev,
                               lgx_verdict_t *verdict);

/* Several events of different entities at once (up to --batch-size, one
 * worker): evs[i] gets verdicts[i], exactly as handle would give it, but
 * the handler may read and post for all of them in a few calls. Order per
 * entity is kept by the executor (no two events of one key in a batch);
 * events with other keys but the same Odoo record must still be judged
 * one after the other by the handler. */
typedef void (*lgx_batch_fn)(void *state, const lgx_event_t *const *evs,
                             lgx_verdict_t *const *verdicts, size_t n);

typedef struct lgx_consumer_spec {
    const char *program;       /* "lgx-picks" */
    const char *summary;       /* one paragraph for --help */
    const char *default_topic; /* "lgx.picks" */
    const char *schema;        /* reader schema full name */
    const lgx_opt_t *opts;     /* the program's own options, or NULL */
    /* What it needs in Odoo ("stock.move.picked"; see lgx_setup.h),
     * checked at start; NULL-terminated, or NULL for nothing. */
    const char *const *requires;
    /* The event types it handles; each must have a rule. */
    const char *const *event_types;
    void *conf; /* their struct */
    /* Makes the handler's state once Odoo is connected; NULL with errstr
     * stops the program. */
    void *(*init)(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                  size_t errstr_size);
    void (*term)(void *state);
    lgx_handler_fn handle;
    lgx_batch_fn handle_batch; /* or NULL: one event at a time */
} lgx_consumer_spec_t;

/* The event types of a consumer, for its spec's event_types. */
#define LGX_EVENT_TYPES(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
