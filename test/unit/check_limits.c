#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_avro_json.h"
#include "lgx_avro_value.h"
#include "lgx_buf.h"

#define PICK "lgx.picks.PickConfirmed"

static lgx_avro_store_t *store;
static lgx_avro_decoder_t *dec;
static lgx_buf_t *msg;
static lgx_buf_t *json;

static void setup(void)
{
    char errstr[256];
    store = lgx_avro_store_load(LGX_SCHEMA_DIR, errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(store);
    dec = lgx_avro_decoder_new(store, PICK, errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(dec);
    msg = lgx_buf_new();
    json = lgx_buf_new();
}

static void teardown(void)
{
    lgx_buf_destroy(json);
    lgx_buf_destroy(msg);
    lgx_avro_decoder_destroy(dec);
    lgx_avro_store_destroy(store);
}

/* A pick with n lines whose product codes are code_len characters. */
static avro_value_t *pick(size_t n, size_t code_len)
{
    char code[2048];
    char errstr[256];
    memset(code, 'A', code_len);
    code[code_len] = '\0';
    lgx_buf_reset(json);
    ck_assert_int_eq(
        lgx_buf_puts(json, "{\"event_id\":\"e\",\"correlation_id\":\"c\","
                           "\"source_system\":\"wms-a\",\"occurred_at\":1,"
                           "\"schema_version\":2,\"picking_name\":\"WH/1\","
                           "\"is_complete\":true,\"lines\":["),
        LGX_OK);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(lgx_buf_printf(json,
                                        "%s{\"product_code\":\"%s\","
                                        "\"quantity\":1}",
                                        i ? "," : "", code),
                         LGX_OK);
    }
    ck_assert_int_eq(lgx_buf_puts(json, "]}"), LGX_OK);
    lgx_buf_reset(msg);
    ck_assert_int_eq(lgx_avro_encode_json(store,
                                          lgx_avro_store_latest(store, PICK),
                                          lgx_buf_data(json), lgx_buf_len(json),
                                          msg, errstr, sizeof(errstr)),
                     LGX_OK);
    avro_value_t *rec = NULL;
    int32_t wid;
    ck_assert_int_eq(lgx_avro_decode(dec, lgx_buf_data(msg), lgx_buf_len(msg),
                                     &rec, &wid, errstr, sizeof(errstr)),
                     LGX_OK);
    return rec;
}

START_TEST(test_limits_within)
{
    char errstr[256] = "";
    ck_assert_int_eq(lgx_avro_check_limits(pick(3, 10), 64, 1024, 10, errstr,
                                           sizeof(errstr)),
                     LGX_OK);
    ck_assert_int_eq(lgx_avro_check_limits(pick(10, 64), 64, 1024, 10, errstr,
                                           sizeof(errstr)),
                     LGX_OK);
}
END_TEST

START_TEST(test_limits_long_string_names_the_field)
{
    char errstr[256] = "";
    ck_assert_int_eq(lgx_avro_check_limits(pick(2, 65), 64, 1024, 10, errstr,
                                           sizeof(errstr)),
                     LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "lines[0].product_code"));
    ck_assert_ptr_nonnull(strstr(errstr, "65 bytes"));
}
END_TEST

START_TEST(test_limits_too_many_items)
{
    char errstr[256] = "";
    ck_assert_int_eq(lgx_avro_check_limits(pick(11, 5), 64, 1024, 10, errstr,
                                           sizeof(errstr)),
                     LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "lines holds 11 items"));
}
END_TEST

Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_limits_within);
    tcase_add_test(tc, test_limits_long_string_names_the_field);
    tcase_add_test(tc, test_limits_too_many_items);
    suite_add_tcase(s, tc);
    return s;
}
