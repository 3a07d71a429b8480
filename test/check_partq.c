#include <check.h>
#include <stdint.h>

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
    tcase_add_test(limits, test_partq_limits);
    suite_add_tcase(s, core);
    suite_add_tcase(s, limits);
    return s;
}
