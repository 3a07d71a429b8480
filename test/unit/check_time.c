#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lgx_time.h"

typedef struct {
    const char *text;
    int64_t ms;
} parsed_t;

/* Each of n texts parses (with parse) to its ms. */
static void parses(lgx_err_t (*parse)(const char *, int64_t *),
                   const parsed_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t ms = -12345;
        ck_assert_msg(parse(cases[i].text, &ms) == LGX_OK, "refused '%s'",
                      cases[i].text);
        ck_assert_msg(ms == cases[i].ms, "'%s' read as %lld", cases[i].text,
                      (long long)ms);
    }
}

/* None of n texts parses (with parse). */
static void refuses(lgx_err_t (*parse)(const char *, int64_t *),
                    const char *const *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t ms = 0;
        ck_assert_msg(parse(bad[i], &ms) != LGX_OK, "accepted '%s' as %lld",
                      bad[i], (long long)ms);
    }
}

START_TEST(test_time_parse_either)
{
    static const parsed_t cases[] = {
        {"0", 0},
        {"1795773600250", 1795773600250LL},
        {"-1000", -1000},
        /* Anything else is read as ISO 8601. */
        {"2026-11-27T10:00:00.250Z", 1795773600250LL},
    };
    parses(lgx_time_parse, cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_time_parse_iso)
{
    static const parsed_t cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2000-01-01T00:00:00Z", 946684800000LL},
        {"2026-11-27T10:00:00Z", 1795773600000LL},
        {"2026-11-27T10:00:00.250Z", 1795773600250LL},
        /* Fewer or more digits of fraction: milliseconds, truncated. */
        {"2000-01-01T00:00:00.5Z", 946684800500LL},
        {"2000-01-01T00:00:00.123456Z", 946684800123LL},
        /* Before the epoch. */
        {"1969-12-31T23:59:59Z", -1000},
        /* Leap day. */
        {"2024-02-29T12:00:00Z", 1709208000000LL},
    };
    parses(lgx_time_parse_iso, cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_time_parse_iso_rejects)
{
    static const char *bad[] = {
        "",
        "2026-11-27",
        "2026-11-27T10:00:00",
        "2026-11-27T10:00:00+01:00",
        "2026-11-27 10:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-11-27T10:00:00Zjunk",
        "2026-11-27T10:00:00.250",
        "yesterday",
    };
    refuses(lgx_time_parse_iso, bad, sizeof(bad) / sizeof(bad[0]));
}
END_TEST

START_TEST(test_time_parse_iso_rejects_out_of_range_fields)
{
    /* Known bug: only the month is range-checked and field widths are
     * not, so timegm silently normalises impossible dates into other
     * instants (Feb 30 -> Mar 2) and "10:0:000Z" reads as 10:00:00. */
    static const char *bad[] = {
        "2026-02-30T00:00:00Z", "2026-11-32T00:00:00Z", "2026-11-27T24:00:01Z",
        "2026-11-27T10:60:00Z", "2026-11-27T10:00:61Z", "2026-11-27T10:0:000Z",
    };
    refuses(lgx_time_parse_iso, bad, sizeof(bad) / sizeof(bad[0]));
}
END_TEST

START_TEST(test_time_parse_rejects)
{
    static const char *bad[] = {
        "",
        "yesterday",
        "12x",
        "1e3",
        "2026-11-27",
        "2026-11-27T10:00:00",
        "2026-02-30T00:00:00Z",
        "2026-11-27 10:00:00Z",
    };
    refuses(lgx_time_parse, bad, sizeof(bad) / sizeof(bad[0]));
}
END_TEST

START_TEST(test_time_clocks)
{
    int64_t now = lgx_time_now_ms();
    /* Later than 2020-01-01 and earlier than 2200: the epoch clock. */
    ck_assert_int_gt(now, 1577836800000LL);
    ck_assert_int_lt(now, 7258118400000LL);
    int64_t a = lgx_time_mono_ms();
    int64_t b = lgx_time_mono_ms();
    ck_assert_int_ge(a, 0);
    ck_assert_int_ge(b, a);
}
END_TEST

START_TEST(test_time_odoo_clamped)
{
    /* Beyond year 9999 the text did not fit and was left unterminated. */
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {1795773600250LL, "2026-11-27 10:00:00"},
        {0, "1970-01-01 00:00:00"},
        {253402300799999LL, "9999-12-31 23:59:59"},
        {253402300800000LL, "9999-12-31 23:59:59"},
        {INT64_MAX, "9999-12-31 23:59:59"},
        {-62135596800000LL, "0001-01-01 00:00:00"},
        {INT64_MIN, "0001-01-01 00:00:00"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[20];
        memset(out, 'x', sizeof(out));
        lgx_time_odoo(cases[i].ms, out);
        ck_assert_msg(memchr(out, '\0', sizeof(out)) != NULL,
                      "%lld: not terminated", (long long)cases[i].ms);
        ck_assert_str_eq(out, cases[i].text);
    }
}
END_TEST

Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");
    tcase_add_test(core, test_time_parse_either);
    tcase_add_test(core, test_time_parse_iso);
    tcase_add_test(core, test_time_clocks);
    tcase_add_test(errors, test_time_parse_rejects);
    tcase_add_test(errors, test_time_parse_iso_rejects);
    tcase_add_test(errors, test_time_parse_iso_rejects_out_of_range_fields);
    tcase_add_test(errors, test_time_odoo_clamped);
    suite_add_tcase(s, core);
    suite_add_tcase(s, errors);
    return s;
}
