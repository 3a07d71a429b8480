#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_clock.h"

START_TEST(test_clock_get_set)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_clock_get(NULL, "pick_confirmed", "wms-a"), -1);
    ck_assert_int_eq(lgx_clock_get("", "pick_confirmed", "wms-a"), -1);
    ck_assert_int_eq(lgx_clock_get("false", "pick_confirmed", "wms-a"), -1);
    ck_assert_int_eq(lgx_clock_set(b, NULL, "pick_confirmed", "wms-a", 100),
                     LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "{\"pick_confirmed/wms-a\":100}");
    char *one = strdup(lgx_buf_data(b));
    ck_assert_int_eq(lgx_clock_get(one, "pick_confirmed", "wms-a"), 100);
    ck_assert_int_eq(lgx_clock_get(one, "pick_confirmed", "wms-b"), -1);
    /* A later time replaces; an earlier one does not move it back. */
    ck_assert_int_eq(lgx_clock_set(b, one, "pick_confirmed", "wms-a", 50),
                     LGX_OK);
    ck_assert_int_eq(lgx_clock_get(lgx_buf_data(b), "pick_confirmed", "wms-a"),
                     100);
    ck_assert_int_eq(lgx_clock_set(b, one, "label_created", "tms-x", 70),
                     LGX_OK);
    ck_assert_int_eq(lgx_clock_get(lgx_buf_data(b), "label_created", "tms-x"),
                     70);
    ck_assert_int_eq(lgx_clock_get(lgx_buf_data(b), "pick_confirmed", "wms-a"),
                     100);
    free(one);
    lgx_buf_destroy(b);
}
END_TEST

/* Each consumer writes its own field, so that two consumers writing one
 * picking at once cannot drop each other's entries; the field all shared
 * before is read until the own one has an entry, and carried over. */
START_TEST(test_clock_field_per_consumer)
{
    ck_assert_str_eq(lgx_clock_field("pick_confirmed"), "x_lgx_clock_picks");
    ck_assert_str_eq(lgx_clock_field("shipment_dispatched"),
                     "x_lgx_clock_shipments");
    ck_assert_str_eq(lgx_clock_field("label_created"), "x_lgx_clock_shipments");
    ck_assert_str_eq(lgx_clock_field("carrier_milestone"),
                     "x_lgx_clock_milestones");
    ck_assert_str_eq(lgx_clock_field("proof_of_delivery"), "x_lgx_clock_pod");
    ck_assert_ptr_null(lgx_clock_field("order_released"));
    ck_assert_ptr_null(lgx_clock_field(NULL));

    const char *legacy = "{\"pick_confirmed/wms-a\":100}";
    ck_assert_ptr_eq(lgx_clock_pick(NULL, legacy), legacy);
    ck_assert_ptr_eq(lgx_clock_pick("", legacy), legacy);
    ck_assert_str_eq(lgx_clock_pick("{}", legacy), "{}");

    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_buf_puts(b, "{"), LGX_OK);
    ck_assert_int_eq(lgx_clock_member(b, lgx_clock_pick(NULL, legacy),
                                      "pick_confirmed", "wms-b", 200),
                     LGX_OK);
    ck_assert_int_eq(lgx_buf_puts(b, "}"), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b),
                     "{\"x_lgx_clock_picks\":\"{\\\"pick_confirmed/wms-a\\\""
                     ":100,\\\"pick_confirmed/wms-b\\\":200}\"}");
    lgx_buf_reset(b);
    ck_assert_int_eq(lgx_clock_member(b, NULL, "order_released", "x", 1),
                     LGX_ERR_INVALID);
    lgx_buf_destroy(b);
}
END_TEST

/* An entry that is not an integer (edited by hand) does not swallow the
 * event's time, nor does a source that is not UTF-8: both used to leave
 * the event's time out of what lgx_clock_get reads back. */
START_TEST(test_clock_set_over_non_integer)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(
        lgx_clock_set(b, "{\"t/s\":\"100\",\"t/o\":7}", "t", "s", 200), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "{\"t/o\":7,\"t/s\":200}");
    ck_assert_int_eq(
        lgx_clock_set(b, "{\"t/s\":1.5,\"t/s\":300}", "t", "s", 200), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "{\"t/s\":300}");
    ck_assert_int_eq(lgx_clock_get(lgx_buf_data(b), "t", "s"), 300);
    /* A source that is not UTF-8 finds the time it wrote (where its bad
     * byte reads as U+FFFD). */
    ck_assert_int_eq(lgx_clock_set(b, "{}", "t", "wms-\xBB", 400), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "{\"t/wms-\xEF\xBF\xBD\":400}");
    ck_assert_int_eq(lgx_clock_get(lgx_buf_data(b), "t", "wms-\xBB"), 400);
    lgx_buf_destroy(b);
}
END_TEST

START_TEST(test_clock_bounded)
{
    lgx_buf_t *b = lgx_buf_new();
    char *cur = strdup("{}");
    char src[32];
    for (int i = 0; i < 100; i++) {
        snprintf(src, sizeof(src), "s%d", i);
        ck_assert_int_eq(lgx_clock_set(b, cur, "t", src, 1000 + i), LGX_OK);
        free(cur);
        cur = strdup(lgx_buf_data(b));
    }
    /* At most 64 entries: the oldest went, the newest stayed. */
    ck_assert_int_eq(lgx_clock_get(cur, "t", "s0"), -1);
    ck_assert_int_eq(lgx_clock_get(cur, "t", "s99"), 1099);
    int entries = 0;
    for (const char *p = cur; (p = strchr(p, ':')) != NULL; p++) {
        entries++;
    }
    ck_assert_int_eq(entries, 64);
    free(cur);
    lgx_buf_destroy(b);
}
END_TEST

Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *core = tcase_create("core");
    TCase *limits = tcase_create("limits");
    tcase_add_test(core, test_clock_get_set);
    tcase_add_test(core, test_clock_field_per_consumer);
    tcase_add_test(core, test_clock_set_over_non_integer);
    tcase_add_test(limits, test_clock_bounded);
    suite_add_tcase(s, core);
    suite_add_tcase(s, limits);
    return s;
}
