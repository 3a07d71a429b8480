#include <check.h>
#include <string.h>

#include "lgx_holds.h"

START_TEST(test_since_keeps_the_first_time)
{
    lgx_holds_t *h = lgx_holds_new();
    ck_assert_int_eq(lgx_holds_since(h, 7, 1000), 1000);
    ck_assert_int_eq(lgx_holds_since(h, 7, 5000), 1000);
    ck_assert_int_eq(lgx_holds_since(h, 3, 6000), 6000);
    ck_assert_uint_eq(lgx_holds_count(h), 2);
    ck_assert(lgx_holds_forget(h, 7));
    ck_assert(!lgx_holds_forget(h, 7));
    ck_assert_int_eq(lgx_holds_since(h, 7, 9000), 9000);
    lgx_holds_destroy(h);
    lgx_holds_destroy(NULL);
    /* Nothing kept: nothing to forget (and no memmove of nothing). */
    h = lgx_holds_new();
    lgx_holds_forget_before(h, 5);
    ck_assert(!lgx_holds_forget(h, 5));
    ck_assert_uint_eq(lgx_holds_count(h), 0);
    lgx_holds_destroy(h);
}
END_TEST

START_TEST(test_encode_decode_round_trip)
{
    lgx_holds_t *h = lgx_holds_new();
    (void)lgx_holds_since(h, 42, 1700000000123);
    (void)lgx_holds_since(h, 5, 1700000000000);
    (void)lgx_holds_since(h, 9, 1700000000456);
    lgx_holds_forget_before(h, 6);
    char meta[LGX_HOLDS_META_MAX + 1];
    ck_assert_uint_eq(lgx_holds_encode(h, meta, sizeof(meta)), 0);
    ck_assert_str_eq(meta, "lgx-holds/1 9@1700000000456 42@1700000000123");

    lgx_holds_t *back = lgx_holds_new();
    ck_assert_int_eq(lgx_holds_decode(back, meta, strlen(meta)), LGX_OK);
    ck_assert_uint_eq(lgx_holds_count(back), 2);
    ck_assert_int_eq(lgx_holds_since(back, 42, 1), 1700000000123);
    ck_assert_int_eq(lgx_holds_since(back, 9, 1), 1700000000456);
    lgx_holds_destroy(back);
    lgx_holds_destroy(h);
}
END_TEST

START_TEST(test_encode_stops_at_the_metadata_limit)
{
    lgx_holds_t *h = lgx_holds_new();
    for (int64_t i = 0; i < 1000; i++) {
        (void)lgx_holds_since(h, 1000000 + i, 1700000000000 + i);
    }
    char meta[8192];
    size_t left = lgx_holds_encode(h, meta, sizeof(meta));
    ck_assert_uint_gt(left, 0);
    ck_assert_uint_le(strlen(meta), LGX_HOLDS_META_MAX);
    /* What fits is the oldest offsets, whole. */
    lgx_holds_t *back = lgx_holds_new();
    ck_assert_int_eq(lgx_holds_decode(back, meta, strlen(meta)), LGX_OK);
    ck_assert_uint_eq(lgx_holds_count(back), 1000 - left);
    ck_assert_int_eq(lgx_holds_since(back, 1000000, 1), 1700000000000);
    lgx_holds_destroy(back);
    lgx_holds_destroy(h);
}
END_TEST

START_TEST(test_decode_ignores_foreign_and_refuses_broken)
{
    lgx_holds_t *h = lgx_holds_new();
    ck_assert_int_eq(lgx_holds_decode(h, NULL, 0), LGX_OK);
    ck_assert_int_eq(lgx_holds_decode(h, "", 0), LGX_OK);
    ck_assert_int_eq(lgx_holds_decode(h, "other client", 12), LGX_OK);
    ck_assert_int_eq(lgx_holds_decode(h, "lgx-holds/10 1@2", 16), LGX_OK);
    ck_assert_uint_eq(lgx_holds_count(h), 0);
    ck_assert_int_eq(lgx_holds_decode(h, "lgx-holds/1", 11), LGX_OK);
    const char *bad[] = {"lgx-holds/1 1@", "lgx-holds/1 x@2", "lgx-holds/1 1-2",
                         "lgx-holds/1  1@2", "lgx-holds/1 1@2 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(lgx_holds_decode(h, bad[i], strlen(bad[i])),
                         LGX_ERR_DECODE);
    }
    lgx_holds_destroy(h);
    /* Not NUL-terminated: len is the end. */
    h = lgx_holds_new();
    ck_assert_int_eq(lgx_holds_decode(h, "lgx-holds/1 4@5 6@7", 15), LGX_OK);
    ck_assert_uint_eq(lgx_holds_count(h), 1);
    ck_assert_int_eq(lgx_holds_since(h, 4, 1), 5);
    lgx_holds_destroy(h);
}
END_TEST

Suite *holds_suite(void)
{
    Suite *s = suite_create("holds");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_since_keeps_the_first_time);
    tcase_add_test(tc, test_encode_decode_round_trip);
    tcase_add_test(tc, test_encode_stops_at_the_metadata_limit);
    tcase_add_test(tc, test_decode_ignores_foreign_and_refuses_broken);
    suite_add_tcase(s, tc);
    return s;
}
