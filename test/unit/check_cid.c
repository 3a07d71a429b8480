/*
 * Unit tests for lgx_cid: generating, validating and choosing the
 * correlation id of a business flow.
 */
#include <check.h>
#include <ctype.h>
#include <string.h>

#include "lgx_cid.h"

Suite *cid_suite(void);

/* True when s is a lowercase random (version 4) UUID. */
static bool is_uuid_v4(const char *s)
{
    if (strlen(s) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return false;
            }
        } else if (!isxdigit((unsigned char)s[i]) ||
                   isupper((unsigned char)s[i])) {
            return false;
        }
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* ---- core ---- */

START_TEST(test_cid_generate_is_uuid)
{
    char a[LGX_CID_MAX + 1];
    char b[LGX_CID_MAX + 1];
    lgx_cid_generate(a);
    lgx_cid_generate(b);
    ck_assert_msg(is_uuid_v4(a), "not a UUID v4: %s", a);
    ck_assert_msg(is_uuid_v4(b), "not a UUID v4: %s", b);
    ck_assert_str_ne(a, b);
    ck_assert(lgx_cid_valid(a, strlen(a)));
}
END_TEST

START_TEST(test_cid_valid_accepts)
{
    ck_assert(lgx_cid_valid("order-7", 7));
    ck_assert(lgx_cid_valid("x", 1));
    ck_assert(lgx_cid_valid("SO/2026/00042:pick#1", 20));
    ck_assert(lgx_cid_valid("!~", 2));
}
END_TEST

START_TEST(test_cid_valid_uses_len)
{
    /* Only len bytes count: the space after them does not. */
    ck_assert(lgx_cid_valid("abc def", 3));
    ck_assert(!lgx_cid_valid("abc def", 7));
}
END_TEST

START_TEST(test_cid_choose_header_first)
{
    char out[LGX_CID_MAX + 1];
    const char *src = lgx_cid_choose("hdr-1", 5, "evt-1", 5, out);
    ck_assert_str_eq(src, "header");
    ck_assert_str_eq(out, "hdr-1");
}
END_TEST

START_TEST(test_cid_choose_event_when_header_bad)
{
    char out[LGX_CID_MAX + 1];
    ck_assert_str_eq(lgx_cid_choose(NULL, 0, "evt-1", 5, out), "event");
    ck_assert_str_eq(out, "evt-1");
    ck_assert_str_eq(lgx_cid_choose("bad id", 6, "evt-2", 5, out), "event");
    ck_assert_str_eq(out, "evt-2");
    ck_assert_str_eq(lgx_cid_choose("", 0, "evt-3", 5, out), "event");
    ck_assert_str_eq(out, "evt-3");
}
END_TEST

START_TEST(test_cid_choose_generates)
{
    char out[LGX_CID_MAX + 1];
    ck_assert_str_eq(lgx_cid_choose(NULL, 0, NULL, 0, out), "generated");
    ck_assert(is_uuid_v4(out));
    ck_assert_str_eq(lgx_cid_choose("a\"b", 3, "c d", 3, out), "generated");
    ck_assert(is_uuid_v4(out));
}
END_TEST

START_TEST(test_cid_choose_not_terminated_input)
{
    /* Kafka header values are not NUL-terminated: exactly len bytes are
     * copied and terminated. */
    const char hdr[] = {'a', 'b', 'c', 'X', 'Y'};
    char out[LGX_CID_MAX + 1];
    memset(out, '#', sizeof(out));
    ck_assert_str_eq(lgx_cid_choose(hdr, 3, NULL, 0, out), "header");
    ck_assert_str_eq(out, "abc");
}
END_TEST

/* ---- errors ---- */

START_TEST(test_cid_valid_rejects)
{
    ck_assert(!lgx_cid_valid(NULL, 0));
    ck_assert(!lgx_cid_valid(NULL, 5));
    ck_assert(!lgx_cid_valid("", 0));
    ck_assert(!lgx_cid_valid("a b", 3));
    ck_assert(!lgx_cid_valid("a\"b", 3));
    ck_assert(!lgx_cid_valid("a\\b", 3));
    ck_assert(!lgx_cid_valid("a\tb", 3));
    ck_assert(!lgx_cid_valid("a\nb", 3));
    ck_assert(!lgx_cid_valid("a\x7f"
                             "b",
                             3));
    ck_assert(!lgx_cid_valid("caf\xC3\xA9", 5));
    ck_assert(!lgx_cid_valid("a\0b", 3));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_cid_valid_length_limit)
{
    char s[LGX_CID_MAX + 2];
    memset(s, 'k', sizeof(s));
    ck_assert(lgx_cid_valid(s, LGX_CID_MAX));
    ck_assert(!lgx_cid_valid(s, LGX_CID_MAX + 1));
}
END_TEST

START_TEST(test_cid_choose_longest_header)
{
    char s[LGX_CID_MAX + 1];
    memset(s, 'h', sizeof(s));
    char out[LGX_CID_MAX + 1];
    ck_assert_str_eq(lgx_cid_choose(s, LGX_CID_MAX, NULL, 0, out), "header");
    ck_assert_uint_eq(strlen(out), LGX_CID_MAX);
    /* One more byte is too long: the event's id is used instead. */
    ck_assert_str_eq(lgx_cid_choose(s, LGX_CID_MAX + 1, "evt", 3, out),
                     "event");
    ck_assert_str_eq(out, "evt");
}
END_TEST

START_TEST(test_cid_generate_unique_many)
{
    enum { N = 500 };
    static char ids[N][LGX_CID_MAX + 1];
    int bad = 0, dups = 0;
    for (int i = 0; i < N; i++) {
        lgx_cid_generate(ids[i]);
        bad += !is_uuid_v4(ids[i]);
    }
    for (int i = 0; i < N; i++) {
        for (int j = i + 1; j < N; j++) {
            dups += strcmp(ids[i], ids[j]) == 0;
        }
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(dups, 0);
}
END_TEST

Suite *cid_suite(void)
{
    Suite *s = suite_create("cid");

    TCase *tc_core = tcase_create("core");
    tcase_add_test(tc_core, test_cid_generate_is_uuid);
    tcase_add_test(tc_core, test_cid_valid_accepts);
    tcase_add_test(tc_core, test_cid_valid_uses_len);
    tcase_add_test(tc_core, test_cid_choose_header_first);
    tcase_add_test(tc_core, test_cid_choose_event_when_header_bad);
    tcase_add_test(tc_core, test_cid_choose_generates);
    tcase_add_test(tc_core, test_cid_choose_not_terminated_input);
    suite_add_tcase(s, tc_core);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_test(tc_errors, test_cid_valid_rejects);
    suite_add_tcase(s, tc_errors);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_test(tc_limits, test_cid_valid_length_limit);
    tcase_add_test(tc_limits, test_cid_choose_longest_header);
    tcase_add_test(tc_limits, test_cid_generate_unique_many);
    suite_add_tcase(s, tc_limits);

    return s;
}
