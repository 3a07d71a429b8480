/*
 * Unit tests for lgx_json: typed getters over yajl trees, Odoo many2one
 * ids, parsing of unterminated text (the same trees as yajl_tree_parse,
 * in linear time), and writing a tree back as JSON.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_json.h"

Suite *json_suite(void);

static yajl_val doc;

/* A search_read answer as Odoo 19 gives it. */
static const char picking_json[] =
    "{\"id\":7,\"name\":\"WH/OUT/00007\",\"state\":\"assigned\","
    "\"carrier_id\":[3,\"DHL Express\"],\"partner_id\":false,"
    "\"weight\":12.5,\"move_ids\":[12,13,14],\"origin\":null,"
    "\"note\":\"\",\"big\":9007199254740993}";

static yajl_val parse(const char *text)
{
    char errstr[256];
    yajl_val v = lgx_json_parse(text, strlen(text), errstr, sizeof(errstr));
    ck_assert_msg(v != NULL, "parse failed: %s", errstr);
    return v;
}

static void setup(void)
{
    doc = parse(picking_json);
}

static void teardown(void)
{
    yajl_tree_free(doc);
    doc = NULL;
}

/* Writes v and compares with want. */
static void written_is(yajl_val v, const char *want)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lgx_json_write(b, v), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), want);
    lgx_buf_destroy(b);
}

/* ---- core ---- */

START_TEST(test_json_get_str)
{
    ck_assert_str_eq(lgx_json_get_str(doc, "name"), "WH/OUT/00007");
    ck_assert_str_eq(lgx_json_get_str(doc, "note"), "");
    /* Present but not a string. */
    ck_assert_ptr_null(lgx_json_get_str(doc, "id"));
    ck_assert_ptr_null(lgx_json_get_str(doc, "origin"));
    ck_assert_ptr_null(lgx_json_get_str(doc, "partner_id"));
    /* Missing. */
    ck_assert_ptr_null(lgx_json_get_str(doc, "nope"));
}
END_TEST

START_TEST(test_json_get)
{
    yajl_val v = lgx_json_get(doc, "origin");
    ck_assert_ptr_nonnull(v);
    ck_assert(YAJL_IS_NULL(v));
    ck_assert(YAJL_IS_FALSE(lgx_json_get(doc, "partner_id")));
    ck_assert_ptr_null(lgx_json_get(doc, "Name"));
    /* Not an object, or no node at all. */
    ck_assert_ptr_null(lgx_json_get(lgx_json_get(doc, "move_ids"), "0"));
    ck_assert_ptr_null(lgx_json_get(NULL, "name"));
    ck_assert_ptr_null(lgx_json_get_str(NULL, "name"));
}
END_TEST

START_TEST(test_json_get_int)
{
    int64_t n = -1;
    ck_assert(lgx_json_get_int(doc, "id", &n));
    ck_assert_int_eq(n, 7);
    ck_assert(lgx_json_get_int(doc, "big", &n));
    ck_assert_int_eq(n, 9007199254740993LL);
    /* A double, a string, false, missing: no, and *out untouched. */
    n = 99;
    ck_assert(!lgx_json_get_int(doc, "weight", &n));
    ck_assert(!lgx_json_get_int(doc, "name", &n));
    ck_assert(!lgx_json_get_int(doc, "partner_id", &n));
    ck_assert(!lgx_json_get_int(doc, "nope", &n));
    ck_assert(!lgx_json_get_int(NULL, "id", &n));
    ck_assert_int_eq(n, 99);
}
END_TEST

START_TEST(test_json_get_num)
{
    double d = -1;
    ck_assert(lgx_json_get_num(doc, "weight", &d));
    ck_assert_double_eq(d, 12.5);
    ck_assert(lgx_json_get_num(doc, "id", &d));
    ck_assert_double_eq(d, 7.0);
    d = 42;
    ck_assert(!lgx_json_get_num(doc, "name", &d));
    ck_assert(!lgx_json_get_num(doc, "origin", &d));
    ck_assert(!lgx_json_get_num(doc, "nope", &d));
    ck_assert_double_eq(d, 42);
}
END_TEST

