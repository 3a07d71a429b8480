#include <check.h>
#include <stdio.h>

#include "lgx_cache.h"

START_TEST(test_cache_put_get)
{
    lgx_cache_t *c = lgx_cache_new(4, 1000);
    int64_t id = 0;
    ck_assert_ptr_nonnull(c);
    ck_assert(!lgx_cache_get(c, "SKU-1", 0, &id));
    lgx_cache_put(c, "SKU-1", 17, 0);
    ck_assert(lgx_cache_get(c, "SKU-1", 10, &id));
    ck_assert_int_eq(id, 17);
    lgx_cache_put(c, "SKU-1", 18, 20);
    ck_assert(lgx_cache_get(c, "SKU-1", 30, &id));
    ck_assert_int_eq(id, 18);
    ck_assert_uint_eq(lgx_cache_size(c), 1);
    ck_assert_uint_eq(lgx_cache_hits(c), 2);
    ck_assert_uint_eq(lgx_cache_misses(c), 1);
    lgx_cache_destroy(c);
}
END_TEST

START_TEST(test_cache_ttl_expires)
{
    lgx_cache_t *c = lgx_cache_new(4, 100);
    int64_t id = 0;
    lgx_cache_put(c, "a", 1, 1000);
    ck_assert(lgx_cache_get(c, "a", 1100, &id));
    ck_assert(!lgx_cache_get(c, "a", 1101, &id));
    ck_assert_uint_eq(lgx_cache_size(c), 0);
    lgx_cache_destroy(c);
}
END_TEST

START_TEST(test_cache_evicts_least_recently_used)
{
    lgx_cache_t *c = lgx_cache_new(3, 1000000);
    int64_t id = 0;
    lgx_cache_put(c, "a", 1, 0);
    lgx_cache_put(c, "b", 2, 0);
    lgx_cache_put(c, "c", 3, 0);
    ck_assert(lgx_cache_get(c, "a", 1, &id)); /* a is now the newest */
    lgx_cache_put(c, "d", 4, 2);              /* evicts b */
    ck_assert(!lgx_cache_get(c, "b", 3, &id));
    ck_assert(lgx_cache_get(c, "a", 3, &id));
    ck_assert(lgx_cache_get(c, "c", 3, &id));
    ck_assert(lgx_cache_get(c, "d", 3, &id));
    ck_assert_int_eq(id, 4);
    ck_assert_uint_eq(lgx_cache_size(c), 3);
    lgx_cache_destroy(c);
}
END_TEST

START_TEST(test_cache_forget_and_bound)
{
    lgx_cache_t *c = lgx_cache_new(8, 1000000);
    int64_t id = 0;
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        lgx_cache_put(c, key, i, i);
    }
    ck_assert_uint_eq(lgx_cache_size(c), 8);
    ck_assert(lgx_cache_get(c, "k999", 1000, &id));
    ck_assert(!lgx_cache_get(c, "k991", 1000, &id));
    lgx_cache_forget(c, "k999");
    ck_assert(!lgx_cache_get(c, "k999", 1000, &id));
    lgx_cache_forget(c, "never-there");
    ck_assert_uint_eq(lgx_cache_size(c), 7);
    lgx_cache_destroy(NULL);
    lgx_cache_destroy(c);
}
END_TEST

Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *core = tcase_create("core");
    TCase *limits = tcase_create("limits");
    tcase_add_test(core, test_cache_put_get);
    tcase_add_test(core, test_cache_ttl_expires);
    tcase_add_test(limits, test_cache_evicts_least_recently_used);
    tcase_add_test(limits, test_cache_forget_and_bound);
    suite_add_tcase(s, core);
    suite_add_tcase(s, limits);
    return s;
}
