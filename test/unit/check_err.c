/*
 * Unit tests for lgx_err: names and the retriable / fatal split that
 * decides between retrying, dead-lettering and stopping.
 */
#include <check.h>
#include <string.h>

#include "lgx_err.h"

Suite *err_suite(void);

static const lgx_err_t all_errs[] = {
    LGX_OK,
    LGX_ERR_INVALID,
    LGX_ERR_NOMEM,
    LGX_ERR_IO,
    LGX_ERR_DECODE,
    LGX_ERR_SCHEMA,
    LGX_ERR_NOT_FOUND,
    LGX_ERR_KAFKA,
    LGX_ERR_KAFKA_ACCESS,
    LGX_ERR_KAFKA_FATAL,
    LGX_ERR_ODOO_AUTH,
    LGX_ERR_ODOO_ACCESS,
    LGX_ERR_ODOO_MISSING,
    LGX_ERR_ODOO_USER,
    LGX_ERR_ODOO_CONFIG,
    LGX_ERR_ODOO_RETRY,
    LGX_ERR_ODOO_UNKNOWN,
    LGX_ERR_ODOO_CONFLICT,
    LGX_ERR_HELP,
};
#define N_ERRS (sizeof(all_errs) / sizeof(all_errs[0]))

/* ---- core ---- */

START_TEST(test_err_ok_is_zero_errors_negative)
{
    ck_assert_int_eq(LGX_OK, 0);
    for (size_t i = 1; i < N_ERRS; i++) {
        ck_assert_int_lt(all_errs[i], 0);
    }
}
END_TEST

START_TEST(test_err_names)
{
    ck_assert_str_eq(lgx_err_name(LGX_OK), "ok");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_INVALID), "invalid");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_DECODE), "decode");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_SCHEMA), "schema");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_NOT_FOUND), "not_found");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_ODOO_AUTH), "odoo_auth");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_ODOO_MISSING), "odoo_missing");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_ODOO_RETRY), "odoo_retry");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_ODOO_UNKNOWN), "odoo_unknown");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_HELP), "help");
    ck_assert_str_eq(lgx_err_name(LGX_ERR_KAFKA_ACCESS), "kafka_access");
}
END_TEST

START_TEST(test_err_names_distinct)
{
    /* Every value has its own name: a log line must tell them apart. */
    for (size_t i = 0; i < N_ERRS; i++) {
        const char *a = lgx_err_name(all_errs[i]);
        ck_assert_ptr_nonnull(a);
        ck_assert_str_ne(a, "unknown_error");
        for (size_t j = i + 1; j < N_ERRS; j++) {
            ck_assert_str_ne(a, lgx_err_name(all_errs[j]));
        }
    }
}
END_TEST

START_TEST(test_err_retriable)
{
    ck_assert(lgx_err_retriable(LGX_ERR_ODOO_RETRY));
    ck_assert(lgx_err_retriable(LGX_ERR_ODOO_UNKNOWN));
    ck_assert(lgx_err_retriable(LGX_ERR_KAFKA));
    ck_assert(lgx_err_retriable(LGX_ERR_NOMEM));

    ck_assert(!lgx_err_retriable(LGX_OK));
    ck_assert(!lgx_err_retriable(LGX_ERR_ODOO_AUTH));
    ck_assert(!lgx_err_retriable(LGX_ERR_ODOO_CONFIG));
    ck_assert(!lgx_err_retriable(LGX_ERR_ODOO_USER));
    ck_assert(!lgx_err_retriable(LGX_ERR_ODOO_MISSING));
    ck_assert(!lgx_err_retriable(LGX_ERR_ODOO_ACCESS));
    ck_assert(!lgx_err_retriable(LGX_ERR_DECODE));
    ck_assert(!lgx_err_retriable(LGX_ERR_SCHEMA));
    ck_assert(!lgx_err_retriable(LGX_ERR_INVALID));
    ck_assert(!lgx_err_retriable(LGX_ERR_HELP));
}
END_TEST

START_TEST(test_err_fatal)
{
    ck_assert(lgx_err_fatal(LGX_ERR_ODOO_AUTH));
    ck_assert(lgx_err_fatal(LGX_ERR_ODOO_CONFIG));
    ck_assert(lgx_err_fatal(LGX_ERR_INVALID));
    ck_assert(lgx_err_fatal(LGX_ERR_KAFKA_FATAL));
    /* A missing ACL waits for its grant (or stops at start, by choice of
     * the caller): not fatal by itself. */
    ck_assert(!lgx_err_fatal(LGX_ERR_KAFKA_ACCESS));
    ck_assert(!lgx_err_retriable(LGX_ERR_KAFKA_ACCESS));

    ck_assert(!lgx_err_fatal(LGX_OK));
    ck_assert(!lgx_err_fatal(LGX_ERR_ODOO_RETRY));
    ck_assert(!lgx_err_fatal(LGX_ERR_ODOO_UNKNOWN));
    ck_assert(!lgx_err_fatal(LGX_ERR_ODOO_USER));
    ck_assert(!lgx_err_fatal(LGX_ERR_ODOO_MISSING));
    ck_assert(!lgx_err_fatal(LGX_ERR_ODOO_ACCESS));
    ck_assert(!lgx_err_fatal(LGX_ERR_DECODE));
    ck_assert(!lgx_err_fatal(LGX_ERR_KAFKA));
    ck_assert(!lgx_err_fatal(LGX_ERR_HELP));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_err_never_both_retriable_and_fatal)
{
    /* Retry and stop are exclusive decisions. */
    for (size_t i = 0; i < N_ERRS; i++) {
        ck_assert_msg(
            !(lgx_err_retriable(all_errs[i]) && lgx_err_fatal(all_errs[i])),
            "%s is both retriable and fatal", lgx_err_name(all_errs[i]));
    }
}
END_TEST

START_TEST(test_err_unknown_value_name)
{
    ck_assert_str_eq(lgx_err_name((lgx_err_t)-1000), "unknown_error");
    ck_assert_str_eq(lgx_err_name((lgx_err_t)7), "unknown_error");
    ck_assert(!lgx_err_retriable((lgx_err_t)-1000));
    ck_assert(!lgx_err_fatal((lgx_err_t)-1000));
}
END_TEST

Suite *err_suite(void)
{
    Suite *s = suite_create("err");

    TCase *tc_core = tcase_create("core");
    tcase_add_test(tc_core, test_err_ok_is_zero_errors_negative);
    tcase_add_test(tc_core, test_err_names);
    tcase_add_test(tc_core, test_err_names_distinct);
    tcase_add_test(tc_core, test_err_retriable);
    tcase_add_test(tc_core, test_err_fatal);
    suite_add_tcase(s, tc_core);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_test(tc_limits, test_err_never_both_retriable_and_fatal);
    tcase_add_test(tc_limits, test_err_unknown_value_name);
    suite_add_tcase(s, tc_limits);

    return s;
}
