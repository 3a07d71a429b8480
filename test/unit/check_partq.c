#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lgx_partq.h"

static int popped[64];
static int n_popped;

static void on_pop(void *item)
{
    popped[n_popped++] = (int)(intptr_t)item;
}

static lgx_partq_t *make(const char *const *keys, int n)
{
    lgx_partq_t *q = lgx_partq_new();
    n_popped = 0;
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(
            lgx_partq_push(q, 100 + i, keys[i], (void *)(intptr_t)(i + 1)),
            LGX_OK);
    }
    return q;
}

START_TEST(test_partq_in_order_commit)
{
    const char *keys[] = {"a", "b", "c"};
    lgx_partq_t *q = make(keys, 3);
    int64_t off = 0;
    ck_assert_ptr_eq(lgx_partq_next(q, 0, &off), (void *)1);
    ck_assert_int_eq(off, 100);
    /* Finishing later events commits nothing past an unfinished one. */
    lgx_partq_done(q, 101);
    lgx_partq_done(q, 102);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), -1);
    ck_assert_int_eq(n_popped, 0);
    lgx_partq_done(q, 100);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 103);
    ck_assert_int_eq(n_popped, 3);
    ck_assert_int_eq(popped[0], 1);
    ck_assert_int_eq(popped[2], 3);
    ck_assert_uint_eq(lgx_partq_len(q), 0);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), -1);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_held_key_waits_others_go_on)
{
    const char *keys[] = {"A", "B", "A", "C"};
    lgx_partq_t *q = make(keys, 4);
    int64_t off = 0;
    ck_assert_ptr_nonnull(lgx_partq_next(q, 0, &off));
    ck_assert_int_eq(off, 100);
    lgx_partq_hold(q, 100, 50);
    ck_assert_uint_eq(lgx_partq_held(q), 1);
    ck_assert_int_eq(lgx_partq_next_recheck(q), 50);
    /* B goes on; the second A is tried (it may be the prerequisite)
     * and held as well; C goes on. */
    lgx_partq_next(q, 10, &off);
    ck_assert_int_eq(off, 101);
    lgx_partq_done(q, 101);
    lgx_partq_next(q, 10, &off);
    ck_assert_int_eq(off, 102);
    lgx_partq_hold(q, 102, 50);
    lgx_partq_next(q, 10, &off);
    ck_assert_int_eq(off, 103);
    lgx_partq_done(q, 103);
    ck_assert_ptr_null(lgx_partq_next(q, 10, &off));
    /* Nothing is committable while the held event is unfinished. */
    ck_assert_int_eq(lgx_partq_pop(q, NULL), -1);
    /* At the recheck time the held As come back, oldest first. */
    lgx_partq_next(q, 50, &off);
    ck_assert_int_eq(off, 100);
    lgx_partq_done(q, 100);
    ck_assert_uint_eq(lgx_partq_held(q), 1);
    lgx_partq_next(q, 50, &off);
    ck_assert_int_eq(off, 102);
    lgx_partq_done(q, 102);
    ck_assert_int_eq(lgx_partq_pop(q, NULL), 104);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_prerequisite_wakes_held)
{
    /* A dispatch (100) waits for its label (101), same key. */
    const char *keys[] = {"S", "S"};
    lgx_partq_t *q = make(keys, 2);
    int64_t off = 0;
    lgx_partq_next(q, 0, &off);
    lgx_partq_hold(q, 100, 5000);
    lgx_partq_next(q, 1, &off);
    ck_assert_int_eq(off, 101);
    lgx_partq_done(q, 101);
    /* The label finished: the held dispatch runs now, not at 5000. */
    ck_assert_ptr_nonnull(lgx_partq_next(q, 2, &off));
    ck_assert_int_eq(off, 100);
    lgx_partq_done(q, 100);
    ck_assert_int_eq(lgx_partq_pop(q, NULL), 102);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_same_key_runs_in_order)
{
    const char *keys[] = {"A", "A", "A"};
    lgx_partq_t *q = make(keys, 3);
    int64_t off = 0;
    lgx_partq_next(q, 0, &off);
    ck_assert_int_eq(off, 100);
    /* While 100 has not run, the next A may not start: next offers 100
     * again, never 101. */
    lgx_partq_next(q, 0, &off);
    ck_assert_int_eq(off, 100);
    lgx_partq_destroy(q, NULL);
}
END_TEST

static bool is_item(const void *item, const void *arg)
{
    return item == arg;
}

