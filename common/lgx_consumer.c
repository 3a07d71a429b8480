#include "lgx_consumer.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_avro.h"
#include "lgx_consumer_client.h"
#include "lgx_consumer_event.h"
#include "lgx_consumer_health.h"
#include "lgx_consumer_part.h"
#include "lgx_consumer_pool.h"
#include "lgx_dlq.h"
#include "lgx_http.h"
#include "lgx_kafka.h"
#include "lgx_kafka_acl.h"
#include "lgx_metrics.h"
#include "lgx_odoo_null.h"
#include "lgx_registry.h"
#include "lgx_secret.h"
#include "lgx_setup.h"
#include "lgx_time.h"

#ifndef LGX_SCHEMA_DIR
#define LGX_SCHEMA_DIR "avro-schemas"
#endif

#ifndef LGX_RULES_FILE
#define LGX_RULES_FILE "config/rules.json"
#endif

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
    {"odoo-null", LGX_OPT_BOOL, "false", OFF(odoo_null),
     "For benchmarks: answer every Odoo call in-process with a fixed "
     "success (lgx_odoo_null.h), no HTTP, nothing written",
     NULL, LGX_OPT_HIDDEN},
    {"kafka", LGX_OPT_PROPS, NULL, OFF(kafka_props),
     "Any librdkafka setting, e.g. --kafka.security.protocol=SSL", NULL, 0},
    LGX_OPT_END};

#define N_CONSUMER_OPTS (sizeof(consumer_opts) / sizeof(consumer_opts[0]))

/* Takes one polled message: an event, the end of a partition or an
 * error. */
