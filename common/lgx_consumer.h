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
 * handler state (see lgx_consumer.c); events of one entity run one at a
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

typedef enum lgx_outcome {
    LGX_OUTCOME_APPLIED = 0,
    LGX_OUTCOME_DUPLICATE,
    LGX_OUTCOME_STALE,
    LGX_OUTCOME_REJECTED, /* dead-lettered with its reason */
    LGX_OUTCOME_HELD,     /* precondition missing: wait, then recheck */
    LGX_OUTCOME_RETRY,    /* not finished: try again later */
    LGX_OUTCOME_FATAL,    /* stop the program */
    LGX_OUTCOME__COUNT
} lgx_outcome_t;

/* Returns "applied", "duplicate", ... */
const char *lgx_outcome_name(lgx_outcome_t o);

/* What a handler decided for one event. */
typedef struct lgx_verdict {
    lgx_outcome_t outcome;
    char reason[64];        /* reason code, e.g. "picking_not_released" */
    char message[512];      /* detail for the log and the dead letter */
    bool bounded;           /* RETRY only: give up after the retry limit */
    int64_t hold_ms;        /* HELD only: how long at most (0: --hold-ms) */
    const char *event_type; /* the rule judged, set by lgx_event_rule */
    /* What the event found Odoo's books disagree with ("shortage",
     * "pick_after_validation"), counted in lgx_stock_discrepancies_total;
     * NULL for none. A static string; lgx_verdict_set clears it, so it is
     * set after the verdict. */
    const char *discrepancy;
} lgx_verdict_t;

/* Sets a verdict; fmt describes it for people. */
void lgx_verdict_set(lgx_verdict_t *v, lgx_outcome_t outcome,
                     const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Turns a failed Odoo call into a verdict: retriable -> RETRY (unknown
 * errors bounded), credentials or set-up -> FATAL, permission -> REJECTED
 * "odoo_permission", missing record -> REJECTED "odoo_missing", business
 * refusal -> REJECTED "odoo_refused". what names the call. */
void lgx_verdict_from_odoo(lgx_verdict_t *v, const lgx_odoo_error_t *err,
                           const char *what);

/* One decoded event, valid during the handler call. */
typedef struct lgx_event_s lgx_event_t;

avro_value_t *lgx_event_record(const lgx_event_t *ev);
const char *lgx_event_id(const lgx_event_t *ev);
const char *lgx_event_correlation_id(const lgx_event_t *ev);
const char *lgx_event_source(const lgx_event_t *ev);
int64_t lgx_event_occurred_at(const lgx_event_t *ev); /* epoch ms */
/* The log fields of this event (topic, partition, offset, ids). */
const lgx_log_fields_t *lgx_event_fields(const lgx_event_t *ev);

/* ---- the rules, as a handler applies them ---- */

/* The rule of event_type in the rules in force. NULL (and v set FATAL)
 * when the rules file has none. */
const lgx_rule_t *lgx_event_rule(const lgx_event_t *ev, const char *event_type,
                                 lgx_verdict_t *v);

/* Checks the event's source and time: the source must match the rule's
 * patterns (else REJECTED source_not_allowed), the time must not be beyond
 * the clock skew (REJECTED future_dated) nor older than last_applied_ms,
 * the time of the last event of this type and source applied to the
 * entity (-1: none) (STALE older_than_applied); an event dated exactly
 * last_applied_ms is that event read again (a replay, a redrive, a
 * restart after a crash): consumers record the time last, after all
 * their effects, so it is done (STALE already_applied) and is not
 * applied again over what people changed since. Returns true to go on. */
bool lgx_gate_event(const lgx_event_t *ev, const lgx_rule_t *rule,
                    int64_t last_applied_ms, lgx_verdict_t *v);

/* Checks the transition from the entity's status: true to apply; else v
 * is HELD (waiting_for_precondition), STALE (nothing_to_do) or REJECTED
 * (transition_not_allowed). entity names it for the message. Called after
 * lgx_gate_event, which already took an event read again
 * (already_applied) whatever the status. */
bool lgx_gate_status(const lgx_rule_t *rule, const char *status,
                     const char *entity, lgx_verdict_t *v);

/* The Odoo value of a partner's code of kind ("carriers", "products",
 * "units", "warehouses") for this event's source, as the rules in force
 * map it (lgx_rules_map): the mapped value, or code itself when the rules
 * do not map that kind for the source. NULL when unmapped, with v
 * REJECTED unmapped_carrier (unmapped_product, unmapped_unit,
 * unmapped_warehouse) naming the code, the source and the mapping
 * section; NULL with v FATAL for another kind. The result is code or is
 * owned by the rules: valid during the handler call. */
const char *lgx_event_map(const lgx_event_t *ev, const char *kind,
                          const char *code, lgx_verdict_t *v);

/* The product.product field this event's product codes are looked up by
 * in the rules in force: "default_code" or "barcode". Static. */
const char *lgx_event_product_field(const lgx_event_t *ev);

/* Ownership: true when the rule lets the event write model.field (or call
 * model.method); else v is REJECTED field_not_owned (call_not_allowed). */
bool lgx_gate_write(const lgx_rule_t *rule, const char *model,
                    const char *field, lgx_verdict_t *v);
bool lgx_gate_call(const lgx_rule_t *rule, const char *model,
                   const char *method, lgx_verdict_t *v);

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
