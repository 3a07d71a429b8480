#include "lgx_consumer.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_avro.h"
#include "lgx_cid.h"
#include "lgx_dedup.h"
#include "lgx_dlq.h"
#include "lgx_holds.h"
#include "lgx_http.h"
#include "lgx_metrics.h"
#include "lgx_kafka.h"
#include "lgx_kafka_acl.h"
#include "lgx_partq.h"
#include "lgx_reasons.h"
#include "lgx_registry.h"
#include "lgx_secret.h"
#include "lgx_setup.h"
#include "lgx_time.h"
#include "lgx_version.h"

#ifndef LGX_SCHEMA_DIR
#define LGX_SCHEMA_DIR "avro-schemas"
#endif
#ifndef LGX_RULES_FILE
#define LGX_RULES_FILE "config/rules.json"
#endif

#define MAX_PARTS 1024
/* The Odoo clients readiness watches: the main thread's and one per
 * worker (--concurrency at most 64). */
#define MAX_WATCHED 65
#define DLQ_TIMEOUT_MS 30000
/* How long each access probe at start waits for the brokers. */
#define PROBE_MS 10000
/* The most events a worker takes at once (--batch-size). */
#define MAX_BATCH 64
/* The most messages taken from one poll before the workers are woken. */
#define POLL_BURST 64

/* The one mutable global: set by the signal handler, read by the loop. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        reload_requested = 1;
    } else {
        stop_requested = 1;
    }
}

#define OFF(f) offsetof(lgx_consumer_conf_t, f)

static const lgx_opt_t consumer_opts[] = {
    {"brokers", LGX_OPT_STR, "127.0.0.1:9092", OFF(brokers),
     "Kafka bootstrap servers", NULL, 0},
    {"topic", LGX_OPT_STR, NULL, OFF(topic), "Topic to consume", NULL, 0},
    {"group", LGX_OPT_STR, NULL, OFF(group), "Consumer group id", NULL, 0},
    {"dlq-topic", LGX_OPT_STR, NULL, OFF(dlq_topic),
     "Dead-letter topic (default: <topic>.dlq)", NULL, 0},
    {"schema-dir", LGX_OPT_STR, LGX_SCHEMA_DIR, OFF(schema_dir),
     "Folder with schemas.json and the .avsc event contracts", NULL, 0},
    {"schema-registry", LGX_OPT_STR, NULL, OFF(schema_registry),
     "Confluent-compatible schema registry URL: writer schemas unknown to "
     "schemas.json are fetched from it by id",
     NULL, 0},
    LGX_REGISTRY_CREDENTIALS_OPT(OFF(schema_registry_credentials_file)),
    {"log-level", LGX_OPT_ENUM, "info", OFF(log_level), "Log level",
     "debug|info|warn|error", 0},
    {"rules", LGX_OPT_STR, LGX_RULES_FILE, OFF(rules),
     "The rules file: who may publish what, which fields each event owns, "
     "allowed transitions, partners' codes as Odoo names them (reloaded on "
     "SIGHUP)",
     NULL, 0},
    {"commit-interval-ms", LGX_OPT_INT, "1000", OFF(commit_interval_ms),
     "How often finished offsets are committed", "10..600000", 0},
    {"retry-backoff-ms", LGX_OPT_INT, "200", OFF(retry_backoff_ms),
     "First wait before retrying a retriable failure", "1..600000", 0},
    {"retry-backoff-max-ms", LGX_OPT_INT, "30000", OFF(retry_backoff_max_ms),
     "Longest wait between retries", "1..3600000", 0},
    {"retry-limit", LGX_OPT_INT, "5", OFF(retry_limit),
     "Attempts for errors of unknown kind before dead-lettering "
     "(known-retriable errors are retried without limit)",
     "1..1000", 0},
    {"max-message-bytes", LGX_OPT_INT, "1048576", OFF(max_message_bytes),
     "Larger messages are dead-lettered (message_too_large)", "64..104857600",
     0},
    {"max-string-bytes", LGX_OPT_INT, "1024", OFF(max_string_bytes),
     "Longest string in an event (limit_exceeded beyond)", "16..1048576", 0},
    {"max-blob-bytes", LGX_OPT_INT, "1048576", OFF(max_blob_bytes),
     "Largest bytes value (signature image, label document)", "16..104857600",
     0},
    {"max-items", LGX_OPT_INT, "1000", OFF(max_items),
     "Most items in an array (lines per event) or map", "1..1000000", 0},
    {"dedup-window", LGX_OPT_INT, "65536", OFF(dedup_window),
     "Event ids remembered per partition to drop redeliveries", "16..16777216",
     0},
    {"dlq-index-max", LGX_OPT_INT, "1000000", OFF(dlq_index_max),
     "Dead letters remembered (read from the dead-letter topic) so that a "
     "message read again is not dead-lettered twice; 32 bytes each",
     "1..100000000", 0},
    {"hold-ms", LGX_OPT_INT, "3600000", OFF(hold_ms),
     "How long an event waits for a missing precondition before it is "
     "dead-lettered (hold_expired), unless the rules say otherwise",
     "0..604800000", 0},
    {"hold-recheck-ms", LGX_OPT_INT, "5000", OFF(hold_recheck_ms),
     "How soon a held event is checked again the first time; the wait "
     "doubles with each check that finds it still held",
     "10..3600000", 0},
    {"hold-recheck-max-ms", LGX_OPT_INT, "60000", OFF(hold_recheck_max_ms),
     "The longest wait between two checks of a held event (an event of its "
     "key that applies rechecks it at once)",
     "10..3600000", 0},
    {"max-pending", LGX_OPT_INT, "10000", OFF(max_pending),
     "Events queued per partition (held or waiting behind a held one) "
     "before fetching pauses",
     "10..10000000", 0},
    {"concurrency", LGX_OPT_INT, "4", OFF(concurrency),
     "Events of different entities applied at once, each by a worker with "
     "its own Odoo connection; events of one entity still apply one at a "
     "time in offset order (1: one event at a time)",
     "1..64", 0},
    {"batch-size", LGX_OPT_INT, "8", OFF(batch_size),
     "Events of different entities one worker takes at once when the "
     "consumer reads and posts for several events in one Odoo call "
     "(lgx-picks, lgx-milestones); each event keeps its own checks and outcome "
     "(1: no batches)",
     "1..64", 0},
    {"from-timestamp", LGX_OPT_STR, NULL, OFF(from_timestamp),
     "Start each partition at the first event at or after this time (ISO "
     "8601 UTC or epoch ms), whatever the group committed",
     NULL, 0},
    {"http-address", LGX_OPT_STR, "0.0.0.0", OFF(http_address),
     "Address of the /metrics, /healthz and /readyz endpoint", NULL, 0},
    {"http-port", LGX_OPT_INT, "9464", OFF(http_port),
     "Port of that endpoint (0: a free one, logged; -1: none)", "-1..65535", 0},
    {"odoo-probe-ms", LGX_OPT_INT, "5000", OFF(odoo_probe_ms),
     "How often Odoo is checked when no event is going through (readiness)",
     "100..3600000", 0},
    {"odoo-stall-ms", LGX_OPT_INT, "5000", OFF(odoo_stall_ms),
     "Not ready (and lgx_odoo_up 0) while an Odoo call has been outstanding "
     "longer than this: a hung Odoo is seen before --odoo-timeout-ms ends "
     "the call (0: only failed calls count)",
     "0..3600000", 0},
    {"exit-at-end", LGX_OPT_BOOL, "false", OFF(exit_at_end),
     "Stop once every assigned partition is read to its end (batch "
     "replays, tests)",
     NULL, 0},
    {"kafka", LGX_OPT_PROPS, NULL, OFF(kafka_props),
     "Any librdkafka setting, e.g. --kafka.security.protocol=SSL", NULL, 0},
    LGX_OPT_END};

#define N_CONSUMER_OPTS (sizeof(consumer_opts) / sizeof(consumer_opts[0]))

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
} part_t;

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

struct lgx_event_s {
    const lgx_rules_t *rules;
    avro_value_t *record;
    const char *event_id;
    const char *source;
    int64_t occurred_at;
    lgx_log_fields_t fields;
    const lgx_partq_t *q;  /* its partition's queue, for waits behind */
    pthread_mutex_t *lock; /* held to read q */
};

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

static const char *outcome_names[] = {
    "applied", "duplicate", "stale", "rejected", "held", "retry", "fatal"};

const char *lgx_outcome_name(lgx_outcome_t o)
{
    return o < LGX_OUTCOME__COUNT ? outcome_names[o] : "unknown";
}

void lgx_verdict_set(lgx_verdict_t *v, lgx_outcome_t outcome,
                     const char *reason, const char *fmt, ...)
{
    v->outcome = outcome;
    v->bounded = false;
    v->hold_ms = 0;
    v->discrepancy = NULL;
    snprintf(v->reason, sizeof(v->reason), "%s", reason ? reason : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
}

void lgx_verdict_from_odoo(lgx_verdict_t *v, const lgx_odoo_error_t *e,
                           const char *what)
{
    const char *detail = e->message[0] ? e->message : e->name;
    switch (e->code) {
    case LGX_ERR_ODOO_RETRY:
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "odoo_unavailable",
                        "%s: %s (HTTP %d)", what, detail, e->http_status);
        break;
    case LGX_ERR_ODOO_AUTH:
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "odoo_auth",
                        "%s: Odoo refused the credentials: %s", what, detail);
        break;
    case LGX_ERR_ODOO_CONFIG:
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "odoo_setup",
                        "%s: Odoo set-up does not match: %s: %s", what, e->name,
                        detail);
        break;
    case LGX_ERR_ODOO_ACCESS:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "odoo_permission", "%s: %s",
                        what, detail);
        break;
    case LGX_ERR_ODOO_MISSING:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "odoo_missing", "%s: %s", what,
                        detail);
        break;
    case LGX_ERR_ODOO_USER:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "odoo_refused", "%s: %s", what,
                        detail);
        break;
    case LGX_ERR_ODOO_CONFLICT:
        /* Lost a race for a unique row: the next try finds the row the
         * other transaction made. One that keeps failing is no race. */
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "odoo_conflict",
                        "%s: %s (another transaction won the same row; "
                        "tried again)",
                        what, detail);
        v->bounded = true;
        break;
    default:
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "odoo_error",
                        "%s: %s: %s (HTTP %d)", what, e->name, detail,
                        e->http_status);
        v->bounded = true;
        break;
    }
}

avro_value_t *lgx_event_record(const lgx_event_t *ev)
{
    return ev->record;
}

const char *lgx_event_id(const lgx_event_t *ev)
{
    return ev->event_id;
}

const char *lgx_event_correlation_id(const lgx_event_t *ev)
{
    return ev->fields.correlation_id;
}

const char *lgx_event_source(const lgx_event_t *ev)
{
    return ev->source;
}

int64_t lgx_event_occurred_at(const lgx_event_t *ev)
{
    return ev->occurred_at;
}

const lgx_log_fields_t *lgx_event_fields(const lgx_event_t *ev)
{
    return &ev->fields;
}

/* ---- the rules ---- */

const lgx_rule_t *lgx_event_rule(const lgx_event_t *ev, const char *event_type,
                                 lgx_verdict_t *v)
{
    const lgx_rule_t *rule = lgx_rules_get(ev->rules, event_type);
    v->event_type = event_type;
    if (!rule) {
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "no_rule",
                        "the rules file has no rule for %s", event_type);
    }
    return rule;
}