static void take_polled(consumer_t *c, rd_kafka_message_t *m)
{
    if (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        lgx_kafka_acl_watch_clear(c->acl, "READ", "topic", c->conf->topic);
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        part_t *p = consumer_part_find(c, m->partition);
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
        consumer_take(c, m);
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
        consumer_collect(c, false);
        if (reload_requested) {
            reload_requested = 0;
            c->reload_pending = true;
        }
        /* Rules and keys change only between events: dispatching stops
         * until the events in flight are finished. */
        if (c->reload_pending && !c->in_flight) {
            c->reload_pending = false;
            consumer_reload(c);
        }
        consumer_housekeeping(c);
        /* Each partition in turn goes first for the room in flight. */
        size_t first = c->n_parts ? c->rr++ % c->n_parts : 0;
        for (size_t i = 0; i < c->n_parts && !c->fatal; i++) {
            consumer_drain(c, &c->parts[(first + i) % c->n_parts]);
        }
        consumer_wake_workers(c);
        if (lgx_time_now_ms() - c->last_commit_ms >=
            c->conf->commit_interval_ms) {
            consumer_commit(c, false);
        }
        if (c->conf->exit_at_end && consumer_all_at_end(c)) {
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
        consumer_wake_workers(c);
    }
}

static void log_summary(consumer_t *c)
{
    char extra[512];
    size_t n = 0;
    for (int i = 0; i < LGX_OUTCOME__COUNT && n < sizeof(extra); i++) {
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"%s\":%llu",
                              i ? "," : "", lgx_outcome_name((lgx_outcome_t)i),
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
    consumer_wait_idle(c);
    for (size_t i = 0; i < c->n_parts; i++) {
        consumer_store_finished(c, &c->parts[i]);
    }
    if (!c->fatal) {
        consumer_commit(c, true);
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
        lgx_odoo_set_observer(w->run.odoo, consumer_on_odoo_call, c);
        consumer_watch_odoo(c, w->run.odoo);
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
        if (pthread_create(&w->thread, NULL, consumer_worker_main, w) != 0) {
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

/* Everything lgx_consumer_main reads from its options, and the
 * sections that fill it. */
typedef struct boot {
    lgx_consumer_conf_t kconf;
    lgx_kafka_secrets_t ksecrets;
    lgx_odoo_conf_t oconf;
    lgx_opt_t kopts[N_CONSUMER_OPTS];
    lgx_config_section_t sections[4];
    size_t n_sections;
} boot_t;

/* Loads b's options (the consumer table shows this program's topic and
 * group as defaults). 0: go on; else the exit code (0 after --help). */
static int load_options(boot_t *b, const lgx_consumer_spec_t *spec, int argc,
                        char **argv, lgx_log_level_t *level)
{
    memcpy(b->kopts, consumer_opts, sizeof(b->kopts));
    for (size_t i = 0; b->kopts[i].name; i++) {
        if (strcmp(b->kopts[i].name, "topic") == 0) {
            b->kopts[i].def = spec->default_topic;
        } else if (strcmp(b->kopts[i].name, "group") == 0) {
            b->kopts[i].def = spec->program;
        }
    }
    const lgx_config_section_t sections[4] = {
        {"Kafka and processing", b->kopts, &b->kconf},
        {"Kafka secrets", lgx_kafka_secret_opts, &b->ksecrets},
        {"Odoo", lgx_odoo_opts, &b->oconf},
        {spec->program, spec->opts, spec->conf},
    };
    memcpy(b->sections, sections, sizeof(sections));
    b->n_sections = spec->opts ? 4 : 3;
    char errstr[512] = "";
    lgx_err_t err = lgx_config_load(b->sections, b->n_sections, spec->program,
                                    spec->summary, argc, argv, environ, errstr,
                                    sizeof(errstr));
    if (err == LGX_ERR_HELP) {
        return -1;
    }
    if (err == LGX_OK) {
        err = apply_spec_defaults(&b->kconf, spec);
        b->oconf.answer = b->kconf.odoo_null ? lgx_odoo_null_answer : NULL;
    }
    if (err == LGX_OK) {
        err = lgx_kafka_secrets_add(&b->ksecrets, &b->kconf.kafka_props, errstr,
                                    sizeof(errstr));
    }
    const char *lv = b->kconf.log_level ? b->kconf.log_level : "info";
    if (err != LGX_OK || lgx_log_level_parse(lv, level) != LGX_OK) {
        fprintf(stderr, "%s: %s\n", spec->program,
                errstr[0] ? errstr : "bad configuration");
        return 2;
    }
    return 0;
}

/* A consumer with its metrics and access watch, nothing opened yet; NULL
 * when out of memory. */
static consumer_t *consumer_new(const lgx_consumer_spec_t *spec, boot_t *b,
                                lgx_log_t *log)
{
    consumer_t *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->work_cv, NULL);
    pthread_cond_init(&c->done_cv, NULL);
    c->owner.log = log;
    c->log = log;
    c->spec = spec;
    c->conf = &b->kconf;
    c->secrets = &b->ksecrets;
    c->max_in_flight = 1;
    c->rand_state = (unsigned)lgx_time_now_ms();
    c->from_ms = -1;
    c->last_commit_ms = lgx_time_now_ms();
    atomic_store(&c->connecting, true);
    char principal[300];
    lgx_kafka_acl_principal(b->kconf.kafka_props, principal, sizeof(principal));
    if ((c->metrics = lgx_metrics_new())) {
        consumer_declare_metrics(c);
        c->acl = lgx_kafka_acl_watch_new(c->metrics, log, principal);
    }
    return c;
}

static void consumer_free(consumer_t *c)
{
    /* The HTTP thread reads c and the metrics: stop it first; the workers
     * are idle once run returned. */
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
        consumer_part_clear(&c->parts[i]);
    }
    if (c->spec->term && c->state) {
        c->spec->term(c->state);
    }
    lgx_avro_decoder_destroy(c->decoder);
    lgx_rules_destroy(c->rules);
    lgx_metrics_destroy(c->metrics);
    pthread_cond_destroy(&c->done_cv);
    pthread_cond_destroy(&c->work_cv);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The inputs that need no network: --from-timestamp, the rules, the
 * schemas and decoder, the Odoo client and the schema registry; then the
 * Kafka clients, before Odoo, so that a bad --kafka.* setting stops the
 * program at once and not after Odoo was waited for (nothing is read
 * until run subscribes). False (said in the log) when one is wrong. */
static bool open_inputs(consumer_t *c, boot_t *b, lgx_avro_store_t **store,
                        lgx_odoo_t **odoo, lgx_registry_t **registry)
{
    const lgx_consumer_conf_t *k = &b->kconf;
    const lgx_consumer_spec_t *spec = c->spec;
    char errstr[512];
    if (k->from_timestamp &&
        lgx_time_parse(k->from_timestamp, &c->from_ms) != LGX_OK) {
        LGX_ERROR(c->log,
                  "option --from-timestamp: '%s' is neither ISO 8601 "
                  "UTC nor epoch milliseconds",
                  k->from_timestamp);
        return false;
    }
    if (!(c->rules =
              consumer_load_rules(spec, k->rules, errstr, sizeof(errstr))) ||
        !(*store =
              lgx_avro_store_load(k->schema_dir, errstr, sizeof(errstr))) ||
        !(c->decoder = lgx_avro_decoder_new(*store, spec->schema, errstr,
                                            sizeof(errstr))) ||
        !(*odoo = lgx_odoo_new(&b->oconf, c->log, errstr, sizeof(errstr))) ||
        (k->schema_registry &&
         !(*registry = lgx_registry_new(k->schema_registry,
                                        k->schema_registry_credentials_file,
                                        errstr, sizeof(errstr))))) {
        LGX_ERROR(c->log, "configuration: %s", errstr);
        return false;
    }
    lgx_avro_store_set_registry(*store, *registry);
    c->registry = *registry;
    if (!(c->dlq = lgx_dlq_new(k->brokers, k->kafka_props, spec->program,
                               (size_t)k->dlq_index_max, c->log, errstr,
                               sizeof(errstr))) ||
        !(c->rk = consumer_make_kafka(c, errstr, sizeof(errstr)))) {
        LGX_ERROR(c->log, "configuration: %s", errstr);
        return false;
    }
    c->wake = rd_kafka_queue_get_consumer(c->rk);
    lgx_dlq_set_acl_watch(c->dlq, c->acl);
    return true;
}

/* Signals, then /metrics, /healthz and /readyz (first, so that /healthz
 * answers while Odoo is awaited). False when the port cannot be served. */
static bool serve(consumer_t *c)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (c->conf->http_port < 0) {
        return true;
    }
    char errstr[512];
    c->http = lgx_http_start(c->conf->http_address, (int)c->conf->http_port,
                             c->metrics, consumer_is_ready, c, errstr,
                             sizeof(errstr));
    if (!c->http) {
        LGX_ERROR(c->log, "configuration: %s", errstr);
        return false;
    }
    LGX_INFO(c->log, "serving /metrics, /healthz and /readyz on %s:%d",
             c->conf->http_address, lgx_http_port(c->http));
    return true;
}

/* Odoo must be reachable, accept the key and have what the consumer
 * needs before anything is consumed: a wrong key or a missing field stops
 * here, with no offset touched; an outage is waited out. Then the
 * handler's state, or the workers each with theirs. */
static bool connect_odoo(consumer_t *c, boot_t *b, lgx_odoo_t *odoo,
                         lgx_avro_store_t *store)
{
    const lgx_consumer_spec_t *spec = c->spec;
    char errstr[512];
    lgx_odoo_error_t oerr;
    lgx_err_t err = await_odoo(spec, odoo, c->log, true, &oerr);
    if (err != LGX_OK) {
        if (err != LGX_ERR_ODOO_CONFIG) {
            LGX_ERROR(c->log, "cannot use Odoo at %s: %s: %s", b->oconf.url,
                      oerr.name, oerr.message);
        }
        return false;
    }
    c->odoo = odoo;
    atomic_store(&c->last_odoo_ok_ms, lgx_time_now_ms());
    lgx_odoo_set_observer(odoo, consumer_on_odoo_call, c);
    consumer_watch_odoo(c, odoo);
    if (b->kconf.concurrency > 1) {
        err = start_workers(c, &b->oconf, store, &oerr, errstr, sizeof(errstr));
        if (err != LGX_OK) {
            LGX_ERROR(c->log, "%s", errstr);
            return false;
        }
    } else if (spec->init && !(c->state = spec->init(spec->conf, odoo, c->log,
                                                     errstr, sizeof(errstr)))) {
        LGX_ERROR(c->log, "%s", errstr);
        return false;
    }
    atomic_store(&c->connecting, false);
    return true;
}

/* Runs the consumer of b's options; the exit code. */
static int consume(const lgx_consumer_spec_t *spec, boot_t *b,
                   lgx_log_level_t level)
{
    consumer_t *c = NULL;
    lgx_log_t *log = lgx_log_new(spec->program, level, stderr);
    lgx_odoo_t *odoo = NULL;
    lgx_avro_store_t *store = NULL;
    lgx_registry_t *registry = NULL;
    int rc = 2;
    if (log && (c = consumer_new(spec, b, log)) && c->acl &&
        open_inputs(c, b, &store, &odoo, &registry)) {
        rc = !serve(c) ? 2
             : !consumer_probe_access(c) || !connect_odoo(c, b, odoo, store)
                 ? 1
                 : run(c);
    }
    if (c) {
        consumer_free(c);
    }
    lgx_odoo_destroy(odoo);
    lgx_avro_store_destroy(store);
    lgx_registry_destroy(registry);
    lgx_log_destroy(log);
    return rc;
}

int lgx_consumer_main(const lgx_consumer_spec_t *spec, int argc, char **argv)
{
    boot_t *b = calloc(1, sizeof(*b));
    if (!b) {
        fprintf(stderr, "%s: out of memory\n", spec->program);
        return 2;
    }
    lgx_log_level_t level = LGX_LOG_INFO;
    int rc = load_options(b, spec, argc, argv, &level);
    if (rc == 0) {
        rc = consume(spec, b, level);
    } else if (rc < 0) {
        rc = 0; /* --help */
    }
    lgx_config_free(b->sections, b->n_sections);
    free(b);
    return rc;
}
