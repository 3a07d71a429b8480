/*
 * Unit tests for sla_plan (lgx-sla): thresholds, cutoffs, the domain of
 * each kind of breach, since when a picking is in breach, the texts of
 * its log line and activity, and the set of pickings already reported.
 */
#include <check.h>
#include <string.h>

#include "../tools/sla/sla_plan.h"
#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_time.h"

Suite *sla_suite(void);

/* 2026-11-27 10:00:00.500 UTC */
#define T10 1795773600500LL
#define HOUR 3600000LL

static lgx_buf_t *a;

static void setup(void)
{
    a = lgx_buf_new();
    ck_assert_ptr_nonnull(a);
}

static void teardown(void)
{
    lgx_buf_destroy(a);
}

static yajl_val parse(const char *text)
{
    char err[128];
    yajl_val v = lgx_json_parse(text, strlen(text), err, sizeof(err));
    ck_assert_msg(v != NULL, "not JSON (%s): %s", err, text);
    return v;
}

/* ---- thresholds and cutoffs ---- */

START_TEST(test_parse_hours)
{
    double h = -1;
    ck_assert(sla_parse_hours("24", &h));
    ck_assert(h == 24.0);
    ck_assert(sla_parse_hours("0.001", &h));
    ck_assert(h == 0.001);
    ck_assert(sla_parse_hours("0", &h));
    ck_assert(h == 0.0);
    ck_assert(sla_parse_hours(".5", &h));
    ck_assert(h == 0.5);
    ck_assert(sla_parse_hours("8760", &h));
    ck_assert(h == SLA_MAX_HOURS);
}
END_TEST

START_TEST(test_parse_hours_refuses)
{
    static const char *const bad[] = {"",     "-1",   "abc", "1e3",   "inf",
                                      "nan",  " 1",   "1 ",  "1.2.3", ".",
                                      "8761", "0x10", "+1"};
    double h = 7;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(!sla_parse_hours(bad[i], &h), "accepted '%s'", bad[i]);
    }
    ck_assert(!sla_parse_hours(NULL, &h));
    ck_assert(h == 7.0);
}
END_TEST

START_TEST(test_cutoff)
{
    char t[20];
    sla_cutoff(T10, 24, t);
    ck_assert_str_eq(t, "2026-11-26 10:00:00");
    sla_cutoff(T10, 1.5, t);
    ck_assert_str_eq(t, "2026-11-27 08:30:00");
    /* 0.001 h = 3.6 s: 09:59:56.9, whole seconds rounded down. */
    sla_cutoff(T10, 0.001, t);
    ck_assert_str_eq(t, "2026-11-27 09:59:56");
}
END_TEST

/* ---- domains ---- */

START_TEST(test_domain_booked)
{
    ck_assert_int_eq(
        sla_domain(a, SLA_BOOKED_NOT_DISPATCHED, "2026-11-26 10:00:00"),
        LGX_OK);
    ck_assert_str_eq(
        lgx_buf_data(a),
        "[[\"x_lgx_shipment_status\",\"in\",[\"booked\",\"labelled\"]],"
        "[\"state\",\"!=\",\"cancel\"],"
        "[\"x_lgx_booked_at\",\"<\",\"2026-11-26 10:00:00\"]]");
    yajl_tree_free(parse(lgx_buf_data(a)));
}
END_TEST

START_TEST(test_domain_no_milestone)
{
    ck_assert_int_eq(
        sla_domain(a, SLA_DISPATCHED_NO_MILESTONE, "2026-11-25 10:00:00"),
        LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a),
                     "[[\"x_lgx_shipment_status\",\"in\",[\"dispatched\"]],"
                     "[\"state\",\"!=\",\"cancel\"],"
                     "\"|\",[\"x_lgx_milestone\",\"=\",false],"
                     "[\"x_lgx_milestone\",\"!=\",\"DELIVERED\"],"
                     "\"|\",[\"x_lgx_milestone_at\",\"=\",false],"
                     "[\"x_lgx_milestone_at\",\"<\",\"2026-11-25 10:00:00\"],"
                     "\"|\",[\"x_lgx_dispatched_at\",\"=\",false],"
                     "[\"x_lgx_dispatched_at\",\"<\",\"2026-11-25 10:00:00\"],"
                     "\"|\",[\"x_lgx_milestone_at\",\"!=\",false],"
                     "[\"x_lgx_dispatched_at\",\"!=\",false]]");
    yajl_tree_free(parse(lgx_buf_data(a)));
}
END_TEST