/* The reason and the word for one code of each kind lgx_rules_map knows. */
static const struct {
    const char *kind;
    const char *reason;
    const char *noun;
} unmapped[] = {{"carriers", "unmapped_carrier", "carrier"},
                {"products", "unmapped_product", "product"},
                {"units", "unmapped_unit", "unit"},
                {"warehouses", "unmapped_warehouse", "warehouse"}};

const char *lgx_event_map(const lgx_event_t *ev, const char *kind,
                          const char *code, lgx_verdict_t *v)
{
    const char *out = NULL, *pattern = NULL;
    if (lgx_rules_map(ev->rules, ev->source, kind, code, &out, &pattern) ==
        LGX_OK) {
        return out;
    }
    for (size_t i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
        if (strcmp(unmapped[i].kind, kind) == 0) {
            lgx_verdict_set(v, LGX_OUTCOME_REJECTED, unmapped[i].reason,
                            "no mapping for %s code '%s' of source %s (rules "
                            "mapping '%s'.%s)",
                            unmapped[i].noun, code, ev->source, pattern, kind);
            return NULL;
        }
    }
    /* Only a consumer asking for a kind the rules do not know gets here. */
    lgx_verdict_set(v, LGX_OUTCOME_FATAL, "no_rule",
                    "the rules have no kind of partner code named %s", kind);
    return NULL;
}

const char *lgx_event_product_field(const lgx_event_t *ev)
{
    return lgx_rules_product_field(ev->rules, ev->source);
}

static bool held_as(const void *item, const void *type)
{
    const pending_t *pe = item;
    return strcmp(pe->held_type, type) == 0;
}

bool lgx_gate_event(const lgx_event_t *ev, const lgx_rule_t *rule,
                    int64_t last_applied_ms, lgx_verdict_t *v)
{
    const char *type = lgx_rule_event_type(rule);
    if (!lgx_rule_source_allowed(rule, ev->source)) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "source_not_allowed",
                        "%s may not publish %s", ev->source, type);
        return false;
    }
    /* Two events of one type and entity are applied in their order: were
     * the later one applied while the earlier waits, the earlier would
     * turn stale when its precondition comes, and its effects be lost. */
    bool behind = false;
    if (ev->q) {
        pthread_mutex_lock(ev->lock);
        behind =
            lgx_partq_held_earlier(ev->q, ev->fields.offset, held_as, type);
        pthread_mutex_unlock(ev->lock);
    }
    if (behind) {
        lgx_verdict_set(v, LGX_OUTCOME_HELD, "waiting_for_earlier",
                        "an earlier %s of this entity is held: this one "
                        "waits behind it",
                        type);
        v->hold_ms = lgx_rule_hold_ms(rule);
        return false;
    }
    switch (lgx_rules_check_time(ev->rules, ev->occurred_at, lgx_time_now_ms(),
                                 last_applied_ms)) {
    case LGX_TIME_FUTURE:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "future_dated",
                        "occurred_at %lld is more than %lld ms ahead of now",
                        (long long)ev->occurred_at,
                        (long long)lgx_rules_clock_skew_ms(ev->rules));
        return false;
    case LGX_TIME_STALE:
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "older_than_applied",
                        "occurred_at %lld is older than the %s from %s "
                        "already applied (%lld)",
                        (long long)ev->occurred_at, lgx_rule_event_type(rule),
                        ev->source, (long long)last_applied_ms);
        return false;
    default:
        break;
    }
    /* Each consumer records an event's time last, after everything it
     * does: a time equal to the one recorded is this event (read again
     * in a replay, a redrive or after a crash) and it is done. Applied
     * again, it would overwrite what people changed since. */
    if (last_applied_ms >= 0 && ev->occurred_at == last_applied_ms) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "already_applied",
                        "this %s from %s (occurred_at %lld) is the last one "
                        "applied to this record: read again, it changes "
                        "nothing, whatever the record holds now",
                        type, ev->source, (long long)ev->occurred_at);
        return false;
    }
    return true;
}

bool lgx_gate_status(const lgx_rule_t *rule, const char *status,
                     const char *entity, lgx_verdict_t *v)
{
    const char *type = lgx_rule_event_type(rule);
    switch (lgx_rule_step(rule, status)) {
    case LGX_RULE_APPLY:
        return true;
    case LGX_RULE_HOLD: {
        /* Says what is missing: the hold_expired dead letter carries it. */
        char wanted[256];
        lgx_rule_apply_in_text(rule, wanted, sizeof(wanted));
        lgx_verdict_set(v, LGX_OUTCOME_HELD, "waiting_for_precondition",
                        "%s is %s, not %s: %s waits until it is", entity,
                        status, wanted, type);
        v->hold_ms = lgx_rule_hold_ms(rule);
        return false;
    }
    case LGX_RULE_STALE:
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "nothing_to_do",
                        "%s is already %s: %s changes nothing", entity, status,
                        type);
        return false;
    default:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "transition_not_allowed",
                        "%s is %s: %s is not allowed then", entity, status,
                        type);
        return false;
    }
}

bool lgx_gate_write(const lgx_rule_t *rule, const char *model,
                    const char *field, lgx_verdict_t *v)
{
    if (lgx_rule_may_write(rule, model, field)) {
        return true;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "field_not_owned",
                    "%s may not write %s.%s (rules file)",
                    lgx_rule_event_type(rule), model, field);
    return false;
}

bool lgx_gate_call(const lgx_rule_t *rule, const char *model,
                   const char *method, lgx_verdict_t *v)
{
    if (lgx_rule_may_call(rule, model, method)) {
        return true;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "call_not_allowed",
                    "%s may not call %s.%s (rules file)",
                    lgx_rule_event_type(rule), model, method);
    return false;
}

/* Loads the rules and checks they cover the consumer's event types. */
static lgx_rules_t *load_rules(const lgx_consumer_spec_t *spec,
                               const char *path, char *errstr, size_t size)
{
    lgx_rules_t *r = lgx_rules_load(path, errstr, size);
    for (const char *const *t = spec->event_types; r && t && *t; t++) {
        if (!lgx_rules_get(r, *t)) {
            snprintf(errstr, size, "rules file %s has no rule for %s", path,
                     *t);
            lgx_rules_destroy(r);
            r = NULL;
        }
    }
    return r;
}

/* ---- partitions ---- */

/* One polled message between poll and its end state. */

static void pending_free(void *item)
{
    pending_t *pe = item;
    if (pe) {
        rd_kafka_message_destroy(pe->m);
        free(pe->event_id);
        free(pe);
    }
}

static part_t *part_find(consumer_t *c, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        if (c->parts[i].partition == partition) {
            return &c->parts[i];
        }
    }
    return NULL;
}

static void part_add(consumer_t *c, int32_t partition)
{
    if (part_find(c, partition) || c->n_parts >= MAX_PARTS) {
        return;
    }
    part_t *p = &c->parts[c->n_parts++];
    memset(p, 0, sizeof(*p));
    p->partition = partition;
    p->stored = -1;
    p->committed = -1;
    p->seen = lgx_dedup_new((size_t)c->conf->dedup_window);
    p->q = lgx_partq_new();
    p->holds = lgx_holds_new();
}

static void part_clear(part_t *p)
{
    lgx_dedup_destroy(p->seen);
    lgx_partq_destroy(p->q, pending_free);
    lgx_holds_destroy(p->holds);
    p->seen = NULL;
    p->q = NULL;
    p->holds = NULL;
}

static void part_remove(consumer_t *c, int32_t partition)
{
    part_t *p = part_find(c, partition);
    if (!p) {
        return;
    }
    part_clear(p);
    *p = c->parts[--c->n_parts];
    atomic_store(&c->n_assigned, (int)c->n_parts);
}

/* Adds p's commit to l: the next offset to read, and in its metadata
 * when the held events from there on were first held. Nothing when
 * nothing was read or finished since the assignment. */
static void commit_add(consumer_t *c, rd_kafka_topic_partition_list_t *l,
                       part_t *p)
{
    pthread_mutex_lock(&c->lock);
    int64_t offset = p->stored >= 0 ? p->stored : lgx_partq_head(p->q);
    pthread_mutex_unlock(&c->lock);
    if (offset < 0 || !p->holds) {
        return;
    }
    lgx_holds_forget_before(p->holds, offset);
    char meta[LGX_HOLDS_META_MAX + 1];
    size_t left = lgx_holds_encode(p->holds, meta, sizeof(meta));
    if (left) {
        LGX_WARN(c->log,
                 "partition %d: %zu held event(s) past what a commit's "
                 "metadata holds: after a restart their holds count from "
                 "then",
                 (int)p->partition, left);
    }
    rd_kafka_topic_partition_t *t =
        rd_kafka_topic_partition_list_add(l, c->conf->topic, p->partition);
    t->offset = offset;
    t->metadata = strdup(meta);
    t->metadata_size = t->metadata ? strlen(meta) : 0;
}

/* Commits what is finished, with the first-held times of what is held;
 * sync waits for the broker's answer. */
static void commit(consumer_t *c, bool sync)
{
    if (!c->dirty) {
        return;
    }
    int64_t started = lgx_time_now_ms();
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)c->n_parts);
    for (size_t i = 0; i < c->n_parts; i++) {
        commit_add(c, l, &c->parts[i]);
    }
    rd_kafka_resp_err_t err = l->cnt ? rd_kafka_commit(c->rk, l, sync ? 0 : 1)
                                     : RD_KAFKA_RESP_ERR__NO_OFFSET;
    rd_kafka_topic_partition_list_destroy(l);
    if (sync) {
        lgx_metrics_observe(c->metrics, "lgx_commit_duration_seconds", NULL,
                            (double)(lgx_time_now_ms() - started) / 1000.0);
    }
    lgx_metrics_add(c->metrics, "lgx_commits_total", NULL, 1);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        LGX_WARN(c->log, "offset commit failed: %s", rd_kafka_err2str(err));
        return;
    }
    c->dirty = false;
    c->last_commit_ms = lgx_time_now_ms();
}

/* --from-timestamp: the first assignment of each partition starts at the
 * first event at or after that time (later assignments resume from the
 * group's commits, which then include what this process finished). */
