/*
 * Unit tests for the consumer runtime's bookkeeping that runs without a
 * broker, on a zeroed consumer_t with no Kafka handle: the assigned
 * partitions (lgx_consumer_state.h's find and touch, lgx_consumer_part.h's
 * add, remove and clear), when every partition is at its end, the offset
 * stored once the head of a partition is finished, and the commit's
 * decisions that come before any call to Kafka.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lgx_consumer_part.h"
#include "lgx_consumer_state.h"
#include "lgx_dedup.h"
#include "lgx_holds.h"
#include "lgx_metrics.h"
#include "lgx_partq.h"

Suite *consumer_suite(void);

static consumer_t *c;
static lgx_consumer_conf_t conf;
static char topic[] = "lgx.check";

static void setup(void)
{
    c = calloc(1, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    conf = (lgx_consumer_conf_t){.topic = topic, .dedup_window = 16};
    c->conf = &conf;
    c->metrics = lgx_metrics_new();
    ck_assert_ptr_nonnull(c->metrics);
    lgx_metrics_declare(c->metrics, "lgx_commits_total", LGX_METRIC_COUNTER,
                        "commits");
    ck_assert_int_eq(pthread_mutex_init(&c->lock, NULL), 0);
}

static void teardown(void)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        consumer_part_clear(&c->parts[i]);
    }
    pthread_mutex_destroy(&c->lock);
    lgx_metrics_destroy(c->metrics);
    free(c);
}

/* Adds partition and returns it. */
static part_t *added(int32_t partition)
{
    consumer_part_add(c, partition);
    part_t *p = consumer_part_find(c, partition);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Pushes the events at offsets from..to (no item, no key) to p's queue. */
static void push_events(part_t *p, int64_t from, int64_t to)
{
    for (int64_t o = from; o <= to; o++) {
        ck_assert_int_eq(lgx_partq_push(p->q, o, NULL, NULL), LGX_OK);
    }
}

/* ---- the assigned partitions ---- */

START_TEST(test_consumer_part_find)
{
    ck_assert_ptr_null(consumer_part_find(c, 0));
    c->parts[0].partition = 3;
    c->parts[1].partition = 7;
    c->n_parts = 2;
    ck_assert_ptr_eq(consumer_part_find(c, 7), &c->parts[1]);
    ck_assert_ptr_eq(consumer_part_find(c, 3), &c->parts[0]);
    ck_assert_ptr_null(consumer_part_find(c, 5));
    /* Only the first n_parts slots are assigned. */
    c->parts[2].partition = 9;
    ck_assert_ptr_null(consumer_part_find(c, 9));
}
END_TEST

START_TEST(test_consumer_part_touch)
{
    part_t *p = added(2);
    part_t *q = added(4);
    ck_assert(!c->dirty);
    consumer_part_touch(c, p);
    ck_assert(p->to_commit);
    ck_assert(!q->to_commit);
    ck_assert(c->dirty);
}
END_TEST

START_TEST(test_consumer_part_add_fresh)
{
    part_t *p = added(5);
    ck_assert_uint_eq(c->n_parts, 1);
    ck_assert_int_eq(p->partition, 5);
    /* Nothing stored, the group's offset not read yet. */
    ck_assert_int_eq(p->stored, -1);
    ck_assert_int_eq(p->committed, -1);
    ck_assert(!p->eof && !p->fetch_paused && !p->to_commit);
    ck_assert_ptr_nonnull(p->seen);
    ck_assert_ptr_nonnull(p->q);
    ck_assert_ptr_nonnull(p->holds);
    ck_assert_uint_eq(lgx_partq_len(p->q), 0);
    ck_assert_uint_eq(lgx_holds_count(p->holds), 0);
    lgx_dedup_add(p->seen, "e1", 2);
    ck_assert(lgx_dedup_seen(p->seen, "e1", 2));
}
END_TEST

START_TEST(test_consumer_part_add_twice_keeps_one)
{
    part_t *p = added(5);
    push_events(p, 10, 10);
    consumer_part_add(c, 5);
    ck_assert_uint_eq(c->n_parts, 1);
    /* The partition as it was: its queue is not replaced. */
    ck_assert_ptr_eq(consumer_part_find(c, 5), p);
    ck_assert_uint_eq(lgx_partq_len(p->q), 1);
}
END_TEST

START_TEST(test_consumer_part_add_at_most_max)
{
    for (int32_t i = 0; i < MAX_PARTS; i++) {
        consumer_part_add(c, i);
    }
    ck_assert_uint_eq(c->n_parts, MAX_PARTS);
    consumer_part_add(c, MAX_PARTS);
    ck_assert_uint_eq(c->n_parts, MAX_PARTS);
    ck_assert_ptr_null(consumer_part_find(c, MAX_PARTS));
    ck_assert_ptr_nonnull(consumer_part_find(c, MAX_PARTS - 1));
}
END_TEST

START_TEST(test_consumer_part_remove)
{
    added(1);
    added(2);
    part_t *last = added(3);
    push_events(last, 40, 41);
    atomic_store(&c->n_assigned, 3);
    consumer_part_remove(c, 1);
    ck_assert_uint_eq(c->n_parts, 2);
    ck_assert_int_eq(atomic_load(&c->n_assigned), 2);
    ck_assert_ptr_null(consumer_part_find(c, 1));
    /* The last partition moved into the freed slot, whole. */
    part_t *p3 = consumer_part_find(c, 3);
    ck_assert_ptr_eq(p3, &c->parts[0]);
    ck_assert_uint_eq(lgx_partq_len(p3->q), 2);
    ck_assert_ptr_nonnull(consumer_part_find(c, 2));
}
END_TEST

START_TEST(test_consumer_part_remove_unknown)
{
    added(1);
    atomic_store(&c->n_assigned, 1);
    consumer_part_remove(c, 8);
    ck_assert_uint_eq(c->n_parts, 1);
    ck_assert_int_eq(atomic_load(&c->n_assigned), 1);
    ck_assert_ptr_nonnull(consumer_part_find(c, 1));
}
END_TEST

START_TEST(test_consumer_part_clear)
{
    part_t *p = added(6);
    push_events(p, 0, 2);
    consumer_part_clear(p);
    ck_assert_ptr_null(p->seen);
    ck_assert_ptr_null(p->q);
    ck_assert_ptr_null(p->holds);
    /* Clearing again (a removal after a failed assignment) is harmless. */
    consumer_part_clear(p);
    ck_assert_ptr_null(p->q);
}
END_TEST

/* ---- at the end ---- */

START_TEST(test_consumer_all_at_end)
{
    /* Nothing assigned is not the end: the group has not joined yet. */
    ck_assert(!consumer_all_at_end(c));
    part_t *a = added(0);
    part_t *b = added(1);
    a->eof = true;
    ck_assert(!consumer_all_at_end(c));
    b->eof = true;
    ck_assert(consumer_all_at_end(c));
    /* At the end of the partition, but an event still waits. */
    push_events(b, 7, 7);
    ck_assert(!consumer_all_at_end(c));
    lgx_partq_done(b->q, 7);
    ck_assert_int_eq(lgx_partq_pop(b->q, NULL), 8);
    ck_assert(consumer_all_at_end(c));
}
END_TEST

/* ---- offsets ---- */

START_TEST(test_consumer_store_finished_head)
{
    part_t *p = added(0);
    push_events(p, 10, 12);
    lgx_partq_done(p->q, 11);
    consumer_store_finished(c, p);
    /* 10 is not finished: nothing below 11 may be committed. */
    ck_assert_int_eq(p->stored, -1);
    ck_assert(!p->to_commit && !c->dirty);

    lgx_partq_done(p->q, 10);
    consumer_store_finished(c, p);
    ck_assert_int_eq(p->stored, 12);
    ck_assert(p->to_commit && c->dirty);
    ck_assert_uint_eq(lgx_partq_len(p->q), 1);
    ck_assert_int_eq(lgx_partq_head(p->q), 12);
}
END_TEST

START_TEST(test_consumer_commit_clean_does_nothing)
{
    added(0)->to_commit = true;
    consumer_commit(c, true);
    /* Not dirty: no commit counted, the partition's mark stays. */
    ck_assert_int_eq(c->last_commit_ms, 0);
    ck_assert(c->parts[0].to_commit);
    ck_assert(lgx_metrics_value(c->metrics, "lgx_commits_total", NULL) == 0);
}
END_TEST

START_TEST(test_consumer_commit_nothing_read)
{
    /* Marked, but nothing read or finished since the assignment: no
     * offset to give Kafka (c->rk is NULL), and the marks are cleared. */
    part_t *p = added(0);
    consumer_part_touch(c, p);
    consumer_commit(c, false);
    ck_assert(!c->dirty);
    ck_assert(!p->to_commit);
    ck_assert_int_gt(c->last_commit_ms, 0);
    ck_assert(lgx_metrics_value(c->metrics, "lgx_commits_total", NULL) == 1);
}
END_TEST

START_TEST(test_consumer_fetch_pause_same_state)
{
    /* Already in the state asked: Kafka is not asked (c->rk is NULL). */
    part_t *p = added(0);
    consumer_fetch_pause(c, p, false);
    ck_assert(!p->fetch_paused);
    p->fetch_paused = true;
    consumer_fetch_pause(c, p, true);
    ck_assert(p->fetch_paused);
}
END_TEST

Suite *consumer_suite(void)
{
    Suite *s = suite_create("consumer");

    TCase *tc_parts = tcase_create("parts");
    tcase_add_checked_fixture(tc_parts, setup, teardown);
    tcase_add_test(tc_parts, test_consumer_part_find);
    tcase_add_test(tc_parts, test_consumer_part_touch);
    tcase_add_test(tc_parts, test_consumer_part_add_fresh);
    tcase_add_test(tc_parts, test_consumer_part_add_twice_keeps_one);
    tcase_add_test(tc_parts, test_consumer_part_add_at_most_max);
    tcase_add_test(tc_parts, test_consumer_part_remove);
    tcase_add_test(tc_parts, test_consumer_part_remove_unknown);
    tcase_add_test(tc_parts, test_consumer_part_clear);
    suite_add_tcase(s, tc_parts);

    TCase *tc_offsets = tcase_create("offsets");
    tcase_add_checked_fixture(tc_offsets, setup, teardown);
    tcase_add_test(tc_offsets, test_consumer_all_at_end);
    tcase_add_test(tc_offsets, test_consumer_store_finished_head);
    tcase_add_test(tc_offsets, test_consumer_commit_clean_does_nothing);
    tcase_add_test(tc_offsets, test_consumer_commit_nothing_read);
    tcase_add_test(tc_offsets, test_consumer_fetch_pause_same_state);
    suite_add_tcase(s, tc_offsets);

    return s;
}
