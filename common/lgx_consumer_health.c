#include "lgx_consumer_health.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_reasons.h"
#include "lgx_time.h"
#include "lgx_version.h"

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

void consumer_declare_metrics(consumer_t *c)
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
void consumer_watch_odoo(consumer_t *c, lgx_odoo_t *o)
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
void consumer_on_odoo_call(void *opaque, const char *model, const char *method,
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
bool consumer_is_ready(void *opaque, char *why, size_t size)
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
void consumer_housekeeping(consumer_t *c)
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