static void start_from_time(consumer_t *c,
                            rd_kafka_topic_partition_list_t *parts)
{
    if (c->from_ms < 0) {
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    for (int i = 0; i < parts->cnt; i++) {
        bool done = false;
        for (size_t j = 0; j < c->n_rewound; j++) {
            done = done || c->rewound[j] == parts->elems[i].partition;
        }
        if (!done && c->n_rewound < MAX_PARTS) {
            c->rewound[c->n_rewound++] = parts->elems[i].partition;
            rd_kafka_topic_partition_list_add(l, parts->elems[i].topic,
                                              parts->elems[i].partition)
                ->offset = c->from_ms;
        }
    }
    rd_kafka_resp_err_t err =
        l->cnt ? rd_kafka_offsets_for_times(c->rk, l, 10000) : 0;
    for (int i = 0; !err && i < l->cnt; i++) {
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
            parts, l->elems[i].topic, l->elems[i].partition);
        /* -1: nothing that late; start at the end. */
        p->offset =
            l->elems[i].offset >= 0 ? l->elems[i].offset : RD_KAFKA_OFFSET_END;
        LGX_INFO(c->log, "partition %d starts at offset %lld (from %lld)",
                 (int)p->partition, (long long)l->elems[i].offset,
                 (long long)c->from_ms);
    }
    if (err) {
        LGX_ERROR(c->log, "--from-timestamp: %s", rd_kafka_err2str(err));
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Reads the group's commits of newly assigned partitions: where each
 * starts, and when the events held there were first held (a hold's
 * deadline counts from then, across restarts and owners). */
static void restore_holds(consumer_t *c,
                          const rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_resp_err_t err = rd_kafka_committed(c->rk, l, 10000);
    for (int i = 0; !err && i < l->cnt; i++) {
        rd_kafka_topic_partition_t *t = &l->elems[i];
        part_t *p = part_find(c, t->partition);
        if (!p || !p->holds || t->err) {
            continue;
        }
        p->committed = t->offset >= 0 ? t->offset : -2;
        if (lgx_holds_decode(p->holds, t->metadata, t->metadata_size) !=
            LGX_OK) {
            LGX_WARN(c->log,
                     "partition %d: the commit's metadata of held events "
                     "is unreadable: their holds count from now",
                     (int)t->partition);
        }
        if (lgx_holds_count(p->holds)) {
            LGX_INFO(c->log,
                     "partition %d: %zu held event(s) keep when they were "
                     "first held",
                     (int)t->partition, lgx_holds_count(p->holds));
        }
    }
    if (err) {
        LGX_WARN(c->log,
                 "reading the group's commits: %s: held events' holds "
                 "count from now",
                 rd_kafka_err2str(err));
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void wait_idle(consumer_t *c);
static void store_finished(consumer_t *c, part_t *p);

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    consumer_t *c = opaque;
    bool cooperative =
        strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        c->joined = true;
        lgx_kafka_acl_watch_clear(c->acl, NULL, "group", c->conf->group);
        for (int i = 0; i < parts->cnt; i++) {
            part_add(c, parts->elems[i].partition);
        }
        restore_holds(c, parts);
        start_from_time(c, parts);
        atomic_store(&c->n_assigned, (int)c->n_parts);
        LGX_INFO(c->log, "assigned %d partition(s) of %s (%s)", parts->cnt,
                 c->conf->topic, rd_kafka_rebalance_protocol(rk));
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) {
                LGX_ERROR(c->log, "incremental assign: %s",
                          rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        return;
    }
    /* Revoked or lost: the events in flight finish first (they hold the
     * partitions' queues), then what is finished is committed before
     * letting go; events not finished are read again by the partition's
     * next owner. */
    wait_idle(c);
    for (size_t i = 0; i < c->n_parts; i++) {
        store_finished(c, &c->parts[i]);
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
        !rd_kafka_assignment_lost(rk) && !c->fatal) {
        commit(c, true);
    }
    for (int i = 0; i < parts->cnt; i++) {
        part_remove(c, parts->elems[i].partition);
    }
    LGX_INFO(c->log, "revoked %d partition(s) of %s", parts->cnt,
             c->conf->topic);
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e) {
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static bool all_at_end(const consumer_t *c)
{
    if (c->n_parts == 0) {
        return false;
    }
    for (size_t i = 0; i < c->n_parts; i++) {
        if (!c->parts[i].eof || lgx_partq_len(c->parts[i].q) > 0) {
            return false;
        }
    }
    return true;
}

/* Stops or restarts fetching a partition (backpressure). */
static void fetch_pause(consumer_t *c, part_t *p, bool pause)
{
    if (p->fetch_paused == pause) {
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, c->conf->topic, p->partition);
    if (pause) {
        rd_kafka_pause_partitions(c->rk, l);
    } else {
        rd_kafka_resume_partitions(c->rk, l);
    }
    rd_kafka_topic_partition_list_destroy(l);
    p->fetch_paused = pause;
}

static void store_offset(consumer_t *c, int32_t partition, int64_t next)
{
    part_t *p = part_find(c, partition);
    if (p) {
        p->stored = next;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, c->conf->topic, partition)->offset =
        next;
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
        LGX_WARN(c->log, "storing offset %lld of partition %d: %s",
                 (long long)next, (int)partition, rd_kafka_err2str(err));
        return;
    }
    c->dirty = true;
}

/* Capped exponential backoff with jitter for the attempts-th failure. */
static int64_t backoff_ms(consumer_t *c, int attempts)
{
    long cap = c->conf->retry_backoff_max_ms;
    long wait = c->conf->retry_backoff_ms;
    for (int i = 1; i < attempts && wait < cap; i++) {
        wait *= 2;
    }
    if (wait > cap) {
        wait = cap;
    }
    /* Jitter on the upper half keeps replicas from retrying in step. */
    return wait / 2 + (long)(rand_r(&c->rand_state) % (unsigned)(wait / 2 + 1));
}

/* ---- one message ---- */

static void log_outcome(consumer_t *c, const lgx_log_fields_t *f,
                        const lgx_verdict_t *v, int attempts)
{
    lgx_log_level_t level =
        v->outcome == LGX_OUTCOME_FATAL ? LGX_LOG_ERROR
        : v->outcome == LGX_OUTCOME_REJECTED || v->outcome == LGX_OUTCOME_RETRY
            ? LGX_LOG_WARN
            : LGX_LOG_INFO;
    lgx_log_fields_t lf = *f;
    lf.outcome = lgx_outcome_name(v->outcome);
    lf.reason = v->reason[0] ? v->reason : NULL;
    char extra[96] = "";
    int k = attempts > 1
                ? snprintf(extra, sizeof(extra), "\"attempts\":%d", attempts)
                : 0;
    if (v->discrepancy && k >= 0 && (size_t)k < sizeof(extra)) {
        snprintf(extra + k, sizeof(extra) - (size_t)k,
                 "%s\"discrepancy\":\"%s\"", k ? "," : "", v->discrepancy);
    }
    /* (the kinds are fixed names: nothing to escape) */
    lgx_log_write_extra(c->log, level, &lf, extra, "%s", v->message);
}

/* Reads the envelope fields every lgx event has. */
static bool read_envelope(lgx_event_t *ev, lgx_verdict_t *v)
{
    const char *s;
    size_t len;
    if (lgx_avro_get_str(ev->record, "event_id", &s, &len) != LGX_OK ||
        len == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "event has no event_id");
        return false;
    }
    ev->event_id = s;
    ev->fields.event_id = s;
    if (lgx_avro_get_str(ev->record, "source_system", &s, &len) != LGX_OK ||
        len == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "event has no source_system");
        return false;
    }
    ev->source = s;
    if (lgx_avro_get_long(ev->record, "occurred_at", &ev->occurred_at) !=
        LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "event has no occurred_at");
        return false;
    }
    return true;
}

/* Decodes and judges one message with runner r; fills v. */
static bool judge_envelope(consumer_t *c, lgx_avro_decoder_t *decoder,
                           pending_t *pe, lgx_event_t *ev, lgx_verdict_t *v)
{
    const rd_kafka_message_t *m = pe->m;
    char errstr[512];
    if (m->len > (size_t)c->conf->max_message_bytes) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "message_too_large",
                        "message of %zu bytes exceeds max-message-bytes %ld",
                        m->len, c->conf->max_message_bytes);
        return false;
    }
    int32_t writer_id = -1;
    lgx_err_t err = lgx_avro_decode(decoder, m->payload, m->len, &ev->record,
                                    &writer_id, errstr, sizeof(errstr));
    if (err != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED,
                        err == LGX_ERR_SCHEMA ? "unknown_schema"
                                              : "malformed_avro",
                        "%s", errstr);
        return false;
    }
    if (lgx_avro_check_limits(ev->record, (size_t)c->conf->max_string_bytes,
                              (size_t)c->conf->max_blob_bytes,
                              (size_t)c->conf->max_items, errstr,
                              sizeof(errstr)) != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "limit_exceeded", "%s",
                        errstr);
        return false;
    }
    if (!read_envelope(ev, v)) {
        return false;
    }
    const char *h = NULL, *f = NULL;
    size_t hl = 0, fl = 0;
    if (!lgx_kafka_header(m, "correlation_id", &h, &hl)) {
        h = NULL;
    }
    if (lgx_avro_get_str(ev->record, "correlation_id", &f, &fl) != LGX_OK) {
        f = NULL;
    }
    lgx_cid_choose(h, hl, f, fl, pe->cid);
    ev->fields.correlation_id = pe->cid;
    bool seen = false;
    if (pe->seen) {
        pthread_mutex_lock(&c->lock);
        seen = lgx_dedup_seen(pe->seen, ev->event_id, strlen(ev->event_id));
        pthread_mutex_unlock(&c->lock);
    }
    if (seen) {
        lgx_verdict_set(v, LGX_OUTCOME_DUPLICATE, "redelivered",
                        "event %s was already handled by this process",
                        ev->event_id);
        return false;
    }
    return true;
}

static void judge(consumer_t *c, runner_t *r, pending_t *pe, lgx_event_t *ev,
                  lgx_verdict_t *v)
{
    if (judge_envelope(c, r->decoder, pe, ev, v)) {
        c->spec->handle(r->state, ev, v);
    }
}

/* Turns holds past their deadline and retries past their limit into
 * rejections, and rejections into dead letters. */
static void settle(consumer_t *c, pending_t *pe, int64_t now, lgx_verdict_t *v)
{
    char msg[sizeof(v->message)];
    if (v->outcome == LGX_OUTCOME_HELD && pe->hold_deadline_ms == 0) {
        if (pe->held_since_ms == 0) {
            pe->held_since_ms = now;
        }
        pe->hold_deadline_ms = pe->held_since_ms +
                               (v->hold_ms > 0 ? v->hold_ms : c->conf->hold_ms);
    }
    if (v->outcome == LGX_OUTCOME_HELD && now >= pe->hold_deadline_ms) {
        /* The last check's reason and message say what is still missing
         * (the picking's state, the event it waits behind). */
        snprintf(msg, sizeof(msg), "%s", v->message);
        char reason[sizeof(v->reason)];
        snprintf(reason, sizeof(reason), "%s", v->reason);
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "hold_expired",
                        "still missing after %lld s held (hold_ms %lld): "
                        "%s: %s",
                        (long long)((now - pe->held_since_ms) / 1000),
                        (long long)(pe->hold_deadline_ms - pe->held_since_ms),
                        reason, msg);
    }
    if (v->outcome == LGX_OUTCOME_RETRY && v->bounded &&
        pe->attempts >= c->conf->retry_limit) {
        snprintf(msg, sizeof(msg), "%s", v->message);
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "retries_exhausted",
                        "gave up after %d attempts: %s", pe->attempts, msg);
    }
}

/* Metrics of one outcome; already: a rejected event whose dead letter
 * the topic already held (not written again). */
static void count_outcome(consumer_t *c, const lgx_verdict_t *v, bool already)
{
    char labels[256];
    lgx_metrics_labels(labels, sizeof(labels), "topic", c->conf->topic,
                       "outcome", lgx_outcome_name(v->outcome), "reason",
                       v->reason, (const char *)NULL);
    lgx_metrics_add(c->metrics, "lgx_events_total", labels, 1);
    if (v->outcome == LGX_OUTCOME_REJECTED) {
        lgx_metrics_labels(labels, sizeof(labels), "topic", c->conf->topic,
                           "reason", v->reason, (const char *)NULL);
        lgx_metrics_add(c->metrics,
                        already ? "lgx_dead_letters_already_total"
                                : "lgx_dead_letters_total",
                        labels, 1);
    }
    if (v->outcome == LGX_OUTCOME_RETRY) {
        lgx_metrics_labels(labels, sizeof(labels), "topic", c->conf->topic,
                           "reason", v->reason, (const char *)NULL);
        lgx_metrics_add(c->metrics, "lgx_retries_total", labels, 1);
    }
    if (v->discrepancy && v->outcome != LGX_OUTCOME_RETRY) {
        lgx_metrics_labels(labels, sizeof(labels), "topic", c->conf->topic,
                           "kind", v->discrepancy, "outcome",
                           lgx_outcome_name(v->outcome), (const char *)NULL);
        lgx_metrics_add(c->metrics, "lgx_stock_discrepancies_total", labels, 1);
    }
}

