#include "lgx_consumer_pool.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_consumer_event.h"
#include "lgx_consumer_part.h"
#include "lgx_time.h"

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
    consumer_run_event(c, &self, pe);
    return consumer_finish(c, pe);
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

void *consumer_worker_main(void *arg)
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
            consumer_run_event(c, &w->run, batch[0]);
        } else {
            consumer_run_batch(c, &w->run, batch, n);
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
void consumer_collect(consumer_t *c, bool wait)
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
        consumer_finish(c, pe);
        pe = next;
    }
}

/* Wakes the workers for the work list. dispatch does not: they are woken
 * once everything that may run is in the list (every partition drained),
 * so that one takes a batch rather than the first event. */
void consumer_wake_workers(consumer_t *c)
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
void consumer_wait_idle(consumer_t *c)
{
    consumer_wake_workers(c);
    while (c->in_flight) {
        consumer_collect(c, true);
    }
}

/* Hands out every event of the partition that may run now, as long as
 * there is room in flight, then stores the offset below which everything
 * is finished. */
void consumer_drain(consumer_t *c, part_t *p)
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
    consumer_store_finished(c, p);
    size_t len = lgx_partq_len(p->q);
    if (len >= (size_t)c->conf->max_pending) {
        consumer_fetch_pause(c, p, true);
    } else if (len <= (size_t)c->conf->max_pending / 2) {
        consumer_fetch_pause(c, p, false);
    }
}

/* Takes a polled message into its partition's queue. */
void consumer_take(consumer_t *c, rd_kafka_message_t *m)
{
    part_t *p = consumer_part_find(c, m->partition);
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
    consumer_drain(c, p);
}
