/*
 * Unit tests for lgx_rules: timestamp governance (lgx_rules_check_time)
 * at the edges of the clock skew a rules file may set; one owner per
 * field and business method (the loader refuses overlaps); the shipped
 * rules file; the partners' codes mapped per source (mapping).
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lgx_buf.h"
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

/* Rules with one pick rule and the given "mapping" (JSON text). */
static lgx_rules_t *mapped(const char *mapping, char *errstr, size_t size)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"events\":{\"pick_confirmed\":{\"sources\":[\"wms-*\"],"
             "\"apply_in\":[\"assigned\"]}},\"mapping\":%s}",
             mapping);
    errstr[0] = '\0';
    return lgx_rules_parse(json, strlen(json), errstr, size);
}

/* lgx_rules_map's value, "=NOT_FOUND@<pattern>" when unmapped, or
 * "=INVALID". */
static const char *map(const lgx_rules_t *r, const char *source,
                       const char *kind, const char *code)
{
    static char text[256];
    const char *out = "x", *pattern = "x";
    lgx_err_t err = lgx_rules_map(r, source, kind, code, &out, &pattern);
    if (err == LGX_ERR_NOT_FOUND) {
        ck_assert_ptr_null(out);
        snprintf(text, sizeof(text), "=NOT_FOUND@%s", pattern);
        return text;
    }
    if (err == LGX_ERR_INVALID) {
        ck_assert_ptr_null(out);
        return "=INVALID";
    }
    ck_assert_int_eq(err, LGX_OK);
    return out;
}

static const char *const partner_mapping =
    "{\"tms-shipit\":{\"carriers\":{\"ups\":\"UPS Ground\"}},"
    "\"tms-*\":{\"doc\":\"the transport platform\","
    "\"carriers\":{\"dhl\":\"DHL Express\",\"gls\":\"GLS Parcel\"}},"
    "\"wms-north\":{\"products\":{\"A-1\":\"SKU-1001\"},"
    "\"product_field\":\"barcode\",\"units\":{\"BX12\":\"Box of 12\"},"
    "\"warehouses\":{\"N\":\"WH\"}},"
    "\"wms-*\":{\"units\":{}}}";

/* The rules of partner_mapping, for the tests of a case. */
static lgx_rules_t *partner;

static void partner_setup(void)
{
    char err[512];
    partner = mapped(partner_mapping, err, sizeof(err));
    ck_assert_msg(partner != NULL, "%s", err);
}

static void partner_teardown(void)
{
    lgx_rules_destroy(partner);
    partner = NULL;
}

START_TEST(test_rules_mapping_maps_codes)
{
    const lgx_rules_t *r = partner;
    ck_assert_str_eq(map(r, "tms-fast", "carriers", "dhl"), "DHL Express");
    ck_assert_str_eq(map(r, "tms-fast", "carriers", "gls"), "GLS Parcel");
    ck_assert_str_eq(map(r, "wms-north", "products", "A-1"), "SKU-1001");
    ck_assert_str_eq(map(r, "wms-north", "units", "BX12"), "Box of 12");
    ck_assert_str_eq(map(r, "wms-north", "warehouses", "N"), "WH");
    const char *out = NULL, *pattern = NULL;
    ck_assert_int_eq(
        lgx_rules_map(r, "tms-fast", "carriers", "dhl", &out, NULL), LGX_OK);
    ck_assert_int_eq(
        lgx_rules_map(r, "tms-fast", "carriers", "dhl", &out, &pattern),
        LGX_OK);
    ck_assert_str_eq(pattern, "tms-*");
}
END_TEST

START_TEST(test_rules_mapping_first_pattern_wins)
{
    /* tms-shipit matches both "tms-shipit" and "tms-*": the first in the
     * file is its section, and it does not map dhl. */
    const lgx_rules_t *r = partner;
    ck_assert_str_eq(map(r, "tms-shipit", "carriers", "ups"), "UPS Ground");
    ck_assert_str_eq(map(r, "tms-shipit", "carriers", "dhl"),
                     "=NOT_FOUND@tms-shipit");
    ck_assert_str_eq(map(r, "tms-other", "carriers", "ups"),
                     "=NOT_FOUND@tms-*");
    /* wms-north's section, not wms-*'s empty units. */
    ck_assert_str_eq(map(r, "wms-north", "units", "BX12"), "Box of 12");
}
END_TEST