/* The log fields of a pending event; key is room for its key. */
static lgx_log_fields_t pending_fields(const pending_t *pe, char key[256])
{
    const rd_kafka_message_t *m = pe->m;
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    key[0] = '\0';
    if (m->key) {
        snprintf(key, 256, "%.*s", (int)(m->key_len < 255 ? m->key_len : 255),
                 (const char *)m->key);
    }
    f.topic = rd_kafka_topic_name(m->rkt);
    f.partition = m->partition;
    f.offset = m->offset;
    f.key = m->key ? key : NULL;
    return f;
}

/* Runs one pending event through its handler with runner r, leaving the
 * verdict, correlation id and event id in pe. Runs on a worker thread
 * (or on the main thread at --concurrency 1); touches nothing the main
 * thread changes meanwhile except under c->lock. */
static void run_begin(consumer_t *c, pending_t *pe, lgx_event_t *ev,
                      char key[256])
{
    *ev = (lgx_event_t){c->rules, NULL,    NULL, NULL, 0, LGX_LOG_FIELDS_INIT,
                        pe->q,    &c->lock};
    ev->fields = pending_fields(pe, key);
    pe->cid[0] = '\0';
    free(pe->event_id);
    pe->event_id = NULL;
    lgx_verdict_set(&pe->v, LGX_OUTCOME_APPLIED, "", "applied");
    pe->v.event_type = NULL;
}

/* The record is the runner's and is reused by its next event. Without
 * memory for the copy the outcome line lacks the id and the event is not
 * remembered as seen; its outcome stands. */
static void run_end(pending_t *pe, const lgx_event_t *ev)
{
    if (ev->event_id) {
        pe->event_id = strdup(ev->event_id);
    }
}

static void run_event(consumer_t *c, runner_t *r, pending_t *pe)
{
    char key[256];
    lgx_event_t ev;
    run_begin(c, pe, &ev, key);
    judge(c, r, pe, &ev, &pe->v);
    run_end(pe, &ev);
}

/* Runs n events of different keys that one worker took together (see
 * worker_main): each through decoding, the envelope and dedup with its
 * own decoder, then those left through the handler's batch, so that it
 * may read and post for all of them in a few Odoo calls. */
static void run_batch(consumer_t *c, runner_t *r, pending_t **pes, size_t n)
{
    char keys[MAX_BATCH][256];
    lgx_event_t evs[MAX_BATCH];
    const lgx_event_t *go[MAX_BATCH];
    lgx_verdict_t *vs[MAX_BATCH];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        run_begin(c, pes[i], &evs[i], keys[i]);
        lgx_avro_decoder_t *d = i == 0 ? r->decoder : r->more[i - 1];
        if (judge_envelope(c, d, pes[i], &evs[i], &pes[i]->v)) {
            go[m] = &evs[i];
            vs[m++] = &pes[i]->v;
        }
    }
    if (m == 1) {
        c->spec->handle(r->state, go[0], vs[0]);
    } else if (m > 1) {
        c->spec->handle_batch(r->state, go, vs, m);
    }
    for (size_t i = 0; i < n; i++) {
        run_end(pes[i], &evs[i]);
    }
}

/* Settles the outcome of a run: holds past their deadline and retries
 * past their limit become rejections, rejections dead letters; then the
 * log line, the counts and the event's place in its queue. Main thread
 * only. Returns the outcome. */
/* The verdict of a rejected event whose dead letter was not written:
 * it stays unfinished (retried), or the program stops when the writer
 * failed for good. */
static void dlq_failed(consumer_t *c, lgx_err_t sent, lgx_verdict_t *v)
{
    if (sent == LGX_ERR_KAFKA_FATAL) {
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "dlq_producer_failed",
                        "the dead-letter producer of %s failed for good; "
                        "stopping with the event unfinished",
                        c->conf->dlq_topic);
    } else if (sent == LGX_ERR_KAFKA_ACCESS) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "kafka_not_authorized",
                        "Kafka refused access to dead-letter topic %s (a "
                        "missing ACL, named in the error before); the event "
                        "stays unfinished",
                        c->conf->dlq_topic);
    } else {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "dlq_unavailable",
                        "could not write to dead-letter topic %s; "
                        "the event stays unfinished",
                        c->conf->dlq_topic);
    }
}

static lgx_outcome_t finish(consumer_t *c, pending_t *pe)
{
    const rd_kafka_message_t *m = pe->m;
    part_t *p = part_find(c, m->partition);
    lgx_verdict_t v = pe->v;
    char key[256];
    lgx_log_fields_t fields = pending_fields(pe, key);
    fields.event_id = pe->event_id;
    fields.correlation_id = pe->cid[0] ? pe->cid : NULL;
    if (v.outcome == LGX_OUTCOME_HELD) {
        snprintf(pe->held_type, sizeof(pe->held_type), "%s",
                 v.event_type ? v.event_type : "");
    }
    int64_t now = lgx_time_now_ms();
    bool first_hold = pe->hold_deadline_ms == 0;
    pe->attempts++;
    if (v.outcome == LGX_OUTCOME_HELD && first_hold && p && p->holds) {
        /* Held before this process (or this assignment): from then. */
        pe->held_since_ms = lgx_holds_since(p->holds, m->offset, now);
        if (pe->first_failure_ms == 0 ||
            pe->held_since_ms < pe->first_failure_ms) {
            pe->first_failure_ms = pe->held_since_ms;
        }
        c->dirty = true;
    }
    /* A dead letter's first_failure is when its trouble began: the first
     * hold or retriable failure, before settle turns either into a
     * rejection. */
    if ((v.outcome == LGX_OUTCOME_HELD || v.outcome == LGX_OUTCOME_RETRY) &&
        pe->first_failure_ms == 0) {
        pe->first_failure_ms = now;
    }
    settle(c, pe, now, &v);
    char already[48] = "";
    if (v.outcome == LGX_OUTCOME_REJECTED) {
        lgx_dlq_reason_t r = {v.reason,
                              v.message,
                              pe->cid[0] ? pe->cid : NULL,
                              pe->attempts,
                              pe->first_failure_ms ? pe->first_failure_ms : now,
                              now};
        lgx_err_t sent = lgx_dlq_send(c->dlq, c->conf->dlq_topic, m, &r,
                                      DLQ_TIMEOUT_MS, already, sizeof(already));
        if (sent != LGX_OK) {
            dlq_failed(c, sent, &v);
        } else if (already[0]) {
            char msg[sizeof(v.message)], reason[sizeof(v.reason)];
            snprintf(msg, sizeof(msg), "%s", v.message);
            snprintf(reason, sizeof(reason), "%s", v.reason);
            const char *discrepancy = v.discrepancy;
            lgx_verdict_set(&v, LGX_OUTCOME_REJECTED, reason,
                            "%s (already in %s at %s: not written again)", msg,
                            c->conf->dlq_topic, already);
            v.discrepancy = discrepancy;
        }
    }
    if (v.outcome != LGX_OUTCOME_HELD && v.outcome != LGX_OUTCOME_RETRY && p &&
        p->holds && lgx_holds_forget(p->holds, m->offset)) {
        c->dirty = true;
    }
    if (v.outcome != LGX_OUTCOME_HELD || first_hold) {
        log_outcome(c, &fields, &v, pe->attempts);
        c->counts[v.outcome]++;
        count_outcome(c, &v, v.outcome == LGX_OUTCOME_REJECTED && already[0]);
    }
    pthread_mutex_lock(&c->lock);
    if (v.outcome == LGX_OUTCOME_HELD) {
        /* Each check that finds it still held waits twice as long for the
         * next, up to --hold-recheck-max-ms: thousands of held events
         * must not flood Odoo with reads. */
        pe->recheck_ms =
            first_hold ? c->conf->hold_recheck_ms : pe->recheck_ms * 2;
        if (pe->recheck_ms > c->conf->hold_recheck_max_ms) {
            pe->recheck_ms = c->conf->hold_recheck_max_ms;
        }
        if (pe->recheck_ms < c->conf->hold_recheck_ms) {
            pe->recheck_ms = c->conf->hold_recheck_ms;
        }
        int64_t recheck = now + pe->recheck_ms;
        lgx_partq_hold(pe->q, m->offset,
                       recheck < pe->hold_deadline_ms ? recheck
                                                      : pe->hold_deadline_ms);
    } else if (v.outcome == LGX_OUTCOME_RETRY ||
               v.outcome == LGX_OUTCOME_FATAL) {
        lgx_partq_again(pe->q, m->offset);
    } else {
        /* A rejected event is not remembered: redriven from the dead
         * letters once its cause is fixed, it must be tried again. */
        if (pe->seen && pe->event_id && v.outcome != LGX_OUTCOME_REJECTED) {
            lgx_dedup_add(pe->seen, pe->event_id, strlen(pe->event_id));
        }
        lgx_partq_done(pe->q, m->offset);
    }
    pthread_mutex_unlock(&c->lock);
    if (v.outcome == LGX_OUTCOME_RETRY && p) {
        p->attempts++;
        p->blocked_until_ms = now + backoff_ms(c, p->attempts);
    } else if (v.outcome == LGX_OUTCOME_FATAL) {
        c->fatal = true;
    } else if (v.outcome != LGX_OUTCOME_HELD && p) {
        p->attempts = 0;
    }
    return v.outcome;
}

/* ---- the executor ----
 *
 * Handlers are synchronous sequences of Odoo calls (search, then write,
 * then note). Several calls are in flight at once by running several
 * handlers at once, each in a worker thread with its own Odoo client, so
 * its own curl handle and connection: the same calls in flight as
 * libcurl's multi interface would give, with the handlers unchanged. The
 * main thread keeps everything else: Kafka, the partition queues, the
 * choice of what runs (one event per entity at a time, see lgx_partq),
 * dedup, outcomes, dead letters, holds, retries, commits and reloads. */

/* Hands pe, the next event of p, to a worker; at --concurrency 1 runs it
 * here. Returns its outcome when it ran here, LGX_OUTCOME__COUNT when it
 * is in flight, LGX_OUTCOME_RETRY when it could not start (no memory). */
static lgx_outcome_t dispatch(consumer_t *c, part_t *p, pending_t *pe,
                              int64_t offset)
{
    pe->q = p->q;
    pe->seen = p->seen;
    pthread_mutex_lock(&c->lock);
    lgx_err_t err = lgx_partq_start(p->q, offset);
    if (err == LGX_OK && c->n_workers) {
        pe->next = NULL;
        if (c->work_tail) {
            c->work_tail->next = pe;
        } else {
            c->work_head = pe;
        }
        c->work_tail = pe;
        c->n_work++;
        c->in_flight++;
    }
    pthread_mutex_unlock(&c->lock);
    if (err != LGX_OK) {
        return LGX_OUTCOME_RETRY;
    }
    if (c->n_workers) {
        return LGX_OUTCOME__COUNT;
    }
    runner_t self = {c->odoo, c->state, c->decoder, NULL, 0};
    run_event(c, &self, pe);
    return finish(c, pe);
}

/* How many events of the work list an idle worker takes at once: its
 * share of the list among the idle workers, at most --batch-size (1 for
 * consumers without batches). Under c->lock. */
