/*
 * Unit tests for lgx_buf: appending, formatting, taking, and the JSON
 * string writer that every log line and Odoo request goes through.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"

Suite *buf_suite(void);

static lgx_buf_t *b;

static void setup(void)
{
    b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
}

static void teardown(void)
{
    lgx_buf_destroy(b);
    b = NULL;
}

/* Writes s (NUL-terminated) as a JSON string into a fresh buffer and
 * compares with want. */
static void json_is(const char *s, size_t len, const char *want)
{
    lgx_buf_reset(b);
    ck_assert_int_eq(lgx_buf_json_str(b, s, len), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), want);
    ck_assert_uint_eq(lgx_buf_len(b), strlen(want));
}

/* ---- core ---- */

START_TEST(test_buf_new_is_empty)
{
    ck_assert_uint_eq(lgx_buf_len(b), 0);
    ck_assert_ptr_nonnull(lgx_buf_data(b));
    ck_assert_str_eq(lgx_buf_data(b), "");
}
END_TEST

START_TEST(test_buf_append_body_stops_at_max)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_uint_eq(lgx_buf_append_body(b, "abcd", 4, 6), 4);
    ck_assert_uint_eq(lgx_buf_append_body(b, "ef", 2, 6), 2);
    /* One byte more than max in all: refused, the buffer as it was. */
    ck_assert_uint_eq(lgx_buf_append_body(b, "g", 1, 6), 0);
    ck_assert_str_eq(lgx_buf_data(b), "abcdef");
    lgx_buf_destroy(b);
}
END_TEST

START_TEST(test_buf_append_and_puts)
{
    ck_assert_int_eq(lgx_buf_puts(b, "WH/"), LGX_OK);
    ck_assert_int_eq(lgx_buf_append(b, "OUT/00007xyz", 9), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "WH/OUT/00007");
    ck_assert_uint_eq(lgx_buf_len(b), 12);
    ck_assert_int_eq(lgx_buf_append(b, "", 0), LGX_OK);
    ck_assert_uint_eq(lgx_buf_len(b), 12);
}
END_TEST

START_TEST(test_buf_append_binary)
{
    /* Embedded NULs count in the length; the data stays NUL-terminated
     * after them. */
    ck_assert_int_eq(lgx_buf_append(b, "a\0b", 3), LGX_OK);
    ck_assert_uint_eq(lgx_buf_len(b), 3);
    ck_assert_mem_eq(lgx_buf_data(b), "a\0b", 4);
}
END_TEST

START_TEST(test_buf_printf)
{
    ck_assert_int_eq(lgx_buf_printf(b, "%s=%d", "qty", 42), LGX_OK);
    ck_assert_int_eq(lgx_buf_printf(b, ",%lld", -7LL), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "qty=42,-7");
    ck_assert_uint_eq(lgx_buf_len(b), 9);
}
END_TEST

START_TEST(test_buf_reset_keeps_working)
{
    ck_assert_int_eq(lgx_buf_puts(b, "something"), LGX_OK);
    lgx_buf_reset(b);
    ck_assert_uint_eq(lgx_buf_len(b), 0);
    ck_assert_str_eq(lgx_buf_data(b), "");
    ck_assert_int_eq(lgx_buf_puts(b, "x"), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "x");
}
END_TEST

START_TEST(test_buf_take)
{
    ck_assert_int_eq(lgx_buf_puts(b, "taken"), LGX_OK);
    char *s = lgx_buf_take(b);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "taken");
    /* The buffer is empty and usable after a take. */
    ck_assert_uint_eq(lgx_buf_len(b), 0);
    ck_assert_str_eq(lgx_buf_data(b), "");
    ck_assert_int_eq(lgx_buf_puts(b, "again"), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "again");
    ck_assert_str_eq(s, "taken");
    free(s);
}
END_TEST

START_TEST(test_buf_destroy_null)
{
    lgx_buf_destroy(NULL);
    ck_assert_ptr_nonnull(b);
}
END_TEST

/* ---- json ---- */

START_TEST(test_buf_json_plain)
{
    json_is("WH/OUT/00007", 12, "\"WH/OUT/00007\"");
    json_is("", 0, "\"\"");
}
END_TEST

START_TEST(test_buf_json_quotes_backslashes)
{
    json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
}
END_TEST

START_TEST(test_buf_json_control_chars)
{
    json_is("l1\nl2\t\r\x01\x1f", 9,
            "\"l1\\u000al2\\u0009\\u000d\\u0001\\u001f\"");
}
END_TEST

START_TEST(test_buf_json_embedded_nul)
{
    /* len counts, not the NUL: a NUL inside is escaped, not a stop. */
    json_is("a\0b", 3, "\"a\\u0000b\"");
}
END_TEST