START_TEST(test_partq_held_earlier)
{
    const char *keys[] = {"a", "b", "a", "a"};
    lgx_partq_t *q = make(keys, 4);
    ck_assert(!lgx_partq_held_earlier(q, 102, NULL, NULL));
    lgx_partq_hold(q, 100, 1000);
    /* Only earlier events of the same key count, and match filters. */
    ck_assert(lgx_partq_held_earlier(q, 102, NULL, NULL));
    ck_assert(lgx_partq_held_earlier(q, 103, is_item, (void *)1));
    ck_assert(!lgx_partq_held_earlier(q, 103, is_item, (void *)3));
    ck_assert(!lgx_partq_held_earlier(q, 101, NULL, NULL));
    ck_assert(!lgx_partq_held_earlier(q, 100, NULL, NULL));
    ck_assert(!lgx_partq_held_earlier(q, 999, NULL, NULL));
    lgx_partq_done(q, 100);
    ck_assert(!lgx_partq_held_earlier(q, 102, NULL, NULL));
    lgx_partq_destroy(q, NULL);
}
END_TEST

/* Hands out what may run, as an executor with room for max in flight
 * does; returns how many it started and their offsets in out. */
static int start_ready(lgx_partq_t *q, int64_t now, int max, int64_t *out)
{
    int n = 0;
    int64_t off = 0;
    while (n < max && lgx_partq_next(q, now, &off)) {
        ck_assert_int_eq(lgx_partq_start(q, off), LGX_OK);
        out[n++] = off;
    }
    return n;
}

START_TEST(test_partq_started_blocks_its_key)
{
    /* Offsets 100..105; keys a b a c b a. */
    const char *keys[] = {"a", "b", "a", "c", "b", "a"};
    lgx_partq_t *q = make(keys, 6);
    int64_t run[8];
    /* One per key at a time: a@100, b@101, c@103. */
    ck_assert_int_eq(start_ready(q, 0, 8, run), 3);
    ck_assert_int_eq(run[0], 100);
    ck_assert_int_eq(run[1], 101);
    ck_assert_int_eq(run[2], 103);
    ck_assert_uint_eq(lgx_partq_started(q), 3);
    /* A started event is not handed out again. */
    ck_assert_int_eq(start_ready(q, 0, 8, run), 0);
    ck_assert_int_eq(lgx_partq_start(q, 100), LGX_ERR_INVALID);
    /* Out of order: c and b finish before a; nothing is committable
     * while 100 runs. */
    lgx_partq_done(q, 103);
    lgx_partq_done(q, 101);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), -1);
    /* b's next event (104) may start now, a's (102) not yet. */
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 104);
    lgx_partq_done(q, 100);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 102);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 102);
    lgx_partq_done(q, 102);
    lgx_partq_done(q, 104);
    /* 104 done, 105 not yet: the commit offset stops at 105. */
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 105);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 105);
    lgx_partq_done(q, 105);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 106);
    ck_assert_uint_eq(lgx_partq_started(q), 0);
    ck_assert_int_eq(n_popped, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(popped[i], i + 1);
    }
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_started_limit_and_no_key)
{
    /* Events without a key only wait for nothing; max bounds the count. */
    const char *keys[] = {NULL, "", NULL, NULL};
    lgx_partq_t *q = make(keys, 4);
    int64_t run[8];
    ck_assert_int_eq(start_ready(q, 0, 2, run), 2);
    ck_assert_int_eq(run[0], 100);
    ck_assert_int_eq(run[1], 101);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 2);
    ck_assert_int_eq(run[0], 102);
    ck_assert_int_eq(run[1], 103);
    ck_assert_uint_eq(lgx_partq_started(q), 4);
    for (int i = 103; i >= 100; i--) {
        lgx_partq_done(q, i);
    }
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 104);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_started_again_keeps_order)
{
    /* A retriable failure puts the event back before the later ones of
     * its key. */
    const char *keys[] = {"a", "a", "b"};
    lgx_partq_t *q = make(keys, 3);
    int64_t run[8];
    ck_assert_int_eq(start_ready(q, 0, 8, run), 2);
    ck_assert_int_eq(run[0], 100);
    ck_assert_int_eq(run[1], 102);
    lgx_partq_again(q, 100);
    ck_assert_uint_eq(lgx_partq_started(q), 1);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 100);
    lgx_partq_done(q, 100);
    lgx_partq_done(q, 102);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 101);
    lgx_partq_done(q, 101);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 103);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_started_and_held)
{
    /* keys S S S: 100 is held; 101 (maybe its prerequisite) runs; while
     * it runs, neither 100 (due for its recheck) nor 102 may start. */
    const char *keys[] = {"S", "S", "S", "T"};
    lgx_partq_t *q = make(keys, 4);
    int64_t run[8];
    ck_assert_int_eq(start_ready(q, 0, 1, run), 1);
    ck_assert_int_eq(run[0], 100);
    lgx_partq_hold(q, 100, 10);
    ck_assert_uint_eq(lgx_partq_started(q), 0);
    ck_assert_uint_eq(lgx_partq_held(q), 1);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 2);
    ck_assert_int_eq(run[0], 101);
    ck_assert_int_eq(run[1], 103);
    /* The recheck time passes while 101 runs: still nothing of S. */
    ck_assert_int_eq(start_ready(q, 20, 8, run), 0);
    ck_assert(lgx_partq_held_earlier(q, 101, NULL, NULL));
    /* 101 finished: the held one runs first (woken), then 102. */
    lgx_partq_done(q, 101);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 100);
    ck_assert_uint_eq(lgx_partq_held(q), 0);
    /* Held again: the count follows. */
    lgx_partq_hold(q, 100, 1000);
    ck_assert_uint_eq(lgx_partq_held(q), 1);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    ck_assert_int_eq(run[0], 102);
    lgx_partq_done(q, 102);
    lgx_partq_done(q, 103);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), -1);
    ck_assert_int_eq(start_ready(q, 0, 8, run), 1);
    lgx_partq_done(q, 100);
    ck_assert_int_eq(lgx_partq_pop(q, on_pop), 104);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_started_many_out_of_order)
{
    /* 40 entities x 5 events, 8 in flight, finishing in a scrambled
     * order: each entity's events run in offset order, one at a time,
     * and the commit offset never passes an unfinished event. */
    enum { ENT = 40, PER = 5, N = ENT * PER, MAX = 8 };
    static char names[ENT][8];
    const char *keys[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i % ENT], sizeof(names[0]), "e%d", i % ENT);
        keys[i] = names[i % ENT];
    }
    bool done[N] = {false};
    lgx_partq_t *q = lgx_partq_new();
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(lgx_partq_push(q, i, keys[i], &done[i]), LGX_OK);
    }
    int64_t inflight[MAX], last_of[ENT];
    int n_in = 0, finished = 0;
    unsigned seed = 7;
    for (int e = 0; e < ENT; e++) {
        last_of[e] = -1;
    }
    while (finished < N) {
        int64_t off;
        while (n_in < MAX && lgx_partq_next(q, 0, &off)) {
            int e = (int)(off % ENT);
            for (int j = 0; j < n_in; j++) {
                ck_assert_int_ne((int)(inflight[j] % ENT), e);
            }
            ck_assert_int_eq(last_of[e], off - ENT < 0 ? -1 : off - ENT);
            ck_assert_int_eq(lgx_partq_start(q, off), LGX_OK);
            inflight[n_in++] = off;
        }
        ck_assert_int_gt(n_in, 0);
        int k = (int)(rand_r(&seed) % (unsigned)n_in);
        off = inflight[k];
        inflight[k] = inflight[--n_in];
        lgx_partq_done(q, off);
        done[off] = true;
        last_of[off % ENT] = off;
        finished++;
        int64_t next = lgx_partq_pop(q, NULL);
        for (int64_t i = 0; next >= 0 && i < next; i++) {
            ck_assert(done[i]);
        }
        ck_assert(next < 0 || next == N || !done[next]);
    }
    ck_assert_uint_eq(lgx_partq_len(q), 0);
    lgx_partq_destroy(q, NULL);
}
END_TEST