START_TEST(test_domain_no_pod)
{
    ck_assert_int_eq(sla_domain(a, SLA_DELIVERED_NO_POD, "2026-11-26 10:00:00"),
                     LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a),
                     "[[\"x_lgx_shipment_status\",\"in\",[\"dispatched\"]],"
                     "[\"state\",\"!=\",\"cancel\"],"
                     "[\"x_lgx_milestone\",\"=\",\"DELIVERED\"],"
                     "[\"x_lgx_milestone_at\",\"<\",\"2026-11-26 10:00:00\"],"
                     "[\"x_lgx_delivered_at\",\"=\",false]]");
    yajl_tree_free(parse(lgx_buf_data(a)));
}
END_TEST

START_TEST(test_domain_resets_and_refuses_unknown_kind)
{
    ck_assert_int_eq(lgx_buf_puts(a, "junk"), LGX_OK);
    ck_assert_int_eq(sla_domain(a, SLA_DELIVERED_NO_POD, "x"), LGX_OK);
    ck_assert_int_eq(lgx_buf_data(a)[0], '[');
    ck_assert_int_eq(sla_domain(a, SLA_KINDS, "x"), LGX_ERR_INVALID);
}
END_TEST

START_TEST(test_fields_and_order_are_json_and_named)
{
    yajl_tree_free(parse(sla_fields()));
    ck_assert_str_eq(sla_kind_name(SLA_BOOKED_NOT_DISPATCHED),
                     "booked_not_dispatched");
    ck_assert_str_eq(sla_kind_name(SLA_DISPATCHED_NO_MILESTONE),
                     "dispatched_no_milestone");
    ck_assert_str_eq(sla_kind_name(SLA_DELIVERED_NO_POD), "delivered_no_pod");
    ck_assert_ptr_nonnull(
        strstr(sla_order(SLA_BOOKED_NOT_DISPATCHED), "x_lgx_booked_at desc"));
    /* One summary per kind, distinct: one open activity per kind. */
    ck_assert_str_ne(sla_kind_summary(SLA_BOOKED_NOT_DISPATCHED),
                     sla_kind_summary(SLA_DISPATCHED_NO_MILESTONE));
    ck_assert_str_ne(sla_kind_summary(SLA_DISPATCHED_NO_MILESTONE),
                     sla_kind_summary(SLA_DELIVERED_NO_POD));
}
END_TEST

/* ---- since when ---- */

START_TEST(test_since)
{
    yajl_val r = parse("{\"id\":7,\"name\":\"WH/OUT/00007\","
                       "\"x_lgx_booked_at\":\"2026-11-26 08:00:00\","
                       "\"x_lgx_dispatched_at\":\"2026-11-26 12:00:00\","
                       "\"x_lgx_milestone_at\":\"2026-11-26 11:00:00\"}");
    ck_assert_int_eq(sla_since(SLA_BOOKED_NOT_DISPATCHED, r),
                     T10 - 500 - 26 * HOUR);
    /* The later of milestone and dispatch. */
    ck_assert_int_eq(sla_since(SLA_DISPATCHED_NO_MILESTONE, r),
                     T10 - 500 - 22 * HOUR);
    ck_assert_int_eq(sla_since(SLA_DELIVERED_NO_POD, r), T10 - 500 - 23 * HOUR);
    yajl_tree_free(r);
    r = parse("{\"id\":8,\"x_lgx_booked_at\":false,"
              "\"x_lgx_dispatched_at\":\"2026-11-26 12:00:00\","
              "\"x_lgx_milestone_at\":false}");
    ck_assert_int_eq(sla_since(SLA_BOOKED_NOT_DISPATCHED, r), -1);
    ck_assert_int_eq(sla_since(SLA_DISPATCHED_NO_MILESTONE, r),
                     T10 - 500 - 22 * HOUR);
    ck_assert_int_eq(sla_since(SLA_DELIVERED_NO_POD, r), -1);
    yajl_tree_free(r);
}
END_TEST