static size_t batch_take(const consumer_t *c)
{
    size_t most = 1 + c->workers[0].run.n_more;
    size_t idle = c->n_workers - c->n_busy;
    size_t share = (c->n_work + idle - 1) / idle;
    return share < 1 ? 1 : share < most ? share : most;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    consumer_t *c = w->c;
    pending_t *batch[MAX_BATCH];
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->work_head && !c->closing) {
            pthread_cond_wait(&c->work_cv, &c->lock);
        }
        if (!c->work_head) {
            break;
        }
        size_t n = 0, take = batch_take(c);
        while (n < take && c->work_head) {
            batch[n++] = c->work_head;
            c->work_head = c->work_head->next;
        }
        if (!c->work_head) {
            c->work_tail = NULL;
        }
        c->n_work -= n;
        c->n_busy++;
        pthread_mutex_unlock(&c->lock);
        if (n == 1) {
            run_event(c, &w->run, batch[0]);
        } else {
            run_batch(c, &w->run, batch, n);
        }
        pthread_mutex_lock(&c->lock);
        c->n_busy--;
        for (size_t i = 0; i < n; i++) {
            batch[i]->next = NULL;
            if (c->done_tail) {
                c->done_tail->next = batch[i];
            } else {
                c->done_head = batch[i];
            }
            c->done_tail = batch[i];
        }
        pthread_cond_signal(&c->done_cv);
        rd_kafka_queue_t *wake = c->wake;
        pthread_mutex_unlock(&c->lock);
        /* The main thread may be waiting in the Kafka poll. */
        if (wake) {
            rd_kafka_queue_yield(wake);
        }
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Finishes every run that is done; wait: first wait for one. */
static void collect(consumer_t *c, bool wait)
{
    pthread_mutex_lock(&c->lock);
    while (wait && !c->done_head && c->in_flight) {
        pthread_cond_wait(&c->done_cv, &c->lock);
    }
    pending_t *pe = c->done_head;
    c->done_head = c->done_tail = NULL;
    pthread_mutex_unlock(&c->lock);
    while (pe) {
        pending_t *next = pe->next;
        c->in_flight--;
        finish(c, pe);
        pe = next;
    }
}

/* Wakes the workers for the work list. dispatch does not: they are woken
 * once everything that may run is in the list (every partition drained),
 * so that one takes a batch rather than the first event. */
static void wake_workers(consumer_t *c)
{
    if (c->n_workers) {
        pthread_mutex_lock(&c->lock);
        if (c->work_head) {
            pthread_cond_broadcast(&c->work_cv);
        }
        pthread_mutex_unlock(&c->lock);
    }
}

/* Waits until nothing is in flight, finishing what comes back. */
static void wait_idle(consumer_t *c)
{
    wake_workers(c);
    while (c->in_flight) {
        collect(c, true);
    }
}

/* Stores the offset below which everything of p is finished. */
static void store_finished(consumer_t *c, part_t *p)
{
    pthread_mutex_lock(&c->lock);
    int64_t next = lgx_partq_pop(p->q, pending_free);
    pthread_mutex_unlock(&c->lock);
    if (next >= 0) {
        store_offset(c, p->partition, next);
    }
}

/* Hands out every event of the partition that may run now, as long as
 * there is room in flight, then stores the offset below which everything
 * is finished. */
static void drain(consumer_t *c, part_t *p)
{
    int64_t now = lgx_time_now_ms();
    while (!c->fatal && !c->reload_pending && now >= p->blocked_until_ms &&
           c->in_flight < c->max_in_flight) {
        /* After a retriable failure the partition runs one event at a
         * time until one finishes: the first run after the backoff tells
         * whether Odoo is back. */
        if (p->attempts > 0 && lgx_partq_started(p->q) > 0) {
            break;
        }
        int64_t offset;
        pending_t *pe = lgx_partq_next(p->q, now, &offset);
        if (!pe) {
            break;
        }
        /* A retriable failure blocks the partition (store and forward);
         * a held event only blocks its own entity. */
        if (dispatch(c, p, pe, offset) == LGX_OUTCOME_RETRY) {
            break;
        }
        now = lgx_time_now_ms();
    }
    store_finished(c, p);
    size_t len = lgx_partq_len(p->q);
    if (len >= (size_t)c->conf->max_pending) {
        fetch_pause(c, p, true);
    } else if (len <= (size_t)c->conf->max_pending / 2) {
        fetch_pause(c, p, false);
    }
}

/* Takes a polled message into its partition's queue. */
static void take(consumer_t *c, rd_kafka_message_t *m)
{
    part_t *p = part_find(c, m->partition);
    pending_t *pe = calloc(1, sizeof(*pe));
    char key[256] = "";
    if (m->key) {
        snprintf(key, sizeof(key), "%.*s",
                 (int)(m->key_len < 255 ? m->key_len : 255),
                 (const char *)m->key);
    }
    lgx_err_t err = LGX_ERR_INVALID;
    if (p && p->q && pe) {
        pthread_mutex_lock(&c->lock);
        err = lgx_partq_push(p->q, m->offset, key, pe);
        pthread_mutex_unlock(&c->lock);
    }
    if (err != LGX_OK) {
        /* Not ours any more, or no memory: drop it uncommitted; it is
         * read again after a restart or by the partition's next owner. */
        LGX_WARN(c->log, "could not queue offset %lld of partition %d",
                 (long long)m->offset, (int)m->partition);
        free(pe);
        rd_kafka_message_destroy(m);
        return;
    }
    pe->m = m;
    p->eof = false;
    drain(c, p);
}

/* ---- Kafka access rights ---- */

/* What the group consumer asks of the brokers. */
static lgx_kafka_acl_need_t consumer_need(const consumer_t *c)
{
    lgx_kafka_acl_need_t need = {"READ", c->conf->topic, "READ", c->conf->group,
                                 false};
    return need;
}

/* err from the group consumer: true when it is a denial. Before the
 * group first assigned partitions it stops the program (exit 1, nothing
 * committed); later it is reported (not ready, metric, log) and waited
 * out: the client retries, and readiness comes back with the grant. */
static bool consumer_denied(consumer_t *c, rd_kafka_resp_err_t err,
                            const char *reason)
{
    lgx_kafka_acl_need_t need = consumer_need(c);
    lgx_kafka_acl_t acl;
    if (!lgx_kafka_acl_from_error(err, &need, &acl)) {
        return false;
    }
    lgx_kafka_acl_watch_denied(
        c->acl, &acl,
        err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
            ? LGX_KAFKA_ACL_REPEATING
            : LGX_KAFKA_ACL_BLOCKING,
        reason);
    if (!c->joined && !c->fatal) {
        LGX_ERROR(c->log, "Kafka authorization failed at start; stopping");
        c->fatal = true;
    }
    return true;
}

/* At start, before anything is consumed: may this consumer read its
 * topic in its group, and read the dead-letter topic? A missing ACL
 * stops the program (exit 1) with the ACL named; brokers that do not
 * answer in time are left to the loop, which waits for them. Returns
 * false to stop. */
static bool probe_access(consumer_t *c)
{
    lgx_kafka_acl_need_t need = consumer_need(c);
    lgx_kafka_acl_t acl;
    char errstr[1024] = "";
    const char *what = "at start, reading the topic in its group";
    lgx_err_t rc = lgx_kafka_acl_probe_read(c->rk, &need, PROBE_MS, &c->fatal,
                                            c->acl, &acl);
    if (rc == LGX_OK || rc == LGX_ERR_NOT_FOUND) {
        what = "at start, reading the dead-letter topic";
        rc = lgx_dlq_probe(c->dlq, c->conf->dlq_topic, c->conf->topic, PROBE_MS,
                           &c->fatal, &acl, errstr, sizeof(errstr));
    }
    if (rc == LGX_ERR_KAFKA_ACCESS) {
        lgx_kafka_acl_watch_denied(c->acl, &acl, LGX_KAFKA_ACL_BLOCKING, what);
    }
    if (rc == LGX_ERR_KAFKA_ACCESS || rc == LGX_ERR_KAFKA_FATAL) {
        LGX_ERROR(c->log, "Kafka authorization failed at start; stopping "
                          "with nothing consumed");
        c->fatal = true;
    }
    return !c->fatal;
}

/* Every second: a dead-letter producer that failed for good stops the
 * program (logged by lgx_dlq), before a dead letter waits on it. */
static void check_dlq(consumer_t *c)
{
    char errstr[1024];
    if (lgx_dlq_check(c->dlq, errstr, sizeof(errstr)) == LGX_ERR_KAFKA_FATAL &&
        !c->fatal) {
        LGX_ERROR(c->log, "stopping: the dead letters cannot be written");
        c->fatal = true;
    }
}

/* ---- set-up and loop ---- */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    consumer_t *c = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_fatal_error(rk, buf, sizeof(buf));
        LGX_ERROR(c->log, "Kafka fatal error: %s", buf);
        c->fatal = true;
        return;
    }
    /* A SASL or TLS failure before the group ever assigned partitions is a
     * configuration mistake (credentials, mechanism, CA): stop with exit 1
     * and nothing committed, as for a wrong Odoo key. Later it is logged
     * and retried: connections already made keep working and a token
     * provider or a broker may come back. reason never holds a secret. */
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
        err == RD_KAFKA_RESP_ERR__SSL) {
        LGX_ERROR(c->log, "Kafka %s%s: %s",
                  err == RD_KAFKA_RESP_ERR__SSL ? "TLS error"
                                                : "authentication failed",
                  c->joined ? "" : " at start; stopping", reason);
        c->fatal = c->fatal || !c->joined;
        return;
    }
    if (!consumer_denied(c, err, reason)) {
        LGX_WARN(c->log, "Kafka: %s: %s", rd_kafka_err2name(err), reason);
    }
}