START_TEST(test_rules_mapping_pass_through)
{
    const lgx_rules_t *r = partner;
    /* No section matches the source (or there is none). */
    ck_assert_str_eq(map(r, "carrier-dhl", "carriers", "dhl"), "dhl");
    ck_assert_str_eq(map(r, NULL, "products", "A-1"), "A-1");
    const char *out = NULL, *pattern = "x";
    ck_assert_int_eq(
        lgx_rules_map(r, "3pl-east", "units", "BX12", &out, &pattern), LGX_OK);
    ck_assert_ptr_null(pattern);
    /* The section maps no code of that kind. */
    ck_assert_str_eq(map(r, "tms-fast", "products", "A-1"), "A-1");
    ck_assert_str_eq(map(r, "wms-north", "carriers", "dhl"), "dhl");
    ck_assert_int_eq(
        lgx_rules_map(r, "tms-fast", "units", "BX12", &out, &pattern), LGX_OK);
    ck_assert_str_eq(pattern, "tms-*");
    /* Rules without a mapping section, as the shipped file. */
    char err[512] = "";
    lgx_rules_t *shipped = lgx_rules_load(LGX_RULES_FILE, err, sizeof(err));
    ck_assert_msg(shipped != NULL, "%s", err);
    ck_assert_str_eq(
        map(shipped, "tms-shipit", "carriers", "Standard delivery"),
        "Standard delivery");
    ck_assert_str_eq(lgx_rules_product_field(shipped, "wms-north"),
                     "default_code");
    lgx_rules_destroy(shipped);
}
END_TEST

START_TEST(test_rules_mapping_unmapped)
{
    const lgx_rules_t *r = partner;
    ck_assert_str_eq(map(r, "tms-fast", "carriers", "fedex"),
                     "=NOT_FOUND@tms-*");
    ck_assert_str_eq(map(r, "wms-north", "products", "A-2"),
                     "=NOT_FOUND@wms-north");
    ck_assert_str_eq(map(r, "wms-north", "warehouses", "S"),
                     "=NOT_FOUND@wms-north");
    /* An empty map maps the kind: every code of it is unmapped. */
    ck_assert_str_eq(map(r, "wms-south", "units", "BX12"), "=NOT_FOUND@wms-*");
    /* Codes are compared exactly. */
    ck_assert_str_eq(map(r, "tms-fast", "carriers", "DHL"), "=NOT_FOUND@tms-*");
    /* A kind the rules do not know. */
    ck_assert_str_eq(map(r, "tms-fast", "vehicles", "dhl"), "=INVALID");
}
END_TEST

START_TEST(test_rules_mapping_product_field)
{
    const lgx_rules_t *p = partner;
    ck_assert_str_eq(lgx_rules_product_field(p, "wms-north"), "barcode");
    ck_assert_str_eq(lgx_rules_product_field(p, "wms-south"), "default_code");
    ck_assert_str_eq(lgx_rules_product_field(p, "3pl-east"), "default_code");
    ck_assert_str_eq(lgx_rules_product_field(p, NULL), "default_code");
    char err[512];
    lgx_rules_t *r = mapped("{\"wms-*\":{\"product_field\":\"default_code\"}}",
                            err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    ck_assert_str_eq(lgx_rules_product_field(r, "wms-north"), "default_code");
    lgx_rules_destroy(r);
}
END_TEST

START_TEST(test_rules_mapping_errors_name_the_path)
{
    static const char *const cases[][2] = {
        {"{\"tms-*\":{\"carrierz\":{}}}",
         "mapping.tms-*.carrierz: unknown key"},
        {"{\"wms-*\":{\"products\":{\"SKU-1\":\"\"}}}",
         "mapping.wms-*.products.SKU-1: expected a non-empty string"},
        {"{\"wms-*\":{\"products\":{\"SKU-1\":7}}}",
         "mapping.wms-*.products.SKU-1: expected a non-empty string"},
        {"{\"wms-*\":{\"units\":[\"BX12\"]}}",
         "mapping.wms-*.units: expected an object"},
        {"{\"wms-*\":{\"warehouses\":{\"\":\"WH\"}}}",
         "mapping.wms-*.warehouses: a code must not be empty"},
        {"{\"wms-*\":{\"product_field\":\"name\"}}",
         "mapping.wms-*.product_field: expected \"default_code\" or "
         "\"barcode\""},
        {"{\"wms-*\":{\"units\":{\"BX\":\"Box\",\"BX\":\"Crate\"}}}",
         "mapping.wms-*.units.BX: given twice"},
        {"{\"wms-*\":{\"units\":{},\"units\":{}}}",
         "mapping.wms-*.units: given twice"},
        {"{\"wms-*\":{},\"wms-*\":{}}", "mapping.wms-*: given twice"},
        {"{\"wms-*\":\"carriers\"}", "mapping.wms-*: expected an object"},
        {"{\"\":{}}", "mapping: a source pattern must not be empty"},
        {"[]", "mapping: expected an object"},
    };
    char err[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lgx_rules_t *r = mapped(cases[i][0], err, sizeof(err));
        ck_assert_msg(r == NULL, "%s was taken", cases[i][0]);
        ck_assert_msg(strstr(err, cases[i][1]) != NULL, "%s: %s", cases[i][0],
                      err);
    }
}
END_TEST

/* A rules file whose wms-* section maps n products P<i> -> ODOO-<i>. */
static lgx_buf_t *big_mapping(size_t n)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
    lgx_err_t err = lgx_buf_puts(
        b, "{\"events\":{\"pick_confirmed\":{\"sources\":[\"wms-*\"],"
           "\"apply_in\":[\"assigned\"]}},\"mapping\":{\"wms-*\":"
           "{\"products\":{");
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        err = lgx_buf_printf(b, "%s\"P%07zu\":\"ODOO-%zu\"", i ? "," : "",
                             (n - i) * 7919 % n, i);
    }
    ck_assert_int_eq(err, LGX_OK);
    ck_assert_int_eq(lgx_buf_puts(b, "}}}}"), LGX_OK);
    return b;
}