START_TEST(test_partq_limits)
{
    lgx_partq_t *q = lgx_partq_new();
    void *item = &n_popped;
    /* Offsets must grow. */
    ck_assert_int_eq(lgx_partq_push(q, 5, "k", item), LGX_OK);
    ck_assert_int_eq(lgx_partq_push(q, 5, "k", item), LGX_ERR_INVALID);
    ck_assert_int_eq(lgx_partq_push(q, 4, "k", item), LGX_ERR_INVALID);
    /* Growth past the first ring size keeps order; no key = no wait. */
    for (int i = 6; i < 300; i++) {
        ck_assert_int_eq(lgx_partq_push(q, i, NULL, item), LGX_OK);
    }
    ck_assert_uint_eq(lgx_partq_len(q), 295);
    int64_t off = 0;
    lgx_partq_hold(q, 5, 100);
    lgx_partq_next(q, 0, &off);
    ck_assert_int_eq(off, 6);
    for (int i = 5; i < 300; i++) {
        lgx_partq_done(q, i);
    }
    ck_assert_int_eq(lgx_partq_pop(q, NULL), 300);
    ck_assert_int_eq(lgx_partq_next_recheck(q), INT64_MAX);
    lgx_partq_destroy(NULL, NULL);
    lgx_partq_destroy(q, NULL);
}
END_TEST

Suite *partq_suite(void)
{
    Suite *s = suite_create("partq");
    TCase *core = tcase_create("core");
    TCase *limits = tcase_create("limits");
    tcase_add_test(core, test_partq_in_order_commit);
    tcase_add_test(core, test_partq_held_key_waits_others_go_on);
    tcase_add_test(core, test_partq_same_key_runs_in_order);
    tcase_add_test(core, test_partq_prerequisite_wakes_held);
    tcase_add_test(core, test_partq_held_earlier);
    tcase_add_test(core, test_partq_started_blocks_its_key);
    tcase_add_test(core, test_partq_started_limit_and_no_key);
    tcase_add_test(core, test_partq_started_again_keeps_order);
    tcase_add_test(core, test_partq_started_and_held);
    tcase_add_test(core, test_partq_started_many_out_of_order);
    tcase_add_test(limits, test_partq_limits);
    suite_add_tcase(s, core);
    suite_add_tcase(s, limits);
    return s;
}
