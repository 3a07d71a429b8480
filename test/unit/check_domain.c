#include <check.h>
#include <string.h>

#include "lgx_domain.h"
#include "lgx_json.h"

static lgx_buf_t *buf;

static void setup(void)
{
    buf = lgx_buf_new();
}

static void teardown(void)
{
    lgx_buf_destroy(buf);
}

START_TEST(test_domain_conditions_and_lists)
{
    lgx_domain_t d;
    lgx_domain_start(&d, buf);
    lgx_domain_str(&d, "res_model", "=", "stock.picking");
    lgx_domain_in(&d, "res_id");
    lgx_domain_item_int(&d, 7);
    lgx_domain_item_int(&d, 9);
    lgx_domain_bool(&d, "internal", "=", true);
    lgx_domain_int(&d, "id", ">", -3);
    lgx_domain_json(&d, "move_id", "in", "[1,2]");
    ck_assert_int_eq(lgx_domain_end(&d), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(buf),
                     "[[\"res_model\",\"=\",\"stock.picking\"],"
                     "[\"res_id\",\"in\",[7,9]],[\"internal\",\"=\",true],"
                     "[\"id\",\">\",-3],[\"move_id\",\"in\",[1,2]]]");
}
END_TEST

START_TEST(test_domain_escapes_fields_and_values)
{
    /* A code from an event with a quote and a backslash stays one value:
     * the domain parses as JSON with the value unchanged. */
    const char *code = "SKU\"],[\"id\",\"!=\",0]\\";
    lgx_domain_t d;
    lgx_domain_start(&d, buf);
    lgx_domain_in(&d, "default_code");
    lgx_domain_item_str(&d, code);
    lgx_domain_item_str(&d, "B");
    ck_assert_int_eq(lgx_domain_end(&d), LGX_OK);
    char errbuf[128];
    yajl_val j = lgx_json_parse(lgx_buf_data(buf), lgx_buf_len(buf), errbuf,
                                sizeof(errbuf));
    ck_assert_msg(j != NULL, "%s: %s", errbuf, lgx_buf_data(buf));
    ck_assert_uint_eq(lgx_json_len(j), 1);
    yajl_val values = lgx_json_at(lgx_json_at(j, 0), 2);
    ck_assert_uint_eq(lgx_json_len(values), 2);
    ck_assert_str_eq(YAJL_GET_STRING(lgx_json_at(values, 0)), code);
    yajl_tree_free(j);
}
END_TEST

START_TEST(test_domain_prefix_operators_and_empty_lists)
{
    lgx_domain_t d;
    lgx_domain_start(&d, buf);
    lgx_domain_in(&d, "res_id");
    lgx_domain_op(&d, "|");
    lgx_domain_str(&d, "body", "ilike", "a");
    lgx_domain_str(&d, "body", "ilike", "b");
    lgx_domain_in(&d, "active");
    lgx_domain_item_bool(&d, true);
    lgx_domain_item_bool(&d, false);
    ck_assert_int_eq(lgx_domain_end(&d), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(buf),
                     "[[\"res_id\",\"in\",[]],\"|\","
                     "[\"body\",\"ilike\",\"a\"],[\"body\",\"ilike\",\"b\"],"
                     "[\"active\",\"in\",[true,false]]]");
    /* No buffer (an allocation that failed): nothing is written and the
     * end says so. */
    lgx_domain_t none;
    lgx_domain_start(&none, NULL);
    lgx_domain_str(&none, "name", "=", "x");
    lgx_domain_in(&none, "id");
    lgx_domain_item_int(&none, 1);
    ck_assert_int_eq(lgx_domain_end(&none), LGX_ERR_NOMEM);
    /* Started again, the buffer holds only the new domain. */
    lgx_domain_start(&d, buf);
    ck_assert_int_eq(lgx_domain_end(&d), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(buf), "[]");
}
END_TEST

Suite *domain_suite(void)
{
    Suite *s = suite_create("domain");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_domain_conditions_and_lists);
    tcase_add_test(tc, test_domain_escapes_fields_and_values);
    tcase_add_test(tc, test_domain_prefix_operators_and_empty_lists);
    suite_add_tcase(s, tc);
    return s;
}
