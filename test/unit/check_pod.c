/*
 * Unit tests for pod_plan: the input limits of a proof of delivery, the
 * sanity of its lines and the delivery-issue activity.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "lgx_buf.h"
#include "pod/pod_plan.h"

Suite *pod_suite(void);

static char reason[64];
static char msg[256];
static lgx_buf_t *bufs[2]; /* an activity's summary and text */

static void setup(void)
{
    memset(reason, 0, sizeof(reason));
    memset(msg, 0, sizeof(msg));
    for (int i = 0; i < 2; i++) {
        bufs[i] = lgx_buf_new();
        ck_assert_ptr_nonnull(bufs[i]);
    }
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++) {
        lgx_buf_destroy(bufs[i]);
    }
}

START_TEST(test_limits_at_the_edge)
{
    ck_assert(pod_check_limits(0, 0, reason, sizeof(reason), msg, sizeof(msg)));
    ck_assert(pod_check_limits(POD_MAX_LINES, POD_MAX_SIGNATURE, reason,
                               sizeof(reason), msg, sizeof(msg)));
}
END_TEST

START_TEST(test_too_many_lines)
{
    ck_assert(!pod_check_limits(POD_MAX_LINES + 1, 0, reason, sizeof(reason),
                                msg, sizeof(msg)));
    ck_assert_str_eq(reason, "too_many_lines");
    ck_assert_str_eq(msg, "1001 lines; at most 1000");
}
END_TEST

START_TEST(test_signature_too_large)
{
    ck_assert(!pod_check_limits(1, POD_MAX_SIGNATURE + 1, reason,
                                sizeof(reason), msg, sizeof(msg)));
    ck_assert_str_eq(reason, "signature_too_large");
}
END_TEST

START_TEST(test_lines_checked)
{
    pod_line_t ok[] = {{"SKU-1", 2, 2, "NONE"}, {"SKU-2", 0, 0, "SHORTAGE"}};
    ck_assert(pod_check_lines(ok, 2, reason, sizeof(reason), msg, sizeof(msg)));
    pod_line_t no_code[] = {{NULL, 1, 1, "NONE"}};
    ck_assert(
        !pod_check_lines(no_code, 1, reason, sizeof(reason), msg, sizeof(msg)));
    ck_assert_str_eq(reason, "missing_field");
    pod_line_t negative[] = {{"SKU-1", 1, -1, "NONE"}};
    ck_assert(!pod_check_lines(negative, 1, reason, sizeof(reason), msg,
                               sizeof(msg)));
    ck_assert_str_eq(reason, "invalid_field");
    pod_line_t nan_qty[] = {{"SKU-1", NAN, 1, "NONE"}};
    ck_assert(
        !pod_check_lines(nan_qty, 1, reason, sizeof(reason), msg, sizeof(msg)));
    ck_assert_str_eq(reason, "invalid_field");
}
END_TEST

START_TEST(test_issues_listed)
{
    pod_line_t lines[] = {{"SKU-1", 2, 2, "NONE"},
                          {"SKU-2", 5, 3, "SHORTAGE"},
                          {"SKU-3", 2, 1.5, "DAMAGE"}};
    ck_assert_uint_eq(pod_count_issues(lines, 3), 2);
    ck_assert_int_eq(pod_issues(bufs[0], bufs[1], "WH/OUT/00031", lines, 3),
                     LGX_OK);
    ck_assert_str_eq(lgx_buf_data(bufs[0]),
                     "Delivery issue on WH/OUT/00031: 2 line(s) short or "
                     "damaged");
    ck_assert_str_eq(lgx_buf_data(bufs[1]),
                     "SKU-2: SHORTAGE, expected 5, delivered 3; SKU-3: "
                     "DAMAGE, expected 2, delivered 1.5");
}
END_TEST

START_TEST(test_no_issues)
{
    pod_line_t lines[] = {{"SKU-1", 2, 2, "NONE"}};
    ck_assert_uint_eq(pod_count_issues(lines, 1), 0);
    ck_assert_uint_eq(pod_count_issues(NULL, 0), 0);
}
END_TEST

Suite *pod_suite(void)
{
    Suite *s = suite_create("pod");
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, test_limits_at_the_edge);
    tcase_add_test(limits, test_too_many_lines);
    tcase_add_test(limits, test_signature_too_large);
    tcase_add_test(limits, test_lines_checked);
    suite_add_tcase(s, limits);
    TCase *issues = tcase_create("issues");
    tcase_add_checked_fixture(issues, setup, teardown);
    tcase_add_test(issues, test_issues_listed);
    tcase_add_test(issues, test_no_issues);
    suite_add_tcase(s, issues);
    return s;
}
