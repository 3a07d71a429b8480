/*
 * lgx_consumer: the loop every lgx consumer runs.
 *
 * A consumer program declares a spec (its name, topic, reader schema, own
 * options and a handler that maps one decoded event to Odoo calls) and
 * calls lgx_consumer_main(). Everything else lives here: configuration,
 * logging, the Odoo connection, subscribe and poll, Avro decoding, the
 * envelope (event_id, correlation id, source, time), the in-memory dedup
 * window, retries, dead letters and offsets.
 *
 * Concurrency: up to --concurrency events of different entities are
 * applied at once by worker threads, each with its own Odoo client and
 * handler state (see lgx_consumer_pool.c); events of one entity run one at a
 * time in offset order. A handler runs in one worker at a time and must
 * only use its state, the event and the lgx_gate_* and lgx_event_*
 * functions.
 *
 * Offsets: an offset is stored, and later committed, only once its event
 * reached an end state (applied, duplicate, stale, or rejected and written
 * to the dead-letter topic). A retriable failure pauses the partition and
 * seeks back to the event; it is tried again after a capped exponential
 * backoff with jitter, so nothing is skipped and memory stays bounded.
 * Offsets are committed every commit interval, on partition revocation and
 * at shutdown (SIGTERM/SIGINT finish the events in hand first). A fatal
 * error (Odoo refusing the credentials, missing set-up) stops the program
 * with exit code 1 without committing the event in hand.
 */
#ifndef LGX_CONSUMER_H
#define LGX_CONSUMER_H

#include <avro.h>
#include <stdbool.h>
#include <stdint.h>

#include "lgx_config.h"
#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "lgx_rules.h"
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

/* Runs a consumer program; returns its exit code (0 after a clean stop,
 * 1 after a fatal error, 2 for bad configuration). */
int lgx_consumer_main(const lgx_consumer_spec_t *spec, int argc, char **argv);

/* The main() of consumer program lgx-<name> on topic lgx.<name>: its spec
 * (the fields of lgx_consumer_spec_t after program and topic) and the run
 * of lgx_consumer_main. */
#define LGX_CONSUMER_MAIN(name, schema_, summary_, opts_, conf_, requires_,    \
                          types_, init_, term_, handle_, batch_)               \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        const lgx_consumer_spec_t spec = {                                     \
            "lgx-" name, summary_, "lgx." name, schema_, opts_,   requires_,   \
            types_,      conf_,    init_,       term_,   handle_, batch_};     \
        return lgx_consumer_main(&spec, argc, argv);                           \
    }

/* The event types of a consumer, for LGX_CONSUMER_MAIN. */
#define LGX_EVENT_TYPES(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
