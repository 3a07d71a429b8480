/*
 * Unit tests for lgx_dedup: the bounded window of recently seen event ids.
 * The contract under test: the last `capacity` ids are always remembered,
 * and memory stays bounded, so old ids are eventually forgotten.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lgx_dedup.h"

Suite *dedup_suite(void);

/* The i-th test id, "ev-<i>", into buf; returns its length. */
static size_t id_of(size_t i, char *buf, size_t size)
{
    /* No assertion here: this runs in hot loops. */
    int n = snprintf(buf, size, "ev-%zu", i);
    return n > 0 ? (size_t)n : 0;
}

static bool seen_i(const lgx_dedup_t *d, size_t i)
{
    char id[32];
    size_t len = id_of(i, id, sizeof(id));
    return lgx_dedup_seen(d, id, len);
}

static void add_i(lgx_dedup_t *d, size_t i)
{
    char id[32];
    size_t len = id_of(i, id, sizeof(id));
    lgx_dedup_add(d, id, len);
}

/* ---- core ---- */

START_TEST(test_dedup_seen_after_add)
{
    lgx_dedup_t *d = lgx_dedup_new(16);
    ck_assert_ptr_nonnull(d);
    ck_assert(!lgx_dedup_seen(d, "ev-1", 4));
    lgx_dedup_add(d, "ev-1", 4);
    ck_assert(lgx_dedup_seen(d, "ev-1", 4));
    ck_assert(!lgx_dedup_seen(d, "ev-2", 4));
    ck_assert(!lgx_dedup_seen(d, "EV-1", 4));
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_length_matters)
{
    lgx_dedup_t *d = lgx_dedup_new(16);
    ck_assert_ptr_nonnull(d);
    lgx_dedup_add(d, "abcdef", 3);
    ck_assert(lgx_dedup_seen(d, "abc", 3));
    ck_assert(lgx_dedup_seen(d, "abcxyz", 3));
    ck_assert(!lgx_dedup_seen(d, "abcdef", 6));
    ck_assert(!lgx_dedup_seen(d, "ab", 2));
    /* Ids are bytes: an embedded NUL is part of the id. */
    lgx_dedup_add(d, "x\0y", 3);
    ck_assert(lgx_dedup_seen(d, "x\0y", 3));
    ck_assert(!lgx_dedup_seen(d, "x", 1));
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_hash_deterministic)
{
    ck_assert_uint_eq(lgx_dedup_hash("ev-1", 4), lgx_dedup_hash("ev-1", 4));
    ck_assert_uint_ne(lgx_dedup_hash("ev-1", 4), lgx_dedup_hash("ev-2", 4));
    ck_assert_uint_ne(lgx_dedup_hash("ab", 2), lgx_dedup_hash("ba", 2));
    ck_assert_uint_ne(lgx_dedup_hash("a", 1), lgx_dedup_hash("a\0", 2));
}
END_TEST

START_TEST(test_dedup_hash_vectors)
{
    /* Known bug: the header promises 64-bit FNV-1a, but lgx_dedup_hash
     * starts from 1469598103934665603 instead of the FNV offset basis
     * 14695981039346656037 (0xcbf29ce484222325): a digit is missing, so
     * no published vector matches and no other FNV-1a implementation
     * (a tool, the Odoo side) computes the same hashes. */
    ck_assert_uint_eq(lgx_dedup_hash("", 0), 0xcbf29ce484222325ULL);
    ck_assert_uint_eq(lgx_dedup_hash("a", 1), 0xaf63dc4c8601ec8cULL);
    ck_assert_uint_eq(lgx_dedup_hash("foobar", 6), 0x85944171f73967e8ULL);
}
END_TEST

START_TEST(test_dedup_hash_never_zero)
{
    char id[32];
    size_t zeros = 0;
    for (size_t i = 0; i < 100000; i++) {
        size_t len = id_of(i, id, sizeof(id));
        zeros += lgx_dedup_hash(id, len) == 0;
    }
    ck_assert_uint_eq(zeros, 0);
}
END_TEST