static rd_kafka_t *make_consumer(consumer_t *c, char *errstr, size_t size)
{
    const lgx_consumer_conf_t *k = c->conf;
    rd_kafka_conf_t *conf =
        lgx_kafka_conf_new(k->brokers, NULL, &c->owner, errstr, size);
    if (!conf) {
        return NULL;
    }
    const char *settings[][2] = {
        {"group.id", k->group},
        {"client.id", c->spec->program},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"partition.assignment.strategy", "cooperative-sticky"},
        /* Always: the access probe at start waits for an end. */
        {"enable.partition.eof", "true"},
        /* Bounded prefetch keeps memory flat under any backlog. */
        {"queued.max.messages.kbytes", "16384"},
        {"queued.min.messages", "10000"},
    };
    lgx_err_t err = LGX_OK;
    for (size_t i = 0;
         err == LGX_OK && i < sizeof(settings) / sizeof(settings[0]); i++) {
        err = lgx_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr,
                                 size);
    }
    /* The operator's --kafka.* settings come last and win. */
    for (char **p = k->kafka_props; err == LGX_OK && p && p[0] && p[1];
         p += 2) {
        err = lgx_kafka_conf_set(conf, p[0], p[1], errstr, size);
    }
    if (err != LGX_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, on_error);
    char rderr[256];
    rd_kafka_t *rk =
        rd_kafka_new(RD_KAFKA_CONSUMER, conf, rderr, sizeof(rderr));
    if (!rk) {
        snprintf(errstr, size, "Kafka consumer: %s", rderr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* ---- metrics and health ---- */

static void declare_metrics(consumer_t *c)
{
    static const struct {
        const char *name;
        lgx_metric_kind_t kind;
        const char *help;
    } fams[] = {
        {"lgx_events_total", LGX_METRIC_COUNTER,
         "Events by topic, outcome and reason"},
        {"lgx_dead_letters_total", LGX_METRIC_COUNTER,
         "Events written to the dead-letter topic, by reason"},
        {"lgx_dead_letters_already_total", LGX_METRIC_COUNTER,
         "Rejected events read again whose dead letter the topic already "
         "held (not written twice), by reason"},
        {"lgx_retries_total", LGX_METRIC_COUNTER,
         "Retriable failures (the event is tried again), by reason"},
        {"lgx_stock_discrepancies_total", LGX_METRIC_COUNTER,
         "Events that found Odoo's stock books disagree with the warehouse "
         "(kind: shortage, pick_after_validation), by what lgx did"},
        {"lgx_odoo_calls_total", LGX_METRIC_COUNTER,
         "Odoo calls by model, method and result"},
        {"lgx_odoo_call_duration_seconds", LGX_METRIC_HISTOGRAM,
         "Odoo call latency by model and method"},
        {"lgx_odoo_up", LGX_METRIC_GAUGE,
         "1 when the last Odoo call or probe succeeded and no call has been "
         "outstanding longer than --odoo-stall-ms"},
        {"lgx_odoo_oldest_call_seconds", LGX_METRIC_GAUGE,
         "How long the oldest Odoo call in progress has been running (0: "
         "none)"},
        {"lgx_pending_events", LGX_METRIC_GAUGE,
         "Events read but not finished (in flight, held or waiting), by "
         "partition"},
        {"lgx_held_events", LGX_METRIC_GAUGE,
         "Events held for a missing precondition, by partition"},
        {"lgx_consumer_lag", LGX_METRIC_GAUGE,
         "Events of the partition not yet finished (end offset minus the "
         "next offset to commit)"},
        {"lgx_commits_total", LGX_METRIC_COUNTER, "Offset commits"},
        {"lgx_commit_duration_seconds", LGX_METRIC_HISTOGRAM,
         "Synchronous offset commit latency"},
        {"lgx_assigned_partitions", LGX_METRIC_GAUGE, "Partitions assigned"},
        {"lgx_build_info", LGX_METRIC_GAUGE, "Program and version"},
    };
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        lgx_metrics_declare(c->metrics, fams[i].name, fams[i].kind,
                            fams[i].help);
    }
    char labels[128];
    lgx_metrics_labels(labels, sizeof(labels), "program", c->spec->program,
                       "version", lgx_version_release(), (const char *)NULL);
    lgx_metrics_set(c->metrics, "lgx_build_info", labels, 1);
    lgx_reasons_zero(c->metrics, c->conf->topic);
}

/* Adds o to the Odoo clients readiness watches. Main thread, before o's
 * first call. */
static void watch_odoo(consumer_t *c, lgx_odoo_t *o)
{
    size_t n = atomic_load(&c->n_watched);
    if (n < MAX_WATCHED) {
        atomic_store(&c->watched[n], o);
        atomic_store(&c->n_watched, n + 1);
    }
}

/* Odoo's health from the calls in progress: a call outstanding longer
 * than --odoo-stall-ms is a hung or overloaded Odoo, seen long before the
 * call times out. Sets lgx_odoo_oldest_call_seconds and lgx_odoo_up, logs
 * each change, and returns whether Odoo stalls; *oldest_ms gets the age
 * of the oldest call in progress (-1: none). Any thread: the HTTP thread
 * asks while the main thread may itself be the one waiting for Odoo. */
static bool odoo_stall(consumer_t *c, int64_t *oldest_ms)
{
    int64_t oldest = -1;
    size_t n = atomic_load(&c->n_watched);
    for (size_t i = 0; i < n; i++) {
        int64_t ms = lgx_odoo_busy_ms(atomic_load(&c->watched[i]));
        oldest = ms > oldest ? ms : oldest;
    }
    long limit = c->conf->odoo_stall_ms;
    bool stalled = limit > 0 && oldest >= limit;
    if (atomic_exchange(&c->odoo_stalled, stalled) != stalled) {
        if (stalled) {
            LGX_WARN(c->log,
                     "an Odoo call has been outstanding for %.1f s "
                     "(--odoo-stall-ms %ld): Odoo hangs or is overloaded; "
                     "not ready",
                     (double)oldest / 1000.0, limit);
        } else {
            LGX_INFO(c->log, "no Odoo call outstanding longer than "
                             "--odoo-stall-ms any more");
        }
    }
    lgx_metrics_set(c->metrics, "lgx_odoo_oldest_call_seconds", NULL,
                    oldest > 0 ? (double)oldest / 1000.0 : 0);
    lgx_metrics_set(c->metrics, "lgx_odoo_up", NULL,
                    stalled || atomic_load(&c->odoo_down) ? 0 : 1);
    *oldest_ms = oldest;
    return stalled;
}

/* Every Odoo call: metrics, and Odoo's health for readiness. */
static void on_odoo_call(void *opaque, const char *model, const char *method,
                         double seconds, lgx_err_t result)
{
    consumer_t *c = opaque;
    char labels[256];
    lgx_metrics_labels(labels, sizeof(labels), "model", model, "method", method,
                       (const char *)NULL);
    lgx_metrics_observe(c->metrics, "lgx_odoo_call_duration_seconds", labels,
                        seconds);
    lgx_metrics_labels(labels, sizeof(labels), "model", model, "method", method,
                       "result", lgx_err_name(result), (const char *)NULL);
    lgx_metrics_add(c->metrics, "lgx_odoo_calls_total", labels, 1);
    int down = lgx_err_retriable(result) ? 1 : 0;
    if (!down) {
        atomic_store(&c->last_odoo_ok_ms, lgx_time_now_ms());
    }
    if (atomic_exchange(&c->odoo_down, down) != down) {
        if (down) {
            LGX_WARN(c->log, "Odoo is failing (%s on %s.%s): not ready",
                     lgx_err_name(result), model, method);
        } else {
            LGX_INFO(c->log, "Odoo answers again: ready");
        }
    }
    int64_t oldest;
    (void)odoo_stall(c, &oldest);
}

/* Also asked before each /metrics, so that the Odoo gauges it refreshes
 * are current at every scrape. */
static bool is_ready(void *opaque, char *why, size_t size)
{
    consumer_t *c = opaque;
    int64_t oldest;
    bool stalled = odoo_stall(c, &oldest);
    if (atomic_load(&c->connecting)) {
        snprintf(why, size,
                 "not ready: connecting to Odoo and checking its set-up");
        return false;
    }
    if (lgx_kafka_acl_watch_reason(c->acl, why, size)) {
        return false;
    }
    if (atomic_load(&c->n_assigned) == 0) {
        snprintf(why, size, "not ready: no partition assigned");
        return false;
    }
    if (stalled) {
        snprintf(why, size,
                 "degraded: an Odoo call has been outstanding for %.1f s, "
                 "longer than --odoo-stall-ms %ld: Odoo hangs or is "
                 "overloaded; events wait, nothing is skipped",
                 (double)oldest / 1000.0, c->conf->odoo_stall_ms);
        return false;
    }
    if (atomic_load(&c->odoo_down)) {
        snprintf(why, size,
                 "degraded: Odoo is unreachable or failing; "
                 "events wait, nothing is skipped");
        return false;
    }
    snprintf(why, size, "ready");
    return true;
}

/* Where the unfinished part of a partition starts when nothing was
 * finished since it was assigned: the fetch position (the committed
 * offset until a message is read) less what was read and is pending; lo
 * before the first fetch. */
static int64_t fetch_start(consumer_t *c, part_t *p, int64_t lo)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, c->conf->topic, p->partition);
    int64_t from = lo;
    if (rd_kafka_position(c->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        l->elems[0].offset >= 0) {
        from = l->elems[0].offset - (int64_t)lgx_partq_len(p->q);
    } else {
        /* Nothing fetched (a partition already at its end): the group's
         * committed offset, asked once. */
        if (p->committed == -1) {
            l->elems[0].offset = RD_KAFKA_OFFSET_INVALID;
            p->committed = rd_kafka_committed(c->rk, l, 1000) ==
                                       RD_KAFKA_RESP_ERR_NO_ERROR &&
                                   !l->elems[0].err && l->elems[0].offset >= 0
                               ? l->elems[0].offset
                               : -2;
        }
        from = p->committed >= 0 ? p->committed : lo;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return from > lo ? from : lo;
}

/* Every second: partition gauges; and when no call reached Odoo for
 * --odoo-probe-ms, a probe, so that readiness follows Odoo without
 * traffic. */
static void housekeeping(consumer_t *c)
{
    int64_t now = lgx_time_now_ms();
    if (now - c->last_gauges_ms < 1000) {
        return;
    }
    c->last_gauges_ms = now;
    char labels[160], part[16];
    for (size_t i = 0; i < c->n_parts; i++) {
        part_t *p = &c->parts[i];
        snprintf(part, sizeof(part), "%d", (int)p->partition);
        lgx_metrics_labels(labels, sizeof(labels), "topic", c->conf->topic,
                           "partition", part, (const char *)NULL);
        lgx_metrics_set(c->metrics, "lgx_pending_events", labels,
                        (double)lgx_partq_len(p->q));
        lgx_metrics_set(c->metrics, "lgx_held_events", labels,
                        (double)lgx_partq_held(p->q));
        int64_t lo = 0, hi = 0;
        if (rd_kafka_get_watermark_offsets(c->rk, c->conf->topic, p->partition,
                                           &lo, &hi) == 0 &&
            hi >= 0) {
            int64_t from = p->stored >= 0 ? p->stored : fetch_start(c, p, lo);
            lgx_metrics_set(c->metrics, "lgx_consumer_lag", labels,
                            (double)(hi > from ? hi - from : 0));
        }
    }
    lgx_metrics_set(c->metrics, "lgx_assigned_partitions", NULL,
                    (double)c->n_parts);
    check_dlq(c);
    unsigned long long dropped = lgx_metrics_dropped(c->metrics);
    if (dropped > c->dropped_seen) {
        LGX_WARN(c->log,
                 "metrics: %llu update(s) of new series dropped (the "
                 "registry is full; lgx_metrics_series_dropped_total)",
                 dropped - c->dropped_seen);
        c->dropped_seen = dropped;
    }
    /* Workers may hang in a call while the main thread goes on: the log
     * says so even when nobody asks /readyz. */
    int64_t oldest;
    (void)odoo_stall(c, &oldest);
    if (now - atomic_load(&c->last_odoo_ok_ms) >= c->conf->odoo_probe_ms) {
        lgx_odoo_error_t err;
        atomic_store(&c->last_odoo_ok_ms, now);
        lgx_err_t rc = lgx_odoo_call(c->odoo, "res.users", "context_get", NULL,
                                     0, NULL, NULL, &err);
        if (lgx_err_fatal(rc)) {
            LGX_ERROR(c->log, "Odoo probe: %s: %s", err.name, err.message);
            c->fatal = true;
        }
    }
}

/* SIGHUP: new rules, unless the file is now invalid (the old rules stay).
 * Only while nothing is in flight: handlers read the rules. */
static void reload(consumer_t *c)
{
    char errstr[512];
    lgx_rules_t *r =
        load_rules(c->spec, c->conf->rules, errstr, sizeof(errstr));
    if (!r) {
        LGX_ERROR(c->log, "rules not reloaded, the old ones stay: %s", errstr);
        return;
    }
    lgx_rules_destroy(c->rules);
    c->rules = r;
    LGX_INFO(c->log, "rules reloaded from %s", c->conf->rules);
}

/* SIGHUP: the API key file again (rotation without a restart), for the
 * main client and each worker's, while nothing is in flight. */
static void reload_key(consumer_t *c)
{
    char errstr[512];
    lgx_err_t rc = lgx_odoo_reload_key(c->odoo, errstr, sizeof(errstr));
    for (size_t i = 0; rc == LGX_OK && i < c->n_workers; i++) {
        rc =
            lgx_odoo_reload_key(c->workers[i].run.odoo, errstr, sizeof(errstr));
    }
    if (rc == LGX_OK) {
        LGX_INFO(c->log, "Odoo API key read again from its file");
    } else if (rc != LGX_ERR_NOT_FOUND) {
        LGX_ERROR(c->log, "API key not reloaded, the old one stays: %s",
                  errstr);
    }
}

/* SIGHUP: --kafka-password-file again (rotation without a restart), for
 * the consumer and the dead-letter writer, used from their next
 * authentication. */
static void reload_kafka_password(consumer_t *c, const char *path)
{
    char errstr[512];
    char *pw = lgx_secret_read(path, "file", errstr, sizeof(errstr));
    lgx_err_t rc =
        pw ? lgx_kafka_sasl_password_set(c->rk, pw, errstr, sizeof(errstr))
           : LGX_ERR_IO;
    if (rc == LGX_OK) {
        rc = lgx_dlq_sasl_password_set(c->dlq, pw, errstr, sizeof(errstr));
    }
    lgx_secret_free(pw);
    if (rc == LGX_OK) {
        LGX_INFO(c->log, "Kafka password read again from "
                         "--kafka-password-file (used from the next "
                         "authentication; connections made stay)");
    } else {
        LGX_ERROR(c->log,
                  "Kafka password not reloaded: option "
                  "--kafka-password-file: %s",
                  errstr);
    }
}

/* SIGHUP: --schema-registry-credentials-file again, used from the next
 * fetch; nothing is in flight, so no decoder uses the registry. */
static void reload_registry_credentials(consumer_t *c)
{
    char errstr[512];
    lgx_err_t rc =
        lgx_registry_reload_credentials(c->registry, errstr, sizeof(errstr));
    if (rc == LGX_OK) {
        LGX_INFO(c->log, "schema registry credentials read again from "
                         "--schema-registry-credentials-file");
    } else if (rc != LGX_ERR_NOT_FOUND) {
        LGX_ERROR(c->log,
                  "schema registry credentials not reloaded, the old ones "
                  "stay: %s",
                  errstr);
    }
}

/* SIGHUP: librdkafka cannot give a running client another TLS key
 * password: a new one in --kafka-ssl-key-password-file is only said to
 * need a restart. */
static void reload_kafka_key_password(consumer_t *c, const char *path)
{
    char errstr[512];
    char *kp = lgx_secret_read(path, "file", errstr, sizeof(errstr));
    const char *now =
        lgx_kafka_props_get(c->conf->kafka_props, "ssl.key.password");
    if (!kp) {
        LGX_ERROR(c->log, "option --kafka-ssl-key-password-file: %s", errstr);
    } else if (!now || strcmp(kp, now) != 0) {
        LGX_WARN(c->log,
                 "the TLS key password in --kafka-ssl-key-password-file "
                 "changed: librdkafka cannot change it in a running client; "
                 "restart %s to use it",
                 c->spec->program);
    }
    lgx_secret_free(kp);
}

/* Takes one polled message: an event, the end of a partition or an
 * error. */
static void take_polled(consumer_t *c, rd_kafka_message_t *m)
{
    if (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        lgx_kafka_acl_watch_clear(c->acl, "READ", "topic", c->conf->topic);
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        part_t *p = part_find(c, m->partition);
        if (p) {
            p->eof = true;
        }
        rd_kafka_message_destroy(m);
    } else if (m->err) {
        if (!consumer_denied(c, m->err, rd_kafka_message_errstr(m))) {
            LGX_WARN(c->log, "consume: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    } else {
        take(c, m);
    }
}

/* True when more events wait to run (neither held nor started) than the
 * workers take in four rounds. */
static bool workers_busy(consumer_t *c)
{
    if (!c->n_workers || !c->in_flight) {
        return false;
    }
    size_t ready = 0;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_parts; i++) {
        lgx_partq_t *q = c->parts[i].q;
        ready +=
            q ? lgx_partq_len(q) - lgx_partq_held(q) - lgx_partq_started(q) : 0;
    }
    pthread_mutex_unlock(&c->lock);
    return ready >= 4 * c->max_in_flight;
}

/* Waits up to ms for a worker to finish an event. */
static void wait_done(consumer_t *c, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->lock);
    if (!c->done_head) {
        pthread_cond_timedwait(&c->done_cv, &c->lock, &until);
    }
    pthread_mutex_unlock(&c->lock);
}

static void loop(consumer_t *c)
{
    while (!stop_requested && !c->fatal) {
        collect(c, false);
        if (reload_requested) {
            reload_requested = 0;
            c->reload_pending = true;
        }
        /* Rules and keys change only between events: dispatching stops
         * until the events in flight are finished. */
        if (c->reload_pending && !c->in_flight) {
            c->reload_pending = false;
            reload(c);
            reload_key(c);
            if (c->secrets->password_file) {
                reload_kafka_password(c, c->secrets->password_file);
            }
            if (c->secrets->ssl_key_password_file) {
                reload_kafka_key_password(c, c->secrets->ssl_key_password_file);
            }
            if (c->registry) {
                reload_registry_credentials(c);
            }
        }
        housekeeping(c);
        /* Each partition in turn goes first for the room in flight. */
        size_t first = c->n_parts ? c->rr++ % c->n_parts : 0;
        for (size_t i = 0; i < c->n_parts && !c->fatal; i++) {
            drain(c, &c->parts[(first + i) % c->n_parts]);
        }
        wake_workers(c);
        if (lgx_time_now_ms() - c->last_commit_ms >=
            c->conf->commit_interval_ms) {
            commit(c, false);
        }
        if (c->conf->exit_at_end && all_at_end(c)) {
            LGX_INFO(c->log, "every partition read to its end; stopping");
            break;
        }
        /* While the workers have plenty to do, messages stay in
         * librdkafka's queue, which holds them for less than ours: the
         * main thread waits for a worker instead (polling at least once a
         * second, for the group). */
        if (workers_busy(c) && lgx_time_now_ms() - c->last_poll_ms < 1000) {
            wait_done(c, 100);
            continue;
        }
        c->last_poll_ms = lgx_time_now_ms();
        /* A worker that finishes an event wakes the poll up. What is
         * fetched already is taken at once, up to POLL_BURST messages,
         * and the workers woken after, so that they find batches. */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
        for (int k = 0; m; k++) {
            take_polled(c, m);
            m = k + 1 < POLL_BURST ? rd_kafka_consumer_poll(c->rk, 0) : NULL;
        }
        wake_workers(c);
    }
}

static void log_summary(consumer_t *c)
{
    char extra[512];
    size_t n = 0;
    for (int i = 0; i < LGX_OUTCOME__COUNT && n < sizeof(extra); i++) {
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"%s\":%llu",
                              i ? "," : "", outcome_names[i],
                              (unsigned long long)c->counts[i]);
    }
    lgx_log_write_extra(c->log, LGX_LOG_INFO, NULL, extra, "summary");
}