START_TEST(test_parse_odoo_time)
{
    int64_t ms = 0;
    ck_assert(lgx_time_parse_odoo("2026-11-27 10:00:00", &ms));
    ck_assert_int_eq(ms, T10 - 500);
    ck_assert(!lgx_time_parse_odoo("2026-11-27T10:00:00", &ms));
    ck_assert(!lgx_time_parse_odoo("2026-11-27", &ms));
    ck_assert(!lgx_time_parse_odoo(NULL, &ms));
}
END_TEST

/* ---- texts ---- */

static sla_breach_t booked_breach(void)
{
    sla_breach_t b = {SLA_BOOKED_NOT_DISPATCHED,
                      12,
                      "WH/OUT/00012",
                      "SHP-1",
                      T10 - 500 - 26 * HOUR - HOUR / 2,
                      T10,
                      24,
                      0};
    return b;
}

START_TEST(test_message)
{
    sla_breach_t b = booked_breach();
    ck_assert_int_eq(sla_message(a, &b), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a),
                     "WH/OUT/00012 (shipment SHP-1): booked 2026-11-26 "
                     "07:30:00 UTC, not dispatched after 26.5 h (threshold "
                     "24 h)");
    b.kind = SLA_DELIVERED_NO_POD;
    b.shipment = NULL;
    ck_assert_int_eq(sla_message(a, &b), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a),
                     "WH/OUT/00012: delivered 2026-11-26 07:30:00 UTC by the "
                     "carrier's word, no proof of delivery after 26.5 h "
                     "(threshold 24 h)");
    ck_assert_int_eq(sla_activity_text(a, &b), LGX_OK);
    ck_assert_ptr_nonnull(strstr(lgx_buf_data(a), "(threshold 24 h). Please"));
}
END_TEST

START_TEST(test_log_members)
{
    sla_breach_t b = booked_breach();
    ck_assert_int_eq(lgx_buf_puts(a, "{"), LGX_OK);
    ck_assert_int_eq(sla_log_members(a, &b), LGX_OK);
    ck_assert_int_eq(lgx_buf_puts(a, "}"), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(a),
                     "{\"sla_kind\":\"booked_not_dispatched\","
                     "\"picking\":\"WH/OUT/00012\",\"picking_id\":12,"
                     "\"shipment\":\"SHP-1\",\"since\":\"2026-11-26 "
                     "07:30:00\",\"age_h\":26.5001,\"hours_late\":2.5001,"
                     "\"threshold_h\":24}");
    yajl_val v = parse(lgx_buf_data(a));
    double late = 0;
    ck_assert(lgx_json_get_num(v, "hours_late", &late));
    ck_assert(late > 2.5 && late < 2.51);
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_members_escape_and_clamp)
{
    sla_breach_t b = booked_breach();
    b.picking = "WH/\"OUT\"";
    b.shipment = NULL;
    b.since_ms = T10 + HOUR; /* clock skew: not negative */
    b.threshold_h = 0.001;
    ck_assert_int_eq(lgx_buf_puts(a, "{"), LGX_OK);
    ck_assert_int_eq(sla_log_members(a, &b), LGX_OK);
    ck_assert_int_eq(lgx_buf_puts(a, "}"), LGX_OK);
    yajl_val v = parse(lgx_buf_data(a));
    ck_assert_str_eq(lgx_json_get_str(v, "picking"), "WH/\"OUT\"");
    ck_assert_ptr_null(lgx_json_get(v, "shipment"));
    double age = -1, late = -1, th = 0;
    ck_assert(lgx_json_get_num(v, "age_h", &age));
    ck_assert(lgx_json_get_num(v, "hours_late", &late));
    ck_assert(lgx_json_get_num(v, "threshold_h", &th));
    ck_assert(age == 0 && late == 0 && th == 0.001);
    yajl_tree_free(v);
}
END_TEST

/* ---- the set of reported pickings ---- */

