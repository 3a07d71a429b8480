/*
 * Unit tests for lgx_rules: timestamp governance (lgx_rules_check_time)
 * at the edges of the clock skew a rules file may set; one owner per
 * field and business method (the loader refuses overlaps); the shipped
 * rules file.
 */
#include <check.h>
#include <stdbool.h>
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

/* Two event types with the given sources, writes and calls (JSON arrays),
 * and an optional "shared" list; parsed. errstr gets the loader's message. */
static lgx_rules_t *two_rules(const char *src_a, const char *writes_a,
                              const char *calls_a, const char *src_b,
                              const char *writes_b, const char *calls_b,
                              const char *shared, char *errstr, size_t size)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{%s%s%s\"events\":{"
             "\"pick_confirmed\":{\"sources\":%s,\"writes\":%s,"
             "\"calls\":%s,\"apply_in\":[\"assigned\"]},"
             "\"shipment_dispatched\":{\"sources\":%s,\"writes\":%s,"
             "\"calls\":%s,\"apply_in\":[\"labelled\"]}}}",
             shared ? "\"shared\":" : "", shared ? shared : "",
             shared ? "," : "", src_a, writes_a, calls_a, src_b, writes_b,
             calls_b);
    errstr[0] = '\0';
    return lgx_rules_parse(json, strlen(json), errstr, size);
}

START_TEST(test_rules_owner_write_overlap_refused)
{
    /* The rule file of before: the pick and the dispatch both wrote what
     * was picked. */
    char err[512];
    lgx_rules_t *r = two_rules(
        "[\"wms-*\"]", "[\"stock.move.quantity\",\"stock.move.picked\"]", "[]",
        "[\"tms-*\"]", "[\"stock.move.quantity\"]", "[]", NULL, err,
        sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err, "events.pick_confirmed and "
                              "events.shipment_dispatched both write "
                              "'stock.move.quantity'") != NULL,
                  "%s", err);
    ck_assert_msg(strstr(err, "wms-*; tms-*") != NULL, "%s", err);
}
END_TEST

START_TEST(test_rules_owner_call_overlap_refused)
{
    char err[512];
    lgx_rules_t *r =
        two_rules("[\"wms-*\"]", "[]", "[\"stock.picking.button_validate\"]",
                  "[\"tms-*\"]", "[]", "[\"stock.picking.button_validate\"]",
                  NULL, err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err, "both call 'stock.picking.button_validate'") !=
                      NULL,
                  "%s", err);
}
END_TEST

