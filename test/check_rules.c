/*
 * Unit tests for lgx_rules: timestamp governance (lgx_rules_check_time)
 * at the edges of the clock skew a rules file may set.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lgx_rules.h"

Suite *rules_suite(void);

/* 2026-11-27T10:00:00.250Z in epoch milliseconds. */
#define NOW_MS 1795773600250LL

/* Rules with one rule and the given clock_skew_ms (JSON text). */
static lgx_rules_t *rules_with_skew(const char *skew)
{
    char json[256], errstr[256] = "";
    snprintf(json, sizeof(json),
             "{\"clock_skew_ms\":%s,\"events\":{\"pick_confirmed\":"
             "{\"sources\":[\"wms-*\"],\"apply_in\":[\"assigned\"]}}}",
             skew);
    lgx_rules_t *r =
        lgx_rules_parse(json, strlen(json), errstr, sizeof(errstr));
    ck_assert_msg(r != NULL, "rules: %s", errstr);
    return r;
}

START_TEST(test_rules_time_skew)
{
    lgx_rules_t *r = rules_with_skew("1000");
    ck_assert_int_eq(lgx_rules_check_time(r, NOW_MS + 1000, NOW_MS, -1),
                     LGX_TIME_OK);
    ck_assert_int_eq(lgx_rules_check_time(r, NOW_MS + 1001, NOW_MS, -1),
                     LGX_TIME_FUTURE);
    ck_assert_int_eq(lgx_rules_check_time(r, NOW_MS - 1, NOW_MS, NOW_MS),
                     LGX_TIME_STALE);
    ck_assert_int_eq(lgx_rules_check_time(r, NOW_MS, NOW_MS, NOW_MS),
                     LGX_TIME_OK);
    lgx_rules_destroy(r);
}
END_TEST

START_TEST(test_rules_time_largest_skew)
{
    /* A skew of INT64_MAX turns the future check off; now + skew
     * overflowed (undefined behaviour) and made events future-dated. */
    lgx_rules_t *r = rules_with_skew("9223372036854775807");
    ck_assert_int_eq(lgx_rules_clock_skew_ms(r), INT64_MAX);
    ck_assert_int_eq(lgx_rules_check_time(r, NOW_MS, NOW_MS, -1), LGX_TIME_OK);
    ck_assert_int_eq(lgx_rules_check_time(r, INT64_MAX, NOW_MS, -1),
                     LGX_TIME_OK);
    ck_assert_int_eq(lgx_rules_check_time(r, NOW_MS - 1, NOW_MS, NOW_MS),
                     LGX_TIME_STALE);
    lgx_rules_destroy(r);
}
END_TEST

START_TEST(test_rules_time_extreme_now)
{
    lgx_rules_t *r = rules_with_skew("300000");
    ck_assert_int_eq(lgx_rules_check_time(r, INT64_MAX, INT64_MAX, -1),
                     LGX_TIME_OK);
    ck_assert_int_eq(lgx_rules_check_time(r, INT64_MIN, INT64_MIN, -1),
                     LGX_TIME_OK);
    ck_assert_int_eq(lgx_rules_check_time(r, INT64_MAX, INT64_MIN, -1),
                     LGX_TIME_FUTURE);
    lgx_rules_destroy(r);
}
END_TEST

Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");

    TCase *tc_limits = tcase_create("limits");
    tcase_add_test(tc_limits, test_rules_time_skew);
    tcase_add_test(tc_limits, test_rules_time_largest_skew);
    tcase_add_test(tc_limits, test_rules_time_extreme_now);
    suite_add_tcase(s, tc_limits);

    return s;
}