START_TEST(test_dedup_destroy_null)
{
    lgx_dedup_destroy(NULL);
    lgx_dedup_t *d = lgx_dedup_new(1);
    ck_assert_ptr_nonnull(d);
    lgx_dedup_destroy(d);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_dedup_last_capacity_always_remembered)
{
    /* After every add, the newest `capacity` ids are all in the window. */
    const size_t cap = 100;
    lgx_dedup_t *d = lgx_dedup_new(cap);
    ck_assert_ptr_nonnull(d);
    /* One assertion at the end: the check itself is the hot loop. */
    size_t forgotten = 0, first_k = 0, first_adds = 0;
    for (size_t i = 0; i < 10 * cap; i++) {
        add_i(d, i);
        size_t from = i + 1 >= cap ? i + 1 - cap : 0;
        for (size_t k = from; k <= i; k++) {
            if (!seen_i(d, k) && forgotten++ == 0) {
                first_k = k;
                first_adds = i + 1;
            }
        }
    }
    ck_assert_msg(forgotten == 0, "%zu forgotten, first id %zu after %zu adds",
                  forgotten, first_k, first_adds);
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_window_bounded)
{
    /* After 3 * capacity newer ids, an id is forgotten: memory is
     * bounded. */
    const size_t cap = 100;
    lgx_dedup_t *d = lgx_dedup_new(cap);
    ck_assert_ptr_nonnull(d);
    add_i(d, 0);
    for (size_t i = 1; i <= 3 * cap; i++) {
        add_i(d, i);
    }
    ck_assert(!seen_i(d, 0));
    ck_assert(seen_i(d, 3 * cap));
    /* And so for every id, once 3 * capacity newer ones came. */
    size_t kept = 0;
    for (size_t i = 3 * cap + 1; i < 10 * cap; i++) {
        add_i(d, i);
        kept += seen_i(d, i - 3 * cap);
    }
    ck_assert_uint_eq(kept, 0);
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_at_most_two_generations)
{
    /* The header's two generations of at most `capacity` ids: no id
     * survives 2 * capacity newer ones. */
    const size_t cap = 64;
    lgx_dedup_t *d = lgx_dedup_new(cap);
    ck_assert_ptr_nonnull(d);
    size_t kept = 0;
    for (size_t i = 0; i < 20 * cap; i++) {
        add_i(d, i);
        if (i >= 2 * cap) {
            kept += seen_i(d, i - 2 * cap);
        }
    }
    ck_assert_uint_eq(kept, 0);
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_repeated_add_costs_no_room)
{
    /* Adding an id that is already there must not push others out: a
     * redelivery storm of one id keeps the window intact. */
    const size_t cap = 8;
    lgx_dedup_t *d = lgx_dedup_new(cap);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < cap; i++) {
        add_i(d, i);
    }
    for (int r = 0; r < 1000; r++) {
        add_i(d, 3);
    }
    for (size_t i = 0; i < cap; i++) {
        ck_assert(seen_i(d, i));
    }
    /* cap more new ids: the first cap are now in the older generation,
     * still seen. */
    for (size_t i = cap; i < 2 * cap; i++) {
        add_i(d, i);
    }
    for (size_t i = 0; i < 2 * cap; i++) {
        ck_assert(seen_i(d, i));
    }
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_capacity_zero_and_one)
{
    lgx_dedup_t *d = lgx_dedup_new(0);
    ck_assert_ptr_nonnull(d);
    lgx_dedup_add(d, "a", 1);
    ck_assert(lgx_dedup_seen(d, "a", 1));
    lgx_dedup_add(d, "b", 1);
    ck_assert(lgx_dedup_seen(d, "b", 1));
    for (size_t i = 0; i < 10; i++) {
        add_i(d, i);
        ck_assert(seen_i(d, i));
    }
    ck_assert(!lgx_dedup_seen(d, "a", 1));
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_large_window)
{
    /* The consumer's default window. */
    const size_t cap = 65536;
    lgx_dedup_t *d = lgx_dedup_new(cap);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < 4 * cap; i++) {
        add_i(d, i);
    }
    size_t forgotten = 0;
    for (size_t i = 3 * cap; i < 4 * cap; i++) {
        forgotten += !seen_i(d, i);
    }
    ck_assert_uint_eq(forgotten, 0);
    ck_assert(!seen_i(d, 0));
    ck_assert(!seen_i(d, cap));
    ck_assert(!seen_i(d, 4 * cap));
    lgx_dedup_destroy(d);
}
END_TEST

START_TEST(test_dedup_no_false_positives)
{
    /* Ids never added are not seen, with a full window. */
    const size_t cap = 1000;
    lgx_dedup_t *d = lgx_dedup_new(cap);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < 2 * cap; i++) {
        add_i(d, 2 * i);
    }
    size_t false_hits = 0;
    for (size_t i = 0; i < 2 * cap; i++) {
        false_hits += seen_i(d, 2 * i + 1);
    }
    ck_assert_uint_eq(false_hits, 0);
    lgx_dedup_destroy(d);
}
END_TEST

Suite *dedup_suite(void)
{
    Suite *s = suite_create("dedup");

    TCase *tc_core = tcase_create("core");
    tcase_add_test(tc_core, test_dedup_seen_after_add);
    tcase_add_test(tc_core, test_dedup_length_matters);
    tcase_add_test(tc_core, test_dedup_hash_deterministic);
    tcase_add_test(tc_core, test_dedup_hash_vectors);
    tcase_add_test(tc_core, test_dedup_hash_never_zero);
    tcase_add_test(tc_core, test_dedup_destroy_null);
    suite_add_tcase(s, tc_core);

    TCase *tc_limits = tcase_create("limits");
    tcase_set_timeout(tc_limits, 30);
    tcase_add_test(tc_limits, test_dedup_last_capacity_always_remembered);
    tcase_add_test(tc_limits, test_dedup_window_bounded);
    tcase_add_test(tc_limits, test_dedup_at_most_two_generations);
    tcase_add_test(tc_limits, test_dedup_repeated_add_costs_no_room);
    tcase_add_test(tc_limits, test_dedup_capacity_zero_and_one);
    tcase_add_test(tc_limits, test_dedup_large_window);
    tcase_add_test(tc_limits, test_dedup_no_false_positives);
    suite_add_tcase(s, tc_limits);

    return s;
}