static int run(consumer_t *c)
{
    rd_kafka_topic_partition_list_t *topics =
        rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, c->conf->topic,
                                      RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        LGX_ERROR(c->log, "subscribe to %s: %s", c->conf->topic,
                  rd_kafka_err2str(err));
        return 1;
    }
    LGX_INFO(c->log, "consuming %s as group %s; dead letters to %s",
             c->conf->topic, c->conf->group, c->conf->dlq_topic);
    loop(c);
    /* SIGTERM or a fatal error: the events in flight finish first. */
    wait_idle(c);
    for (size_t i = 0; i < c->n_parts; i++) {
        store_finished(c, &c->parts[i]);
    }
    if (!c->fatal) {
        commit(c, true);
    }
    LGX_INFO(c->log, "closing the consumer%s",
             c->fatal ? " after a fatal error, without committing" : "");
    rd_kafka_consumer_close(c->rk);
    log_summary(c);
    return c->fatal ? 1 : 0;
}

/* Fills topic, group and dead-letter defaults from the spec. */
static lgx_err_t apply_spec_defaults(lgx_consumer_conf_t *k,
                                     const lgx_consumer_spec_t *spec)
{
    if (!k->topic && !(k->topic = strdup(spec->default_topic))) {
        return LGX_ERR_NOMEM;
    }
    if (!k->group && !(k->group = strdup(spec->program))) {
        return LGX_ERR_NOMEM;
    }
    if (!k->dlq_topic) {
        size_t n = strlen(k->topic) + 5;
        k->dlq_topic = malloc(n);
        if (!k->dlq_topic) {
            return LGX_ERR_NOMEM;
        }
        snprintf(k->dlq_topic, n, "%s.dlq", k->topic);
    }
    return LGX_OK;
}

/* Refuses to run when Odoo lacks what the consumer needs (logged,
 * LGX_ERR_ODOO_CONFIG); other failures are left in err. */
static lgx_err_t check_setup(const lgx_consumer_spec_t *spec, lgx_odoo_t *odoo,
                             lgx_log_t *log, lgx_odoo_error_t *err)
{
    if (!spec->requires) {
        return LGX_OK;
    }
    lgx_buf_t *missing = lgx_buf_new();
    size_t n = 0;
    lgx_err_t rc = LGX_ERR_NOMEM;
    if (!missing) {
        snprintf(err->name, sizeof(err->name), "nomem");
        snprintf(err->message, sizeof(err->message), "out of memory");
    } else if ((rc = lgx_setup_check(odoo, spec->requires, missing, &n, err)) ==
                   LGX_OK &&
               n) {
        LGX_ERROR(log,
                  "Odoo lacks %zu thing(s) %s needs (run lgx-odoo-setup): %s",
                  n, spec->program, lgx_buf_data(missing));
        rc = LGX_ERR_ODOO_CONFIG;
    }
    lgx_buf_destroy(missing);
    return rc;
}

/* Connects odoo, waiting out an outage (retrying every 2 s until
 * stopped); check: also checks Odoo's set-up for the consumer. */
static lgx_err_t await_odoo(const lgx_consumer_spec_t *spec, lgx_odoo_t *odoo,
                            lgx_log_t *log, bool check, lgx_odoo_error_t *oerr)
{
    bool connected = false;
    lgx_err_t err;
    for (;;) {
        err = connected ? LGX_OK : lgx_odoo_connect(odoo, oerr);
        connected = err == LGX_OK;
        if (connected && check) {
            err = check_setup(spec, odoo, log, oerr);
        }
        if (err == LGX_OK || !lgx_err_retriable(err) || stop_requested) {
            break;
        }
        LGX_WARN(log, "Odoo not reachable yet (%s: %s); retrying in 2 s",
                 oerr->name, oerr->message);
        struct timespec ts = {2, 0};
        nanosleep(&ts, NULL);
    }
    return err;
}

/* Makes the --concurrency workers, each with its own Odoo client
 * (connected with oconf), handler state and decoder of store, and starts
 * them. On error errstr says why; stop_workers cleans up. */