START_TEST(test_seen_reports_once_per_breach)
{
    sla_seen_t *s = sla_seen_new(8);
    bool fresh[8];
    ck_assert_ptr_nonnull(s);
    int64_t first[] = {3, 1, 2};
    ck_assert_int_eq(sla_seen_update(s, first, 3, true, fresh), LGX_OK);
    ck_assert(fresh[0] && fresh[1] && fresh[2]);
    /* A second poll: 2 still in breach (not new), 4 new, 1 and 3 left. */
    int64_t second[] = {2, 4};
    ck_assert_int_eq(sla_seen_update(s, second, 2, true, fresh), LGX_OK);
    ck_assert(!fresh[0] && fresh[1]);
    ck_assert(!sla_seen_has(s, 1) && !sla_seen_has(s, 3));
    ck_assert_uint_eq(sla_seen_count(s), 2);
    /* 1 comes back: a new breach, reported again. */
    int64_t third[] = {1, 2, 4};
    ck_assert_int_eq(sla_seen_update(s, third, 3, true, fresh), LGX_OK);
    ck_assert(fresh[0] && !fresh[1] && !fresh[2]);
    /* Nothing in breach: all forgotten. */
    ck_assert_int_eq(sla_seen_update(s, NULL, 0, true, fresh), LGX_OK);
    ck_assert_uint_eq(sla_seen_count(s), 0);
    sla_seen_destroy(s);
}
END_TEST

START_TEST(test_seen_limited_read_keeps_the_others)
{
    sla_seen_t *s = sla_seen_new(4);
    bool fresh[4];
    int64_t first[] = {10, 11, 12};
    ck_assert_int_eq(sla_seen_update(s, first, 3, true, fresh), LGX_OK);
    /* The read was limited to 2: 10, 11, 12 may still be in breach. */
    int64_t second[] = {13, 12};
    ck_assert_int_eq(sla_seen_update(s, second, 2, false, fresh), LGX_OK);
    ck_assert(fresh[0] && !fresh[1]);
    /* Room for 4: 13, 12 and two of the others. */
    ck_assert_uint_eq(sla_seen_count(s), 4);
    ck_assert(sla_seen_has(s, 13) && sla_seen_has(s, 12));
    /* More than the room: refused, nothing changes. */
    int64_t many[] = {1, 2, 3, 4, 5};
    bool five[5];
    ck_assert_int_eq(sla_seen_update(s, many, 5, true, five), LGX_ERR_INVALID);
    ck_assert(sla_seen_has(s, 13));
    sla_seen_destroy(s);
}
END_TEST

START_TEST(test_seen_pending_activity)
{
    sla_seen_t *s = sla_seen_new(4);
    bool fresh[4];
    int64_t ids[] = {5, 6};
    ck_assert_int_eq(sla_seen_update(s, ids, 2, true, fresh), LGX_OK);
    ck_assert(sla_seen_pending(s, 5) && sla_seen_pending(s, 6));
    sla_seen_done(s, 5);
    ck_assert(!sla_seen_pending(s, 5));
    /* Kept across polls: 6 is tried again, 5 is not. */
    ck_assert_int_eq(sla_seen_update(s, ids, 2, true, fresh), LGX_OK);
    ck_assert(!fresh[0] && !fresh[1]);
    ck_assert(!sla_seen_pending(s, 5) && sla_seen_pending(s, 6));
    ck_assert(!sla_seen_pending(s, 99));
    sla_seen_done(s, 99);
    /* A new breach of 5 wants its activity again. */
    ck_assert_int_eq(sla_seen_update(s, NULL, 0, true, fresh), LGX_OK);
    ck_assert_int_eq(sla_seen_update(s, ids, 1, true, fresh), LGX_OK);
    ck_assert(fresh[0] && sla_seen_pending(s, 5));
    sla_seen_destroy(s);
    sla_seen_destroy(NULL);
}
END_TEST

Suite *sla_suite(void)
{
    Suite *s = suite_create("sla");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_parse_hours);
    tcase_add_test(core, test_cutoff);
    tcase_add_test(core, test_domain_booked);
    tcase_add_test(core, test_domain_no_milestone);
    tcase_add_test(core, test_domain_no_pod);
    tcase_add_test(core, test_fields_and_order_are_json_and_named);
    tcase_add_test(core, test_since);
    tcase_add_test(core, test_parse_odoo_time);
    tcase_add_test(core, test_message);
    tcase_add_test(core, test_log_members);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, test_parse_hours_refuses);
    tcase_add_test(limits, test_domain_resets_and_refuses_unknown_kind);
    tcase_add_test(limits, test_log_members_escape_and_clamp);
    suite_add_tcase(s, limits);
    TCase *seen = tcase_create("seen");
    tcase_add_test(seen, test_seen_reports_once_per_breach);
    tcase_add_test(seen, test_seen_limited_read_keeps_the_others);
    tcase_add_test(seen, test_seen_pending_activity);
    suite_add_tcase(s, seen);
    return s;
}