START_TEST(test_json_array_access)
{
    yajl_val ids = lgx_json_get(doc, "move_ids");
    ck_assert_uint_eq(lgx_json_len(ids), 3);
    ck_assert_int_eq(YAJL_GET_INTEGER(lgx_json_at(ids, 0)), 12);
    ck_assert_int_eq(YAJL_GET_INTEGER(lgx_json_at(ids, 2)), 14);
    ck_assert_ptr_null(lgx_json_at(ids, 3));
    /* Not arrays. */
    ck_assert_uint_eq(lgx_json_len(doc), 0);
    ck_assert_uint_eq(lgx_json_len(NULL), 0);
    ck_assert_ptr_null(lgx_json_at(doc, 0));
    ck_assert_ptr_null(lgx_json_at(NULL, 0));
}
END_TEST

START_TEST(test_json_m2o_name_and_find_id)
{
    ck_assert_str_eq(lgx_json_m2o_name(lgx_json_get(doc, "carrier_id")),
                     "DHL Express");
    ck_assert_ptr_null(lgx_json_m2o_name(lgx_json_get(doc, "partner_id")));
    ck_assert_ptr_null(lgx_json_m2o_name(lgx_json_get(doc, "id")));
    ck_assert_ptr_null(lgx_json_m2o_name(NULL));
    char err[128];
    const char *text = "[{\"id\":4,\"n\":\"a\"},{\"x\":1},"
                       "{\"id\":9,\"n\":\"b\",\"c\":[2,\"Carrier\"]}]";
    yajl_val rows = lgx_json_parse(text, strlen(text), err, sizeof(err));
    ck_assert_ptr_nonnull(rows);
    yajl_val r = lgx_json_find_id(rows, 9);
    ck_assert_str_eq(lgx_json_get_str(r, "n"), "b");
    ck_assert_str_eq(lgx_json_m2o_name(lgx_json_get(r, "c")), "Carrier");
    ck_assert_ptr_null(lgx_json_find_id(rows, 5));
    ck_assert_ptr_null(lgx_json_find_id(NULL, 4));
    yajl_tree_free(rows);
}
END_TEST

START_TEST(test_json_m2o_id)
{
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(doc, "carrier_id")), 3);
    /* Odoo's false for an empty many2one. */
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(doc, "partner_id")), 0);
    /* A bare id. */
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(doc, "id")), 7);
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(doc, "origin")), 0);
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(doc, "name")), 0);
    ck_assert_int_eq(lgx_json_m2o_id(NULL), 0);
}
END_TEST

