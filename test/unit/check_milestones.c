/*
 * Unit tests for milestones_plan: whether a carrier milestone is newer
 * than the one a picking holds, and the texts of its note and activity.
 */
#include <check.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_time.h"
#include "milestones/milestones_plan.h"

Suite *milestones_suite(void);

/* 2026-11-27 10:00:00 UTC */
#define T10 1795773600000LL

static lgx_buf_t *a, *b;

static void setup(void)
{
    a = lgx_buf_new();
    b = lgx_buf_new();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
}

static void teardown(void)
{
    lgx_buf_destroy(a);
    lgx_buf_destroy(b);
}

static milestone_t transit(void)
{
    milestone_t m = {"TRK1", "dhl", "IN_TRANSIT", "Leipzig hub", NULL, T10, -1};
    return m;
}

START_TEST(test_parse_odoo_time)
{
    int64_t ms = 0;
    ck_assert(lgx_time_parse_odoo("2026-11-27 10:00:00", &ms));
    ck_assert_int_eq(ms, T10);
    ck_assert(!lgx_time_parse_odoo("2026-11-27T10:00:00", &ms));
    ck_assert(!lgx_time_parse_odoo("2026-11-27", &ms));
    ck_assert(!lgx_time_parse_odoo("2026-13-27 10:00:00", &ms));
    ck_assert(!lgx_time_parse_odoo("", &ms));
    ck_assert(!lgx_time_parse_odoo(NULL, &ms));
}
END_TEST

START_TEST(test_newer_than_recorded)
{
    ck_assert(milestones_is_newer(T10 + 1000, "2026-11-27 10:00:00"));
    ck_assert(milestones_is_newer(T10, "2026-11-27 09:59:59"));
}
END_TEST

START_TEST(test_older_or_same_is_not_newer)
{
    ck_assert(!milestones_is_newer(T10 - 60000, "2026-11-27 10:00:00"));
    /* The same milestone replayed. */
    ck_assert(!milestones_is_newer(T10, "2026-11-27 10:00:00"));
    /* Odoo keeps whole seconds: 10:00:00.500 is the 10:00:00 recorded. */
    ck_assert(!milestones_is_newer(T10 + 500, "2026-11-27 10:00:00"));
}
END_TEST

START_TEST(test_none_recorded_is_newer)
{
    ck_assert(milestones_is_newer(T10, NULL));
    ck_assert(milestones_is_newer(T10, ""));
    ck_assert(milestones_is_newer(T10, "garbage"));
}
END_TEST

START_TEST(test_activity_codes)
{
    ck_assert(milestones_wants_activity("EXCEPTION"));
    ck_assert(milestones_wants_activity("DELIVERY_ATTEMPTED"));
    ck_assert(!milestones_wants_activity("IN_TRANSIT"));
    ck_assert(!milestones_wants_activity("DELIVERED"));
}
END_TEST

START_TEST(test_note)
{
    milestone_t m = transit();
    ck_assert_int_eq(milestones_note(a, &m), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a), "Carrier DHL: IN_TRANSIT at Leipzig hub "
                                      "(2026-11-27 10:00 UTC)");
}
END_TEST

START_TEST(test_note_with_reason_and_eta_without_location)
{
    milestone_t m = transit();
    m.code = "EXCEPTION";
    m.location = NULL;
    m.exception_reason = "address incomplete";
    m.eta = T10 + 86400000LL;
    ck_assert_int_eq(milestones_note(a, &m), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a),
                     "Carrier DHL: EXCEPTION (2026-11-27 10:00 UTC): address "
                     "incomplete; ETA 2026-11-28 10:00 UTC");
}
END_TEST

START_TEST(test_activity)
{
    milestone_t m = transit();
    m.code = "DELIVERY_ATTEMPTED";
    m.exception_reason = "nobody home";
    ck_assert_int_eq(milestones_activity(a, b, &m), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a), "Parcel TRK1: DELIVERY_ATTEMPTED");
    ck_assert_str_eq(lgx_buf_data(b),
                     "Carrier DHL reports DELIVERY_ATTEMPTED at Leipzig hub "
                     "(2026-11-27 10:00 UTC): nobody home. Please follow up "
                     "with the customer.");
    /* The summary does not depend on time or reason: one open activity
     * per parcel and code. */
    m.occurred_at += 3600000;
    m.exception_reason = NULL;
    ck_assert_int_eq(milestones_activity(a, b, &m), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a), "Parcel TRK1: DELIVERY_ATTEMPTED");
    ck_assert_ptr_nonnull(strstr(lgx_buf_data(b), "no reason given"));
}
END_TEST

Suite *milestones_suite(void)
{
    Suite *s = suite_create("milestones");
    TCase *time = tcase_create("time");
    tcase_add_test(time, test_parse_odoo_time);
    tcase_add_test(time, test_newer_than_recorded);
    tcase_add_test(time, test_older_or_same_is_not_newer);
    tcase_add_test(time, test_none_recorded_is_newer);
    suite_add_tcase(s, time);
    TCase *texts = tcase_create("texts");
    tcase_add_checked_fixture(texts, setup, teardown);
    tcase_add_test(texts, test_activity_codes);
    tcase_add_test(texts, test_note);
    tcase_add_test(texts, test_note_with_reason_and_eta_without_location);
    tcase_add_test(texts, test_activity);
    suite_add_tcase(s, texts);
    return s;
}