START_TEST(test_buf_json_len_bounds_input)
{
    json_is("abcdef", 3, "\"abc\"");
}
END_TEST

START_TEST(test_buf_json_valid_utf8_kept)
{
    /* e acute, euro sign, U+1F600: passed through unchanged. */
    const char *s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
    json_is(s, strlen(s), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    /* DEL and '/' need no escape. */
    json_is("/\x7f", 2, "\"/\x7f\"");
}
END_TEST

START_TEST(test_buf_json_invalid_utf8_replaced)
{
    /* A lone 0xFF, a lone continuation byte, a sequence cut by the end,
     * and an overlong two-byte form each become U+FFFD. */
    json_is("a\xFF"
            "b",
            3,
            "\"a\xEF\xBF\xBD"
            "b\"");
    json_is("\x80", 1, "\"\xEF\xBF\xBD\"");
    json_is("x\xC3", 2, "\"x\xEF\xBF\xBD\"");
    json_is("\xE2\x82", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
    json_is("\xC0\xAF", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
    json_is("\xF5\x80\x80\x80", 4,
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}
END_TEST

/* True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF). */
static bool utf8_strict(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c == 0xE0) {
            n = 3;
            lo = 0xA0;
        } else if (c == 0xED) {
            n = 3;
            hi = 0x9F;
        } else if (c >= 0xE1 && c <= 0xEF) {
            n = 3;
        } else if (c == 0xF0) {
            n = 4;
            lo = 0x90;
        } else if (c == 0xF4) {
            n = 4;
            hi = 0x8F;
        } else if (c >= 0xF1 && c <= 0xF3) {
            n = 4;
        } else {
            return false;
        }
        if (i + n > len || s[i + 1] < lo || s[i + 1] > hi) {
            return false;
        }
        for (size_t k = 2; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

START_TEST(test_buf_json_output_always_utf8)
{
    /* Every one- and two-byte input: the output is always well-formed
     * UTF-8, so that no JSON reader refuses it. */
    int failed = 0, first1 = -1, first2 = -1;
    for (int c1 = 0; c1 < 256; c1++) {
        for (int c2 = -1; c2 < 256; c2++) {
            char in[2] = {(char)c1, (char)c2};
            size_t n = c2 < 0 ? 1 : 2;
            lgx_buf_reset(b);
            if (lgx_buf_json_str(b, in, n) != LGX_OK ||
                !utf8_strict((const unsigned char *)lgx_buf_data(b),
                             lgx_buf_len(b))) {
                if (failed++ == 0) {
                    first1 = c1;
                    first2 = c2;
                }
            }
        }
    }
    ck_assert_msg(failed == 0, "%d inputs give invalid UTF-8, first %d %d",
                  failed, first1, first2);
}
END_TEST

START_TEST(test_buf_json_overlong_and_surrogates_replaced)
{
    /* Known bug: utf8_seq_len accepts three- and four-byte lead bytes
     * without checking the second byte's range, so overlong forms
     * (E0 80 AF), UTF-16 surrogates (ED A0 80) and code points above
     * U+10FFFF (F4 90 80 80) are copied verbatim; a strict reader (Python,
     * Odoo) refuses the resulting JSON. */
    static const char *bad[] = {"\xE0\x80\xAF", "\xED\xA0\x80",
                                "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lgx_buf_reset(b);
        ck_assert_int_eq(lgx_buf_json_str(b, bad[i], strlen(bad[i])), LGX_OK);
        ck_assert_msg(
            utf8_strict((const unsigned char *)lgx_buf_data(b), lgx_buf_len(b)),
            "case %zu copied invalid UTF-8 into JSON", i);
        ck_assert_ptr_nonnull(strstr(lgx_buf_data(b), "\xEF\xBF\xBD"));
    }
}
END_TEST

/* ---- limits ---- */

START_TEST(test_buf_grows_large)
{
    /* 1 MiB through appends of odd sizes. */
    char chunk[1000];
    for (size_t i = 0; i < sizeof(chunk); i++) {
        chunk[i] = (char)('a' + i % 26);
    }
    size_t total = 0;
    while (total < (1u << 20)) {
        size_t n = 1 + total % 997;
        ck_assert_int_eq(lgx_buf_append(b, chunk, n), LGX_OK);
        total += n;
    }
    ck_assert_uint_eq(lgx_buf_len(b), total);
    ck_assert_uint_eq(strlen(lgx_buf_data(b)), total);
    ck_assert_int_eq(lgx_buf_data(b)[0], 'a');
}
END_TEST

START_TEST(test_buf_printf_around_capacity)
{
    /* The first vsnprintf may not fit: the retry after growing must give
     * the same text, for every length around the initial capacity. */
    char pattern[600];
    for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
        pattern[i] = (char)('0' + i % 10);
    }
    pattern[sizeof(pattern) - 1] = '\0';
    for (int pre = 0; pre < 3; pre++) {
        for (int n = 240; n < 530; n++) {
            lgx_buf_t *fresh = lgx_buf_new();
            ck_assert_ptr_nonnull(fresh);
            ck_assert_int_eq(lgx_buf_append(fresh, "xyz", (size_t)pre), LGX_OK);
            ck_assert_int_eq(lgx_buf_printf(fresh, "%.*s|", n, pattern),
                             LGX_OK);
            ck_assert_uint_eq(lgx_buf_len(fresh), (size_t)pre + (size_t)n + 1);
            ck_assert_mem_eq(lgx_buf_data(fresh) + pre, pattern, (size_t)n);
            ck_assert_int_eq(lgx_buf_data(fresh)[pre + n], '|');
            ck_assert_int_eq(lgx_buf_data(fresh)[pre + n + 1], '\0');
            lgx_buf_destroy(fresh);
        }
    }
}
END_TEST

START_TEST(test_buf_printf_appends_after_growth)
{
    ck_assert_int_eq(lgx_buf_puts(b, "head:"), LGX_OK);
    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(lgx_buf_printf(b, "%03d,", i), LGX_OK);
    }
    ck_assert_uint_eq(lgx_buf_len(b), 5 + 200 * 4);
    ck_assert_mem_eq(lgx_buf_data(b), "head:000,001,", 13);
    ck_assert_str_eq(lgx_buf_data(b) + lgx_buf_len(b) - 4, "199,");
}
END_TEST

START_TEST(test_buf_json_long_escaped)
{
    /* 300 control characters: six output bytes each, past the initial
     * capacity several times over. */
    char in[300];
    memset(in, '\n', sizeof(in));
    ck_assert_int_eq(lgx_buf_json_str(b, in, sizeof(in)), LGX_OK);
    ck_assert_uint_eq(lgx_buf_len(b), 2 + 6 * sizeof(in));
    ck_assert_mem_eq(lgx_buf_data(b), "\"\\u000a\\u000a", 13);
}
END_TEST

START_TEST(test_buf_take_large)
{
    char big[5000];
    memset(big, 'q', sizeof(big));
    ck_assert_int_eq(lgx_buf_append(b, big, sizeof(big)), LGX_OK);
    char *s = lgx_buf_take(b);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(strlen(s), sizeof(big));
    free(s);
    ck_assert_uint_eq(lgx_buf_len(b), 0);
}
END_TEST

Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");

    TCase *tc_core = tcase_create("core");
    tcase_add_checked_fixture(tc_core, setup, teardown);
    tcase_add_test(tc_core, test_buf_new_is_empty);
    tcase_add_test(tc_core, test_buf_append_and_puts);
    tcase_add_test(tc_core, test_buf_append_body_stops_at_max);
    tcase_add_test(tc_core, test_buf_append_binary);
    tcase_add_test(tc_core, test_buf_printf);
    tcase_add_test(tc_core, test_buf_reset_keeps_working);
    tcase_add_test(tc_core, test_buf_take);
    tcase_add_test(tc_core, test_buf_destroy_null);
    suite_add_tcase(s, tc_core);

    TCase *tc_json = tcase_create("json");
    tcase_add_checked_fixture(tc_json, setup, teardown);
    tcase_add_test(tc_json, test_buf_json_plain);
    tcase_add_test(tc_json, test_buf_json_quotes_backslashes);
    tcase_add_test(tc_json, test_buf_json_control_chars);
    tcase_add_test(tc_json, test_buf_json_embedded_nul);
    tcase_add_test(tc_json, test_buf_json_len_bounds_input);
    tcase_add_test(tc_json, test_buf_json_valid_utf8_kept);
    tcase_add_test(tc_json, test_buf_json_invalid_utf8_replaced);
    tcase_add_test(tc_json, test_buf_json_output_always_utf8);
    tcase_add_test(tc_json, test_buf_json_overlong_and_surrogates_replaced);
    suite_add_tcase(s, tc_json);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_checked_fixture(tc_limits, setup, teardown);
    tcase_add_test(tc_limits, test_buf_grows_large);
    tcase_add_test(tc_limits, test_buf_printf_around_capacity);
    tcase_add_test(tc_limits, test_buf_printf_appends_after_growth);
    tcase_add_test(tc_limits, test_buf_json_long_escaped);
    tcase_add_test(tc_limits, test_buf_take_large);
    suite_add_tcase(s, tc_limits);

    return s;
}