START_TEST(test_json_m2o_odd_shapes)
{
    yajl_val v = parse("[[],[\"x\",1],[5],[2.5,\"y\"]]");
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_at(v, 0)), 0);
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_at(v, 1)), 0);
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_at(v, 2)), 5);
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_at(v, 3)), 0);
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_json_parse_not_terminated)
{
    /* Only len bytes are read: what follows is not part of the text. */
    const char text[] = "{\"a\":1}garbage";
    char errstr[128];
    yajl_val v = lgx_json_parse(text, 7, errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(v);
    int64_t n = 0;
    ck_assert(lgx_json_get_int(v, "a", &n));
    ck_assert_int_eq(n, 1);
    yajl_tree_free(v);
}
END_TEST

/* A rules file nested 300,000 levels deep (under the 1 MiB cap) crashed
 * the consumer in yajl's recursive free; now it is refused by depth. */
START_TEST(test_json_parse_refuses_deep_nesting)
{
    size_t n = 300000;
    char *deep = malloc(2 * n);
    ck_assert_ptr_nonnull(deep);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    char errstr[128] = "";
    ck_assert_ptr_null(lgx_json_parse(deep, 2 * n, errstr, sizeof(errstr)));
    ck_assert_msg(strstr(errstr, "nested deeper than 256") != NULL, "%s",
                  errstr);
    /* Unbalanced too (the tree yajl would free on its error path). */
    ck_assert_ptr_null(lgx_json_parse(deep, n, errstr, sizeof(errstr)));
    free(deep);
    /* LGX_JSON_MAX_DEPTH levels parse; brackets in strings (escaped
     * quotes included) do not count. */
    enum { D = LGX_JSON_MAX_DEPTH };
    static const char str[] = "\"[[{{\\\"[\"";
    char ok[2 * D + sizeof(str)];
    memset(ok, '[', D);
    memcpy(ok + D, str, sizeof(str) - 1);
    memset(ok + D + sizeof(str) - 1, ']', D);
    size_t len = 2 * D + sizeof(str) - 1;
    yajl_val v = lgx_json_parse(ok, len, errstr, sizeof(errstr));
    ck_assert_msg(v != NULL, "%s", errstr);
    yajl_tree_free(v);
}
END_TEST

/* A quote inside a comment hides the brackets after it from the
 * pre-scan: the parse stops them with the same message (it used to say
 * only "client cancelled parse"). */
START_TEST(test_json_parse_deep_nesting_after_comment)
{
    enum { N = LGX_JSON_MAX_DEPTH + 8 };
    char text[N + 16] = "/* \" */";
    size_t at = strlen(text);
    memset(text + at, '[', N);
    char errstr[128] = "";
    ck_assert_ptr_null(lgx_json_parse(text, at + N, errstr, sizeof(errstr)));
    ck_assert_msg(strstr(errstr, "nested deeper than 256") != NULL, "%s",
                  errstr);
}
END_TEST

START_TEST(test_json_parse_scalars)
{
    yajl_val v = parse("true");
    ck_assert(YAJL_IS_TRUE(v));
    yajl_tree_free(v);
    v = parse("null");
    ck_assert_ptr_nonnull(v);
    ck_assert(YAJL_IS_NULL(v));
    yajl_tree_free(v);
    v = parse("[617]");
    ck_assert_uint_eq(lgx_json_len(v), 1);
    ck_assert_int_eq(YAJL_GET_INTEGER(lgx_json_at(v, 0)), 617);
    yajl_tree_free(v);
}
END_TEST

/* ---- write ---- */

START_TEST(test_json_write_round_trip)
{
    written_is(doc, picking_json);
}
END_TEST

START_TEST(test_json_write_is_stable)
{
    /* parse(write(x)) writes the same text again. */
    static const char text[] =
        "{ \"s\" : \"a\\\"b\\\\c\\n\\u0001\\u00e9\", \"n\" : [1, -2.50, 1e3, "
        "0], \"o\" : {\"e\":{}, \"a\":[], \"t\":true, \"f\":false, "
        "\"z\":null} }";
    yajl_val v1 = parse(text);
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lgx_json_write(b, v1), LGX_OK);
    char *first = lgx_buf_take(b);
    ck_assert_ptr_nonnull(first);
    ck_assert_str_eq(first, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001\xC3\xA9\","
                            "\"n\":[1,-2.50,1e3,0],\"o\":{\"e\":{},\"a\":[],"
                            "\"t\":true,\"f\":false,\"z\":null}}");
    yajl_val v2 = parse(first);
    ck_assert_int_eq(lgx_json_write(b, v2), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), first);
    const char *s = lgx_json_get_str(v2, "s");
    ck_assert_str_eq(s, "a\"b\\c\n\x01\xC3\xA9");
    free(first);
    lgx_buf_destroy(b);
    yajl_tree_free(v1);
    yajl_tree_free(v2);
}
END_TEST

START_TEST(test_json_write_scalars_and_null)
{
    written_is(NULL, "null");
    yajl_val v = parse("[true,false,null,\"\",-0,3.25]");
    written_is(v, "[true,false,null,\"\",-0,3.25]");
    written_is(lgx_json_at(v, 4), "-0");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_json_write_appends)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lgx_buf_puts(b, "{\"vals\":"), LGX_OK);
    ck_assert_int_eq(lgx_json_write(b, lgx_json_get(doc, "carrier_id")),
                     LGX_OK);
    ck_assert_int_eq(lgx_buf_puts(b, "}"), LGX_OK);
    ck_assert_str_eq(lgx_buf_data(b), "{\"vals\":[3,\"DHL Express\"]}");
    lgx_buf_destroy(b);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_json_parse_invalid)
{
    static const char *bad[] = {"{\"a\":", "<html>502</html>", "{a:1}", "",
                                "[1,]",    "\"unterminated"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char errstr[256] = "";
        yajl_val v =
            lgx_json_parse(bad[i], strlen(bad[i]), errstr, sizeof(errstr));
        ck_assert_msg(v == NULL, "accepted: %s", bad[i]);
        ck_assert_msg(strncmp(errstr, "invalid JSON", 12) == 0, "message: %s",
                      errstr);
        /* One line: it goes into a log line. */
        ck_assert_ptr_null(strchr(errstr, '\n'));
    }
}
END_TEST