static lgx_err_t start_workers(consumer_t *c, const lgx_odoo_conf_t *oconf,
                               lgx_avro_store_t *store, lgx_odoo_error_t *oerr,
                               char *errstr, size_t size)
{
    const lgx_consumer_spec_t *spec = c->spec;
    size_t n = (size_t)c->conf->concurrency;
    if (!(c->workers = calloc(n, sizeof(*c->workers)))) {
        snprintf(errstr, size, "out of memory");
        return LGX_ERR_NOMEM;
    }
    for (; c->n_workers < n; c->n_workers++) {
        worker_t *w = &c->workers[c->n_workers];
        w->c = c;
        if (!(w->run.odoo = lgx_odoo_new(oconf, c->log, errstr, size))) {
            return LGX_ERR_INVALID;
        }
        lgx_err_t err = await_odoo(spec, w->run.odoo, c->log, false, oerr);
        if (err != LGX_OK) {
            LGX_ERROR(c->log, "cannot use Odoo at %s: %s: %s", oconf->url,
                      oerr->name, oerr->message);
            snprintf(errstr, size, "worker %zu not connected to Odoo",
                     c->n_workers + 1);
            return err;
        }
        lgx_odoo_set_observer(w->run.odoo, on_odoo_call, c);
        watch_odoo(c, w->run.odoo);
        if (spec->init && !(w->run.state = spec->init(spec->conf, w->run.odoo,
                                                      c->log, errstr, size))) {
            return LGX_ERR_INVALID;
        }
        if (!(w->run.decoder =
                  lgx_avro_decoder_new(store, spec->schema, errstr, size))) {
            return LGX_ERR_INVALID;
        }
        size_t more = spec->handle_batch ? (size_t)c->conf->batch_size - 1 : 0;
        if (more && !(w->run.more = calloc(more, sizeof(*w->run.more)))) {
            snprintf(errstr, size, "out of memory");
            return LGX_ERR_NOMEM;
        }
        for (; w->run.n_more < more; w->run.n_more++) {
            if (!(w->run.more[w->run.n_more] = lgx_avro_decoder_new(
                      store, spec->schema, errstr, size))) {
                return LGX_ERR_INVALID;
            }
        }
    }
    c->max_in_flight = n * (1 + c->workers[0].run.n_more);
    for (size_t i = 0; i < c->n_workers; i++) {
        worker_t *w = &c->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            snprintf(errstr, size, "cannot start worker thread %zu", i + 1);
            return LGX_ERR_NOMEM;
        }
        w->started = true;
    }
    LGX_INFO(c->log,
             "applying up to %zu events at once (one Odoo connection "
             "per worker), in batches of up to %zu",
             c->n_workers, 1 + c->workers[0].run.n_more);
    return LGX_OK;
}

/* Stops the workers (they finish what they hold) and frees them. */
static void stop_workers(consumer_t *c)
{
    pthread_mutex_lock(&c->lock);
    c->closing = true;
    pthread_cond_broadcast(&c->work_cv);
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0;
         c->workers && i <= c->n_workers && i < (size_t)c->conf->concurrency;
         i++) {
        worker_t *w = &c->workers[i];
        if (w->started) {
            pthread_join(w->thread, NULL);
        }
        if (c->spec->term && w->run.state) {
            c->spec->term(w->run.state);
        }
        lgx_avro_decoder_destroy(w->run.decoder);
        for (size_t j = 0; j < w->run.n_more; j++) {
            lgx_avro_decoder_destroy(w->run.more[j]);
        }
        free(w->run.more);
        lgx_odoo_destroy(w->run.odoo);
    }
    free(c->workers);
    c->workers = NULL;
    c->n_workers = 0;
}

extern char **environ;

int lgx_consumer_main(const lgx_consumer_spec_t *spec, int argc, char **argv)
{
    lgx_consumer_conf_t kconf;
    lgx_kafka_secrets_t ksecrets;
    lgx_odoo_conf_t oconf;
    memset(&kconf, 0, sizeof(kconf));
    memset(&ksecrets, 0, sizeof(ksecrets));
    memset(&oconf, 0, sizeof(oconf));
    /* The consumer table with this program's topic shown as default. */
    lgx_opt_t kopts[N_CONSUMER_OPTS];
    memcpy(kopts, consumer_opts, sizeof(kopts));
    for (size_t i = 0; kopts[i].name; i++) {
        if (strcmp(kopts[i].name, "topic") == 0) {
            kopts[i].def = spec->default_topic;
        } else if (strcmp(kopts[i].name, "group") == 0) {
            kopts[i].def = spec->program;
        }
    }
    lgx_config_section_t sections[4] = {
        {"Kafka and processing", kopts, &kconf},
        {"Kafka secrets", lgx_kafka_secret_opts, &ksecrets},
        {"Odoo", lgx_odoo_opts, &oconf},
        {spec->program, spec->opts, spec->conf},
    };
    size_t n_sections = spec->opts ? 4 : 3;
    char errstr[512];
    int rc = 2;
    consumer_t *c = NULL;
    lgx_log_t *log = NULL;
    lgx_odoo_t *odoo = NULL;
    lgx_avro_store_t *store = NULL;
    lgx_registry_t *registry = NULL;

    lgx_err_t err =
        lgx_config_load(sections, n_sections, spec->program, spec->summary,
                        argc, argv, environ, errstr, sizeof(errstr));
    if (err == LGX_ERR_HELP) {
        rc = 0;
        goto done;
    }
    if (err == LGX_OK) {
        err = apply_spec_defaults(&kconf, spec);
    }
    if (err == LGX_OK) {
        err = lgx_kafka_secrets_add(&ksecrets, &kconf.kafka_props, errstr,
                                    sizeof(errstr));
    }
    lgx_log_level_t level = LGX_LOG_INFO;
    if (err != LGX_OK ||
        lgx_log_level_parse(kconf.log_level ? kconf.log_level : "info",
                            &level) != LGX_OK) {
        fprintf(stderr, "%s: %s\n", spec->program,
                errstr[0] ? errstr : "bad configuration");
        goto done;
    }
    log = lgx_log_new(spec->program, level, stderr);
    c = calloc(1, sizeof(*c));
    if (!log || !c) {
        goto done;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->work_cv, NULL);
    pthread_cond_init(&c->done_cv, NULL);
    c->owner.log = log;
    c->log = log;
    c->spec = spec;
    c->conf = &kconf;
    c->secrets = &ksecrets;
    c->max_in_flight = 1;
    c->rand_state = (unsigned)lgx_time_now_ms();
    c->from_ms = -1;
    atomic_store(&c->connecting, true);
    if (!(c->metrics = lgx_metrics_new())) {
        goto done;
    }
    declare_metrics(c);
    char principal[300];
    lgx_kafka_acl_principal(kconf.kafka_props, principal, sizeof(principal));
    if (!(c->acl = lgx_kafka_acl_watch_new(c->metrics, log, principal))) {
        goto done;
    }
    if (kconf.from_timestamp) {
        if (lgx_time_parse(kconf.from_timestamp, &c->from_ms) != LGX_OK) {
            LGX_ERROR(log,
                      "option --from-timestamp: '%s' is neither ISO 8601 "
                      "UTC nor epoch milliseconds",
                      kconf.from_timestamp);
            rc = 2;
            goto done;
        }
    }
    c->last_commit_ms = lgx_time_now_ms();

    if (!(c->rules = load_rules(spec, kconf.rules, errstr, sizeof(errstr))) ||
        !(store =
              lgx_avro_store_load(kconf.schema_dir, errstr, sizeof(errstr))) ||
        !(c->decoder = lgx_avro_decoder_new(store, spec->schema, errstr,
                                            sizeof(errstr))) ||
        !(odoo = lgx_odoo_new(&oconf, log, errstr, sizeof(errstr))) ||
        (kconf.schema_registry &&
         !(registry = lgx_registry_new(kconf.schema_registry,
                                       kconf.schema_registry_credentials_file,
                                       errstr, sizeof(errstr))))) {
        LGX_ERROR(log, "configuration: %s", errstr);
        goto done;
    }
    lgx_avro_store_set_registry(store, registry);
    c->registry = registry;
    /* The Kafka clients before Odoo: a bad --kafka.* setting stops the
     * program at once, not after Odoo was waited for. Nothing is read
     * until run subscribes. */
    if (!(c->dlq = lgx_dlq_new(kconf.brokers, kconf.kafka_props, spec->program,
                               (size_t)kconf.dlq_index_max, log, errstr,
                               sizeof(errstr))) ||
        !(c->rk = make_consumer(c, errstr, sizeof(errstr)))) {
        LGX_ERROR(log, "configuration: %s", errstr);
        goto done;
    }
    c->wake = rd_kafka_queue_get_consumer(c->rk);
    lgx_dlq_set_acl_watch(c->dlq, c->acl);
    rc = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (kconf.http_port >= 0) {
        /* First, so that /healthz answers while Odoo is awaited. */
        c->http =
            lgx_http_start(kconf.http_address, (int)kconf.http_port, c->metrics,
                           is_ready, c, errstr, sizeof(errstr));
        if (!c->http) {
            LGX_ERROR(log, "configuration: %s", errstr);
            rc = 2;
            goto done;
        }
        LGX_INFO(log, "serving /metrics, /healthz and /readyz on %s:%d",
                 kconf.http_address, lgx_http_port(c->http));
    }
    if (!probe_access(c)) {
        goto done;
    }
    /* Odoo must be reachable, accept the key and have what the consumer
     * needs before anything is consumed: a wrong key or a missing field
     * stops here, with no offset touched; an outage is waited out. */
    lgx_odoo_error_t oerr;
    err = await_odoo(spec, odoo, log, true, &oerr);
    if (err != LGX_OK) {
        if (err != LGX_ERR_ODOO_CONFIG) {
            LGX_ERROR(log, "cannot use Odoo at %s: %s: %s", oconf.url,
                      oerr.name, oerr.message);
        }
        goto done;
    }
    c->odoo = odoo;
    atomic_store(&c->last_odoo_ok_ms, lgx_time_now_ms());
    lgx_odoo_set_observer(odoo, on_odoo_call, c);
    watch_odoo(c, odoo);
    if (kconf.concurrency > 1) {
        err = start_workers(c, &oconf, store, &oerr, errstr, sizeof(errstr));
        if (err != LGX_OK) {
            LGX_ERROR(log, "%s", errstr);
            goto done;
        }
    } else {
        c->state = spec->init ? spec->init(spec->conf, odoo, log, errstr,
                                           sizeof(errstr))
                              : NULL;
        if (spec->init && !c->state) {
            LGX_ERROR(log, "%s", errstr);
            goto done;
        }
    }
    atomic_store(&c->connecting, false);
    rc = run(c);
done:
    if (c) {
        /* The HTTP thread reads c and the metrics: stop it first; the
         * workers are idle once run returned. */
        lgx_http_stop(c->http);
        /* The clients die next; calls from here on are not watched. */
        atomic_store(&c->n_watched, 0);
        stop_workers(c);
        if (c->wake) {
            rd_kafka_queue_destroy(c->wake);
        }
        if (c->rk) {
            rd_kafka_destroy(c->rk);
        }
        lgx_dlq_destroy(c->dlq);
        lgx_kafka_acl_watch_destroy(c->acl);
        for (size_t i = 0; i < c->n_parts; i++) {
            part_clear(&c->parts[i]);
        }
        if (spec->term && c->state) {
            spec->term(c->state);
        }
        lgx_avro_decoder_destroy(c->decoder);
        lgx_rules_destroy(c->rules);
        lgx_metrics_destroy(c->metrics);
        pthread_cond_destroy(&c->done_cv);
        pthread_cond_destroy(&c->work_cv);
        pthread_mutex_destroy(&c->lock);
        free(c);
    }
    lgx_odoo_destroy(odoo);
    lgx_avro_store_destroy(store);
    lgx_registry_destroy(registry);
    lgx_log_destroy(log);
    lgx_config_free(sections, n_sections);
    return rc;
}