START_TEST(test_rules_owner_same_family_and_shared_allowed)
{
    char err[512];
    /* One family (the same sources in another order) may share a field. */
    lgx_rules_t *r = two_rules("[\"tms-*\",\"x-*\"]",
                               "[\"stock.picking.x_lgx_shipment_status\"]",
                               "[]", "[\"x-*\",\"tms-*\"]",
                               "[\"stock.picking.x_lgx_shipment_status\"]",
                               "[]", NULL, err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    lgx_rules_destroy(r);
    /* Different families: only through "shared". */
    r = two_rules("[\"carrier-*\"]", "[]", "[\"mail.thread.message_post\"]",
                  "[\"driver-*\"]", "[]", "[\"mail.thread.message_post\"]",
                  NULL, err, sizeof(err));
    ck_assert_ptr_null(r);
    r = two_rules("[\"carrier-*\"]", "[]", "[\"mail.thread.message_post\"]",
                  "[\"driver-*\"]", "[]", "[\"mail.thread.message_post\"]",
                  "[\"mail.thread.message_post\"]", err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    lgx_rules_destroy(r);
}
END_TEST

START_TEST(test_rules_owner_warehouse_truth_never_shared)
{
    char err[512];
    const char *truth[] = {"[\"stock.move.quantity\"]",
                           "[\"stock.picking.button_validate\"]",
                           "[\"stock.backorder.confirmation.process\"]",
                           "[\"stock.move.line.lot_id\"]"};
    for (size_t i = 0; i < sizeof(truth) / sizeof(truth[0]); i++) {
        lgx_rules_t *r = two_rules("[\"wms-*\"]", "[]", "[]", "[\"tms-*\"]",
                                   "[]", "[]", truth[i], err, sizeof(err));
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(err, "cannot be shared") != NULL, "%s", err);
    }
}
END_TEST

/* One pick_confirmed rule with extra keys (JSON members, may be ""); a
 * shipment_booked rule when extra starts with "@". */
static lgx_rules_t *pick_rule(const char *extra, char *errstr, size_t size)
{
    char json[512];
    bool other = strstr(extra, "@") != NULL;
    snprintf(json, sizeof(json),
             "{\"events\":{\"%s\":{\"sources\":[\"wms-*\"],"
             "\"apply_in\":[\"%s\"]%s}}}",
             other ? "shipment_booked" : "pick_confirmed",
             other ? "none" : "assigned",
             other ? strchr(extra, '@') + 1 : extra);
    return lgx_rules_parse(json, strlen(json), errstr, size);
}

START_TEST(test_rules_create_lots)
{
    char errstr[256] = "";
    lgx_rules_t *r = pick_rule("", errstr, sizeof(errstr));
    ck_assert_msg(r != NULL, "%s", errstr);
    ck_assert(!lgx_rule_create_lots(lgx_rules_get(r, "pick_confirmed")));
    lgx_rules_destroy(r);
    r = pick_rule(",\"create_lots\":true,\"calls\":[\"stock.lot.create\"]",
                  errstr, sizeof(errstr));
    ck_assert_msg(r != NULL, "%s", errstr);
    ck_assert(lgx_rule_create_lots(lgx_rules_get(r, "pick_confirmed")));
    lgx_rules_destroy(r);
    /* Not a boolean; without the call it needs; on another event type. */
    ck_assert_ptr_null(pick_rule(",\"create_lots\":1", errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "create_lots"));
    ck_assert_ptr_null(
        pick_rule(",\"create_lots\":true", errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "stock.lot.create"));
    ck_assert_ptr_null(
        pick_rule("@,\"create_lots\":false", errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "only pick_confirmed"));
}
END_TEST

START_TEST(test_rules_shortage_policy)
{
    char errstr[256] = "";
    lgx_rules_t *r = pick_rule("", errstr, sizeof(errstr));
    const lgx_rule_t *rule = lgx_rules_get(r, "pick_confirmed");
    ck_assert_int_eq(lgx_rule_shortage(rule, "wms-a"), LGX_SHORTAGE_APPLY);
    lgx_rules_destroy(r);
    r = pick_rule(",\"shortage\":\"hold\"", errstr, sizeof(errstr));
    ck_assert_msg(r != NULL, "%s", errstr);
    rule = lgx_rules_get(r, "pick_confirmed");
    ck_assert_int_eq(lgx_rule_shortage(rule, "wms-a"), LGX_SHORTAGE_HOLD);
    lgx_rules_destroy(r);
    r = pick_rule(",\"shortage\":{\"wms-n*\":\"refuse\",\"wms-*\":\"hold\"}",
                  errstr, sizeof(errstr));
    ck_assert_msg(r != NULL, "%s", errstr);
    rule = lgx_rules_get(r, "pick_confirmed");
    ck_assert_int_eq(lgx_rule_shortage(rule, "wms-north"), LGX_SHORTAGE_REFUSE);
    ck_assert_int_eq(lgx_rule_shortage(rule, "wms-south"), LGX_SHORTAGE_HOLD);
    ck_assert_int_eq(lgx_rule_shortage(rule, "3pl-x"), LGX_SHORTAGE_APPLY);
    ck_assert_str_eq(lgx_shortage_name(LGX_SHORTAGE_REFUSE), "refuse");
    lgx_rules_destroy(r);
    /* A bad policy, named; on another event type. */
    ck_assert_ptr_null(pick_rule(",\"shortage\":{\"wms-*\":\"ignore\"}", errstr,
                                 sizeof(errstr)));
    ck_assert_msg(strstr(errstr, "shortage.wms-*") != NULL, "%s", errstr);
    ck_assert_ptr_null(pick_rule(",\"shortage\":3", errstr, sizeof(errstr)));
    ck_assert_ptr_null(
        pick_rule("@,\"shortage\":\"hold\"", errstr, sizeof(errstr)));
    ck_assert_msg(strstr(errstr, "only pick_confirmed") != NULL, "%s", errstr);
}
END_TEST

START_TEST(test_rules_shipped_file_one_owner)
{
    /* The shipped rules load, and in them the warehouse alone writes
     * quantities and validates. */
    char err[512] = "";
    lgx_rules_t *r = lgx_rules_load(LGX_RULES_FILE, err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    const char *const *t = lgx_rules_event_types;
    for (; *t; t++) {
        const lgx_rule_t *rule = lgx_rules_get(r, *t);
        ck_assert_ptr_nonnull(rule);
        bool warehouse = strcmp(*t, "pick_confirmed") == 0;
        ck_assert_int_eq(lgx_rule_may_write(rule, "stock.move", "quantity"),
                         warehouse);
        ck_assert_int_eq(
            lgx_rule_may_call(rule, "stock.picking", "button_validate"),
            warehouse);
    }
    lgx_rules_destroy(r);
}
END_TEST

/* Parses json, which must be refused; errstr gets the message. */
static void refused(const char *json, char *errstr, size_t size)
{
    errstr[0] = '\0';
    lgx_rules_t *r = lgx_rules_parse(json, strlen(json), errstr, size);
    ck_assert_msg(r == NULL, "accepted: %s", json);
}

#define PICK_RULE "{\"sources\":[\"wms-*\"],\"apply_in\":[\"assigned\"]}"

START_TEST(test_rules_top_level_key_named)
{
    /* Each said "unknown key or bad value": which of the two it is, and
     * what the key takes. */
    char err[512];
    refused("{\"clock_skew\":5,\"events\":{\"pick_confirmed\":" PICK_RULE "}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "clock_skew: unknown key (the top level has doc, "
                          "clock_skew_ms, shared and events)");
    refused("{\"clock_skew_ms\":\"5\",\"events\":{\"pick_confirmed\":" PICK_RULE
            "}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "clock_skew_ms: bad value: expected an integer "
                          ">= 0 (milliseconds)");
    refused("{\"clock_skew_ms\":-1,\"events\":{}}", err, sizeof(err));
    ck_assert_msg(strstr(err, "clock_skew_ms: bad value") == err, "%s", err);
    refused("{\"events\":[]}", err, sizeof(err));
    ck_assert_str_eq(err, "events: bad value: expected an object of event "
                          "types to their rules");
    refused("{\"doc\":\"x\"}", err, sizeof(err));
    ck_assert_msg(strstr(err, "events: missing") == err, "%s", err);
}
END_TEST

START_TEST(test_rules_nested_key_named)
{
    char err[512];
    refused("{\"events\":{\"pick_confirmed\":{\"sources\":[\"wms-*\"],"
            "\"apply_in\":[\"assigned\"],\"hold\":5}}}",
            err, sizeof(err));
    ck_assert_msg(strstr(err, "events.pick_confirmed.hold: unknown key (a "
                              "rule has doc, sources, ") == err,
                  "%s", err);
    refused("{\"events\":{\"pick_confirmed\":{\"sources\":[\"wms-*\"],"
            "\"apply_in\":[\"assigned\"],\"hold_ms\":\"1h\"}}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "events.pick_confirmed.hold_ms: bad value: "
                          "expected an integer >= 0");
    refused("{\"events\":{\"pick_confirmed\":{\"sources\":[\"wms-*\",3],"
            "\"apply_in\":[\"assigned\"]}}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "events.pick_confirmed.sources[1]: bad value: "
                          "expected a non-empty string");
    refused("{\"events\":{\"pick_confirmed\":{\"sources\":\"wms-*\","
            "\"apply_in\":[\"assigned\"]}}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "events.pick_confirmed.sources: bad value: "
                          "expected an array of strings");
    refused("{\"events\":{\"pick_confirmd\":" PICK_RULE "}}", err, sizeof(err));
    ck_assert_msg(strstr(err,
                         "events.pick_confirmd: unknown event type "
                         "(known: pick_confirmed, shipment_booked, ") == err,
                  "%s", err);
    refused("{\"events\":{\"pick_confirmed\":[]}}", err, sizeof(err));
    ck_assert_str_eq(err, "events.pick_confirmed: bad value: expected an "
                          "object (the rule)");
}
END_TEST

START_TEST(test_rules_unknown_status_refused)
{
    /* A typo in a status refused every event in the real one
     * (transition_not_allowed), with nothing said at start. */
    char err[512];
    refused("{\"events\":{\"pick_confirmed\":{\"sources\":[\"wms-*\"],"
            "\"apply_in\":[\"assigned\"],\"hold_in\":[\"drafts\"]}}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "events.pick_confirmed.hold_in[0]: 'drafts' is not "
                          "a status of pick_confirmed; its statuses are the "
                          "Odoo picking states draft, waiting, confirmed, "
                          "assigned, done and cancel");
    refused("{\"events\":{\"label_created\":{\"sources\":[\"tms-*\"],"
            "\"apply_in\":[\"booked\"],\"stale_in\":[\"labelled\","
            "\"canceled\"]}}}",
            err, sizeof(err));
    ck_assert_str_eq(err, "events.label_created.stale_in[1]: 'canceled' is "
                          "not a status of label_created; its statuses are "
                          "the shipment statuses (x_lgx_shipment_status) "
                          "none, booked, labelled, dispatched, delivered and "
                          "cancelled");
    /* A picking state is no shipment status. */
    refused("{\"events\":{\"shipment_booked\":" PICK_RULE "}}", err,
            sizeof(err));
    ck_assert_msg(strstr(err, "events.shipment_booked.apply_in[0]: "
                              "'assigned' is not a status") == err,
                  "%s", err);
}
END_TEST

START_TEST(test_rules_apply_in_text)
{
    char err[256] = "", text[128];
    lgx_rules_t *r = lgx_rules_load(LGX_RULES_FILE, err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    lgx_rule_apply_in_text(lgx_rules_get(r, "pick_confirmed"), text,
                           sizeof(text));
    ck_assert_str_eq(text, "waiting, confirmed, assigned or done");
    lgx_rule_apply_in_text(lgx_rules_get(r, "shipment_dispatched"), text,
                           sizeof(text));
    ck_assert_str_eq(text, "labelled");
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

    TCase *tc_owners = tcase_create("owners");
    tcase_add_test(tc_owners, test_rules_owner_write_overlap_refused);
    tcase_add_test(tc_owners, test_rules_owner_call_overlap_refused);
    tcase_add_test(tc_owners, test_rules_owner_same_family_and_shared_allowed);
    tcase_add_test(tc_owners, test_rules_owner_warehouse_truth_never_shared);
    tcase_add_test(tc_owners, test_rules_shipped_file_one_owner);
    tcase_add_test(tc_owners, test_rules_create_lots);
    tcase_add_test(tc_owners, test_rules_shortage_policy);
    suite_add_tcase(s, tc_owners);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_test(tc_errors, test_rules_top_level_key_named);
    tcase_add_test(tc_errors, test_rules_nested_key_named);
    tcase_add_test(tc_errors, test_rules_unknown_status_refused);
    tcase_add_test(tc_errors, test_rules_apply_in_text);
    suite_add_tcase(s, tc_errors);

    return s;
}