START_TEST(test_json_parse_small_errstr)
{
    char errstr[8];
    memset(errstr, 'x', sizeof(errstr));
    ck_assert_ptr_null(lgx_json_parse("{", 1, errstr, sizeof(errstr)));
    ck_assert_uint_lt(strlen(errstr), sizeof(errstr));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_json_deep_nesting_round_trip)
{
    enum { DEPTH = 200 };
    char text[2 * DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i < DEPTH; i++) {
        text[n++] = '[';
    }
    text[n++] = '1';
    for (int i = 0; i < DEPTH; i++) {
        text[n++] = ']';
    }
    text[n] = '\0';
    yajl_val v = parse(text);
    written_is(v, text);
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_json_big_numbers_keep_text)
{
    /* Beyond int64 and double precision: the original text is kept. */
    yajl_val v = parse("[12345678901234567890123,0.1000000000000000055511]");
    written_is(v, "[12345678901234567890123,0.1000000000000000055511]");
    int64_t n = 0;
    yajl_val o = parse("{\"x\":12345678901234567890123}");
    ck_assert(!lgx_json_get_int(o, "x", &n));
    yajl_tree_free(o);
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_json_many_members)
{
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lgx_buf_puts(b, "{"), LGX_OK);
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(lgx_buf_printf(b, "%s\"k%d\":%d", i ? "," : "", i, i),
                         LGX_OK);
    }
    ck_assert_int_eq(lgx_buf_puts(b, "}"), LGX_OK);
    yajl_val v = parse(lgx_buf_data(b));
    int64_t n = 0;
    ck_assert(lgx_json_get_int(v, "k999", &n));
    ck_assert_int_eq(n, 999);
    ck_assert(lgx_json_get_int(v, "k0", &n));
    ck_assert_int_eq(n, 0);
    written_is(v, lgx_buf_data(b));
    yajl_tree_free(v);
    lgx_buf_destroy(b);
}
END_TEST

/* a and b are the same tree: types, texts, number flags and values, and
 * members in order (duplicates kept). */
static bool same_tree(yajl_val a, yajl_val b)
{
    if (!a || !b || a->type != b->type) {
        return a == b;
    }
    if (YAJL_IS_STRING(a)) {
        return strcmp(a->u.string, b->u.string) == 0;
    }
    if (YAJL_IS_NUMBER(a)) {
        unsigned f = a->u.number.flags;
        return f == b->u.number.flags &&
               strcmp(a->u.number.r, b->u.number.r) == 0 &&
               (!(f & YAJL_NUMBER_INT_VALID) ||
                a->u.number.i == b->u.number.i) &&
               (!(f & YAJL_NUMBER_DOUBLE_VALID) ||
                a->u.number.d == b->u.number.d);
    }
    bool obj = YAJL_IS_OBJECT(a);
    size_t n = obj ? a->u.object.len : YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
    if (n != (obj ? b->u.object.len : YAJL_IS_ARRAY(b) ? b->u.array.len : 0)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (obj && strcmp(a->u.object.keys[i], b->u.object.keys[i]) != 0) {
            return false;
        }
        if (!same_tree(obj ? a->u.object.values[i] : a->u.array.values[i],
                       obj ? b->u.object.values[i] : b->u.array.values[i])) {
            return false;
        }
    }
    return true;
}

