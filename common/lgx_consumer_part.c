#include "lgx_consumer_part.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_consumer_event.h"
#include "lgx_time.h"

void consumer_part_add(consumer_t *c, int32_t partition)
{
    if (consumer_part_find(c, partition) || c->n_parts >= MAX_PARTS) {
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

void consumer_part_clear(part_t *p)
{
    lgx_dedup_destroy(p->seen);
    lgx_partq_destroy(p->q, consumer_pending_free);
    lgx_holds_destroy(p->holds);
    p->seen = NULL;
    p->q = NULL;
    p->holds = NULL;
}

void consumer_part_remove(consumer_t *c, int32_t partition)
{
    part_t *p = consumer_part_find(c, partition);
    if (!p) {
        return;
    }
    consumer_part_clear(p);
    *p = c->parts[--c->n_parts];
    atomic_store(&c->n_assigned, (int)c->n_parts);
}

/* Adds p's commit to l: the next offset to read, and in its metadata
 * when the held events from there on were first held. Nothing when
 * neither changed since the last commit, or nothing was read or finished
 * since the assignment. */
static void commit_add(consumer_t *c, rd_kafka_topic_partition_list_t *l,
                       part_t *p)
{
    if (!p->to_commit) {
        return;
    }
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
void consumer_commit(consumer_t *c, bool sync)
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
    for (size_t i = 0; i < c->n_parts; i++) {
        c->parts[i].to_commit = false;
    }
    c->dirty = false;
    c->last_commit_ms = lgx_time_now_ms();
}

/* --from-timestamp: the first assignment of each partition starts at the
 * first event at or after that time (later assignments resume from the
 * group's commits, which then include what this process finished). */
void consumer_start_from_time(consumer_t *c,
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
void consumer_restore_holds(consumer_t *c,
                            const rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_resp_err_t err = rd_kafka_committed(c->rk, l, 10000);
    for (int i = 0; !err && i < l->cnt; i++) {
        rd_kafka_topic_partition_t *t = &l->elems[i];
        part_t *p = consumer_part_find(c, t->partition);
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

bool consumer_all_at_end(const consumer_t *c)
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
void consumer_fetch_pause(consumer_t *c, part_t *p, bool pause)
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

/* Stores the offset below which everything of p is finished. */
void consumer_store_finished(consumer_t *c, part_t *p)
{
    pthread_mutex_lock(&c->lock);
    int64_t next = lgx_partq_pop(p->q, consumer_pending_free);
    pthread_mutex_unlock(&c->lock);
    if (next >= 0) {
        p->stored = next;
        consumer_part_touch(c, p);
    }
}
