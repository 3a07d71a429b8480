#include "lgx_consumer_event.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_avro_value.h"
#include "lgx_kafka.h"
#include "lgx_time.h"
#include "lgx_verdict_int.h"

/* How long a dead letter may wait for the broker's acknowledgement. */
#define DLQ_TIMEOUT_MS 30000

/* The event's question to its partition's queue (lgx_gate_event): was
 * item, a pending event, last held as event type type? */
static bool held_as(const void *item, const void *type)
{
    const pending_t *pe = item;
    return strcmp(pe->held_type, type) == 0;
}

void consumer_pending_free(void *item)
{
    pending_t *pe = item;
    if (pe) {
        rd_kafka_message_destroy(pe->m);
        free(pe->event_id);
        free(pe);
    }
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
        /* held_since_ms: set by finish at the first hold. */
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
    *ev =
        (lgx_event_t){c->rules, NULL,     NULL,   NULL, 0, LGX_LOG_FIELDS_INIT,
                      pe->q,    &c->lock, held_as};
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

void consumer_run_event(consumer_t *c, runner_t *r, pending_t *pe)
{
    char key[256];
    lgx_event_t ev;
    run_begin(c, pe, &ev, key);
    judge(c, r, pe, &ev, &pe->v);
    run_end(pe, &ev);
}

/* Runs n events of different keys that one worker took together (see
 * consumer_worker_main): each through decoding, the envelope and dedup with its
 * own decoder, then those left through the handler's batch, so that it
 * may read and post for all of them in a few Odoo calls. */
void consumer_run_batch(consumer_t *c, runner_t *r, pending_t **pes, size_t n)
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

/* Settles the outcome of a run: holds past their deadline and retries
 * past their limit become rejections, rejections dead letters; then the
 * log line, the counts and the event's place in its queue. Main thread
 * only. Returns the outcome. */
lgx_outcome_t consumer_finish(consumer_t *c, pending_t *pe)
{
    const rd_kafka_message_t *m = pe->m;
    part_t *p = consumer_part_find(c, m->partition);
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
    if (v.outcome == LGX_OUTCOME_HELD && first_hold) {
        /* Held before this process (or this assignment): from then. */
        bool kept = p && p->holds;
        pe->held_since_ms =
            kept ? lgx_holds_since(p->holds, m->offset, now) : now;
        if (kept) {
            consumer_part_touch(c, p);
        }
    }
    /* A dead letter's first_failure is when its trouble began: the first
     * hold or retriable failure, before settle turns either into a
     * rejection. */
    if (v.outcome == LGX_OUTCOME_HELD || v.outcome == LGX_OUTCOME_RETRY) {
        int64_t began = v.outcome == LGX_OUTCOME_HELD && first_hold
                            ? pe->held_since_ms
                            : now;
        if (pe->first_failure_ms == 0 || began < pe->first_failure_ms) {
            pe->first_failure_ms = began;
        }
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
        consumer_part_touch(c, p);
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