START_TEST(test_json_parse_as_yajl_tree)
{
    static const char *texts[] = {
        picking_json,
        "[0,-0,1,-1,9223372036854775807,-9223372036854775807,"
        "-9223372036854775808,9223372036854775808,1.5,-2e3,1E+2,0.0,"
        "12345678901234567890123,1e400]",
        "{\"a\":1,\"a\":[true,false,null],\"\":{},\"b\":[]}",
        "\"caf\\u00e9 \\\" \\n\"",
        "{/* comment */ \"x\": // line\n [1, {\"y\": [[]]}]}",
        "  42  ",
        "[[[[[[\"deep\"]]]]]]",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char errstr[256] = "";
        yajl_val mine = parse(texts[i]);
        yajl_val theirs = yajl_tree_parse(texts[i], errstr, sizeof(errstr));
        ck_assert_msg(theirs != NULL, "%s: %s", texts[i], errstr);
        ck_assert_msg(same_tree(mine, theirs), "differs: %s", texts[i]);
        yajl_tree_free(mine);
        yajl_tree_free(theirs);
    }
}
END_TEST

START_TEST(test_json_parse_big_containers)
{
    /* An object of 200,000 members in an array: in the order given, every
     * member kept (yajl_tree_parse took a realloc per member). */
    enum { N = 200000 };
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lgx_buf_puts(b, "[{"), LGX_OK);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(
            lgx_buf_printf(b, "%s\"k%d\":[%d]", i ? "," : "", i, i), LGX_OK);
    }
    ck_assert_int_eq(lgx_buf_puts(b, "}]"), LGX_OK);
    yajl_val v = parse(lgx_buf_data(b));
    yajl_val o = lgx_json_at(v, 0);
    ck_assert(YAJL_IS_OBJECT(o));
    ck_assert_uint_eq(o->u.object.len, N);
    for (int i = 0; i < N; i += N / 8) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", i);
        ck_assert_str_eq(o->u.object.keys[i], key);
        yajl_val arr = o->u.object.values[i];
        ck_assert_int_eq(YAJL_GET_INTEGER(lgx_json_at(arr, 0)), i);
    }
    yajl_tree_free(v);
    lgx_buf_destroy(b);
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");

    TCase *tc_core = tcase_create("core");
    tcase_add_checked_fixture(tc_core, setup, teardown);
    tcase_add_test(tc_core, test_json_get_str);
    tcase_add_test(tc_core, test_json_get);
    tcase_add_test(tc_core, test_json_get_int);
    tcase_add_test(tc_core, test_json_get_num);
    tcase_add_test(tc_core, test_json_array_access);
    tcase_add_test(tc_core, test_json_m2o_id);
    tcase_add_test(tc_core, test_json_m2o_name_and_find_id);
    tcase_add_test(tc_core, test_json_m2o_odd_shapes);
    tcase_add_test(tc_core, test_json_parse_deep_nesting_after_comment);
    tcase_add_test(tc_core, test_json_parse_not_terminated);
    tcase_add_test(tc_core, test_json_parse_refuses_deep_nesting);
    tcase_add_test(tc_core, test_json_parse_scalars);
    tcase_add_test(tc_core, test_json_parse_as_yajl_tree);
    suite_add_tcase(s, tc_core);

    TCase *tc_write = tcase_create("write");
    tcase_add_checked_fixture(tc_write, setup, teardown);
    tcase_add_test(tc_write, test_json_write_round_trip);
    tcase_add_test(tc_write, test_json_write_is_stable);
    tcase_add_test(tc_write, test_json_write_scalars_and_null);
    tcase_add_test(tc_write, test_json_write_appends);
    suite_add_tcase(s, tc_write);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_test(tc_errors, test_json_parse_invalid);
    tcase_add_test(tc_errors, test_json_parse_small_errstr);
    suite_add_tcase(s, tc_errors);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_test(tc_limits, test_json_deep_nesting_round_trip);
    tcase_add_test(tc_limits, test_json_big_numbers_keep_text);
    tcase_add_test(tc_limits, test_json_many_members);
    tcase_add_test(tc_limits, test_json_parse_big_containers);
    suite_add_tcase(s, tc_limits);

    return s;
}