START_TEST(test_rules_mapping_big_map_bounded)
{
    /* The most codes a map may hold, read from a file larger than 1 MiB
     * (the old limit of a rules file), in no particular order. */
    size_t n = LGX_RULES_MAP_MAX;
    lgx_buf_t *b = big_mapping(n);
    ck_assert_uint_gt(lgx_buf_len(b), 1u << 20);
    char path[] = "/tmp/check_rules.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, lgx_buf_data(b), lgx_buf_len(b)),
                     (ssize_t)lgx_buf_len(b));
    close(fd);
    char err[512] = "";
    lgx_rules_t *r = lgx_rules_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(r != NULL, "%s", err);
    /* Entry i maps P<(n - i) * 7919 % n> to ODOO-<i>. */
    size_t probes[] = {0, 1, n / 2, n - 1};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        char code[32], want[32];
        snprintf(code, sizeof(code), "P%07zu", (n - probes[i]) * 7919 % n);
        snprintf(want, sizeof(want), "ODOO-%zu", probes[i]);
        ck_assert_str_eq(map(r, "wms-north", "products", code), want);
    }
    ck_assert_str_eq(map(r, "wms-north", "products", "P9999999"),
                     "=NOT_FOUND@wms-*");
    ck_assert_str_eq(map(r, "wms-north", "products", "P"), "=NOT_FOUND@wms-*");
    lgx_rules_destroy(r);
    lgx_buf_destroy(b);
    /* One more is refused, naming the map. */
    b = big_mapping(n + 1);
    r = lgx_rules_parse(lgx_buf_data(b), lgx_buf_len(b), err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err, "mapping.wms-*.products: expected an object of "
                              "at most 100000 codes, not 100001") != NULL,
                  "%s", err);
    lgx_buf_destroy(b);
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
                          "clock_skew_ms, shared, mapping and events)");
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
                          "none, booked, labelled, dispatched, delivered, "
                          "cancelled and picking_cancelled");
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

    TCase *tc_mapping = tcase_create("mapping");
    tcase_add_checked_fixture(tc_mapping, partner_setup, partner_teardown);
    tcase_add_test(tc_mapping, test_rules_mapping_maps_codes);
    tcase_add_test(tc_mapping, test_rules_mapping_first_pattern_wins);
    tcase_add_test(tc_mapping, test_rules_mapping_pass_through);
    tcase_add_test(tc_mapping, test_rules_mapping_unmapped);
    tcase_add_test(tc_mapping, test_rules_mapping_product_field);
    suite_add_tcase(s, tc_mapping);

    TCase *tc_mapping_errors = tcase_create("mapping errors and limits");
    tcase_add_test(tc_mapping_errors, test_rules_mapping_errors_name_the_path);
    tcase_add_test(tc_mapping_errors, test_rules_mapping_big_map_bounded);
    suite_add_tcase(s, tc_mapping_errors);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_test(tc_errors, test_rules_top_level_key_named);
    tcase_add_test(tc_errors, test_rules_nested_key_named);
    tcase_add_test(tc_errors, test_rules_unknown_status_refused);
    tcase_add_test(tc_errors, test_rules_apply_in_text);
    suite_add_tcase(s, tc_errors);

    return s;
}
