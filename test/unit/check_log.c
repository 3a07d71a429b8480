/*
 * Unit tests for lgx_log: one JSON object per line, fields, escaping and
 * level filtering. The logger writes into an open_memstream so that the
 * lines can be parsed back.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_json.h"
#include "lgx_log.h"

Suite *log_suite(void);

static char *out_data;
static size_t out_size;
static FILE *out;
static lgx_log_t *lg;

static void setup(void)
{
    out_data = NULL;
    out_size = 0;
    out = open_memstream(&out_data, &out_size);
    ck_assert_ptr_nonnull(out);
    lg = lgx_log_new("lgx-test", LGX_LOG_DEBUG, out);
    ck_assert_ptr_nonnull(lg);
}

static void teardown(void)
{
    lgx_log_destroy(lg);
    lg = NULL;
    fclose(out);
    out = NULL;
    free(out_data);
    out_data = NULL;
}

/* Number of complete lines written so far. */
static size_t n_lines(void)
{
    fflush(out);
    size_t n = 0;
    for (size_t i = 0; i < out_size; i++) {
        if (out_data[i] == '\n') {
            n++;
        }
    }
    return n;
}

/* Parses line i (0-based) as JSON; fails the test unless it is an
 * object. The caller frees the tree. */
static yajl_val line(size_t i)
{
    fflush(out);
    const char *p = out_data;
    const char *end = out_data + out_size;
    for (size_t k = 0; k < i && p; k++) {
        p = memchr(p, '\n', (size_t)(end - p));
        p = p ? p + 1 : NULL;
    }
    ck_assert_ptr_nonnull(p);
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    ck_assert_ptr_nonnull(nl);
    char errstr[256];
    yajl_val v = lgx_json_parse(p, (size_t)(nl - p), errstr, sizeof(errstr));
    ck_assert_msg(v != NULL, "line %zu is not JSON (%s): %.*s", i, errstr,
                  (int)(nl - p), p);
    ck_assert(YAJL_IS_OBJECT(v));
    return v;
}

/* ---- core ---- */

START_TEST(test_log_line_basic_members)
{
    lgx_log_write(lg, LGX_LOG_INFO, NULL, "consumed %d events from %s", 3,
                  "picks");
    ck_assert_uint_eq(n_lines(), 1);
    ck_assert_int_eq(out_data[out_size - 1], '\n');
    yajl_val v = line(0);
    ck_assert_str_eq(lgx_json_get_str(v, "level"), "info");
    ck_assert_str_eq(lgx_json_get_str(v, "program"), "lgx-test");
    ck_assert_str_eq(lgx_json_get_str(v, "msg"),
                     "consumed 3 events from picks");
    /* No event members on a plain line. */
    ck_assert_ptr_null(lgx_json_get(v, "topic"));
    ck_assert_ptr_null(lgx_json_get(v, "partition"));
    ck_assert_ptr_null(lgx_json_get(v, "event_id"));
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_ts_is_utc_millis_now)
{
    time_t before = time(NULL);
    LGX_WARN(lg, "tick");
    time_t after = time(NULL);
    yajl_val v = line(0);
    const char *ts = lgx_json_get_str(v, "ts");
    ck_assert_ptr_nonnull(ts);
    ck_assert_uint_eq(strlen(ts), 24);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = -1;
    char z = 0;
    ck_assert_int_eq(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year,
                            &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                            &tm.tm_sec, &ms, &z),
                     8);
    ck_assert_int_eq(z, 'Z');
    ck_assert_int_ge(ms, 0);
    ck_assert_int_le(ms, 999);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    ck_assert_int_ge((long long)t, (long long)before);
    ck_assert_int_le((long long)t, (long long)after);
    ck_assert_str_eq(lgx_json_get_str(v, "level"), "warn");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_event_fields)
{
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    f.topic = "lgx.picks";
    f.partition = 2;
    f.offset = 12345678901LL;
    f.key = "WH/OUT/00007";
    f.event_id = "ev-1";
    f.correlation_id = "order-7";
    f.outcome = "applied";
    f.reason = "ok";
    lgx_log_write(lg, LGX_LOG_INFO, &f, "applied");
    yajl_val v = line(0);
    int64_t n = 0;
    ck_assert_str_eq(lgx_json_get_str(v, "topic"), "lgx.picks");
    ck_assert(lgx_json_get_int(v, "partition", &n));
    ck_assert_int_eq(n, 2);
    ck_assert(lgx_json_get_int(v, "offset", &n));
    ck_assert_int_eq(n, 12345678901LL);
    ck_assert_str_eq(lgx_json_get_str(v, "key"), "WH/OUT/00007");
    ck_assert_str_eq(lgx_json_get_str(v, "event_id"), "ev-1");
    ck_assert_str_eq(lgx_json_get_str(v, "correlation_id"), "order-7");
    ck_assert_str_eq(lgx_json_get_str(v, "outcome"), "applied");
    ck_assert_str_eq(lgx_json_get_str(v, "reason"), "ok");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_unknown_fields_left_out)
{
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    f.topic = "lgx.picks";
    lgx_log_write(lg, LGX_LOG_ERROR, &f, "x");
    yajl_val v = line(0);
    ck_assert_str_eq(lgx_json_get_str(v, "topic"), "lgx.picks");
    ck_assert_ptr_null(lgx_json_get(v, "partition"));
    ck_assert_ptr_null(lgx_json_get(v, "offset"));
    ck_assert_ptr_null(lgx_json_get(v, "key"));
    ck_assert_ptr_null(lgx_json_get(v, "reason"));
    ck_assert_str_eq(lgx_json_get_str(v, "level"), "error");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_partition_zero_kept)
{
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    f.partition = 0;
    f.offset = 0;
    lgx_log_write(lg, LGX_LOG_INFO, &f, "first");
    yajl_val v = line(0);
    int64_t n = -1;
    ck_assert(lgx_json_get_int(v, "partition", &n));
    ck_assert_int_eq(n, 0);
    n = -1;
    ck_assert(lgx_json_get_int(v, "offset", &n));
    ck_assert_int_eq(n, 0);
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_extra_members)
{
    lgx_log_write_extra(lg, LGX_LOG_INFO, NULL,
                        "\"attempt\":3,\"odoo_call\":\"write\"", "retrying");
    lgx_log_write_extra(lg, LGX_LOG_INFO, NULL, NULL, "no extra");
    lgx_log_write_extra(lg, LGX_LOG_INFO, NULL, "", "empty extra");
    ck_assert_uint_eq(n_lines(), 3);
    yajl_val v = line(0);
    int64_t n = 0;
    ck_assert(lgx_json_get_int(v, "attempt", &n));
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(lgx_json_get_str(v, "odoo_call"), "write");
    ck_assert_str_eq(lgx_json_get_str(v, "msg"), "retrying");
    yajl_tree_free(v);
    v = line(1);
    ck_assert_str_eq(lgx_json_get_str(v, "msg"), "no extra");
    yajl_tree_free(v);
    v = line(2);
    ck_assert_str_eq(lgx_json_get_str(v, "msg"), "empty extra");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_escaping)
{
    /* Quotes, backslashes, newlines and control characters in the message
     * and the fields must neither break the line nor the JSON. */
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    f.key = "WH\\OUT \"7\"";
    f.reason = "line1\nline2";
    lgx_log_write(lg, LGX_LOG_ERROR, &f, "Odoo said: \"%s\"\n\ttab\x01 end\\",
                  "Invalid field 'x'");
    ck_assert_uint_eq(n_lines(), 1);
    yajl_val v = line(0);
    ck_assert_str_eq(lgx_json_get_str(v, "msg"),
                     "Odoo said: \"Invalid field 'x'\"\n\ttab\x01 end\\");
    ck_assert_str_eq(lgx_json_get_str(v, "key"), "WH\\OUT \"7\"");
    ck_assert_str_eq(lgx_json_get_str(v, "reason"), "line1\nline2");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_invalid_utf8_replaced)
{
    lgx_log_write(lg, LGX_LOG_INFO, NULL, "lot %s",
                  "A\xFF"
                  "B");
    yajl_val v = line(0);
    ck_assert_str_eq(lgx_json_get_str(v, "msg"), "lot A\xEF\xBF\xBD"
                                                 "B");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_program_escaped)
{
    lgx_log_t *l2 = lgx_log_new("odd\"name", LGX_LOG_INFO, out);
    ck_assert_ptr_nonnull(l2);
    LGX_INFO(l2, "hello");
    lgx_log_destroy(l2);
    yajl_val v = line(0);
    ck_assert_str_eq(lgx_json_get_str(v, "program"), "odd\"name");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_level_parse)
{
    lgx_log_level_t l = LGX_LOG_ERROR;
    ck_assert_int_eq(lgx_log_level_parse("debug", &l), LGX_OK);
    ck_assert_int_eq(l, LGX_LOG_DEBUG);
    ck_assert_int_eq(lgx_log_level_parse("info", &l), LGX_OK);
    ck_assert_int_eq(l, LGX_LOG_INFO);
    ck_assert_int_eq(lgx_log_level_parse("warn", &l), LGX_OK);
    ck_assert_int_eq(l, LGX_LOG_WARN);
    ck_assert_int_eq(lgx_log_level_parse("error", &l), LGX_OK);
    ck_assert_int_eq(l, LGX_LOG_ERROR);
}
END_TEST

/* ---- filtering ---- */

START_TEST(test_log_level_filtering)
{
    lgx_log_set_level(lg, LGX_LOG_WARN);
    LGX_DEBUG(lg, "d");
    LGX_INFO(lg, "i");
    ck_assert_uint_eq(n_lines(), 0);
    LGX_WARN(lg, "w");
    LGX_ERROR(lg, "e");
    ck_assert_uint_eq(n_lines(), 2);
    yajl_val v = line(0);
    ck_assert_str_eq(lgx_json_get_str(v, "msg"), "w");
    yajl_tree_free(v);
    v = line(1);
    ck_assert_str_eq(lgx_json_get_str(v, "msg"), "e");
    yajl_tree_free(v);
}
END_TEST

START_TEST(test_log_enabled)
{
    lgx_log_set_level(lg, LGX_LOG_INFO);
    ck_assert(!lgx_log_enabled(lg, LGX_LOG_DEBUG));
    ck_assert(lgx_log_enabled(lg, LGX_LOG_INFO));
    ck_assert(lgx_log_enabled(lg, LGX_LOG_ERROR));
    lgx_log_set_level(lg, LGX_LOG_ERROR);
    ck_assert(!lgx_log_enabled(lg, LGX_LOG_WARN));
    ck_assert(lgx_log_enabled(lg, LGX_LOG_ERROR));
    lgx_log_set_level(lg, LGX_LOG_DEBUG);
    ck_assert(lgx_log_enabled(lg, LGX_LOG_DEBUG));
}
END_TEST

START_TEST(test_log_extra_filtered_too)
{
    lgx_log_set_level(lg, LGX_LOG_ERROR);
    lgx_log_write_extra(lg, LGX_LOG_WARN, NULL, "\"a\":1", "dropped");
    ck_assert_uint_eq(n_lines(), 0);
}
END_TEST

START_TEST(test_log_disabled_and_null_logger_write_nothing)
{
    lgx_log_set_level(lg, LGX_LOG_ERROR);
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    lgx_log_write(lg, LGX_LOG_WARN, &f, "%s", "dropped");
    ck_assert_uint_eq(n_lines(), 0);
    ck_assert(!lgx_log_enabled(NULL, LGX_LOG_ERROR));
    LGX_ERROR(NULL, "nowhere");
    ck_assert_uint_eq(n_lines(), 0);
    LGX_ERROR(lg, "kept");
    ck_assert_uint_eq(n_lines(), 1);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_log_level_parse_rejects)
{
    lgx_log_level_t l = LGX_LOG_WARN;
    ck_assert_int_eq(lgx_log_level_parse("warning", &l), LGX_ERR_INVALID);
    ck_assert_int_eq(lgx_log_level_parse("", &l), LGX_ERR_INVALID);
    ck_assert_int_eq(lgx_log_level_parse("trace", &l), LGX_ERR_INVALID);
    ck_assert_int_eq(lgx_log_level_parse("info ", &l), LGX_ERR_INVALID);
    /* Nothing written on failure. */
    ck_assert_int_eq(l, LGX_LOG_WARN);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_log_long_message_truncated_valid)
{
    /* A message longer than the formatting buffer is cut, and a
     * multi-byte character cut in half must not make the line invalid. */
    char big[5000];
    for (size_t i = 0; i + 2 < sizeof(big); i += 2) {
        big[i] = '\xC3';
        big[i + 1] = '\xA9';
    }
    big[sizeof(big) - 2] = 'x';
    big[sizeof(big) - 1] = '\0';
    lgx_log_write(lg, LGX_LOG_INFO, NULL, "%s", big);
    ck_assert_uint_eq(n_lines(), 1);
    yajl_val v = line(0);
    const char *msg = lgx_json_get_str(v, "msg");
    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_gt(strlen(msg), 1000);
    ck_assert_uint_lt(strlen(msg), sizeof(big));
    yajl_tree_free(v);
}
END_TEST

typedef struct writer_arg {
    lgx_log_t *log;
    int id;
} writer_arg_t;

#define THREADS 4
#define LINES_PER_THREAD 250

static void *writer(void *p)
{
    writer_arg_t *a = p;
    lgx_log_fields_t f = LGX_LOG_FIELDS_INIT;
    f.key = "concurrent";
    for (int i = 0; i < LINES_PER_THREAD; i++) {
        lgx_log_write(a->log, LGX_LOG_INFO, &f,
                      "thread %d line %d with some padding to make it long",
                      a->id, i);
    }
    return NULL;
}

START_TEST(test_log_threads_lines_not_interleaved)
{
    pthread_t t[THREADS];
    writer_arg_t args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i].log = lg;
        args[i].id = i;
        ck_assert_int_eq(pthread_create(&t[i], NULL, writer, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    }
    ck_assert_uint_eq(n_lines(), THREADS * LINES_PER_THREAD);
    int per_thread[THREADS] = {0};
    for (size_t i = 0; i < THREADS * LINES_PER_THREAD; i++) {
        yajl_val v = line(i);
        int id = -1, n = -1;
        ck_assert_int_eq(
            sscanf(lgx_json_get_str(v, "msg"), "thread %d line %d", &id, &n),
            2);
        ck_assert_int_ge(id, 0);
        ck_assert_int_lt(id, THREADS);
        per_thread[id]++;
        yajl_tree_free(v);
    }
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(per_thread[i], LINES_PER_THREAD);
    }
}
END_TEST

Suite *log_suite(void)
{
    Suite *s = suite_create("log");

    TCase *tc_core = tcase_create("core");
    tcase_add_checked_fixture(tc_core, setup, teardown);
    tcase_add_test(tc_core, test_log_line_basic_members);
    tcase_add_test(tc_core, test_log_ts_is_utc_millis_now);
    tcase_add_test(tc_core, test_log_event_fields);
    tcase_add_test(tc_core, test_log_unknown_fields_left_out);
    tcase_add_test(tc_core, test_log_partition_zero_kept);
    tcase_add_test(tc_core, test_log_extra_members);
    tcase_add_test(tc_core, test_log_escaping);
    tcase_add_test(tc_core, test_log_invalid_utf8_replaced);
    tcase_add_test(tc_core, test_log_program_escaped);
    tcase_add_test(tc_core, test_log_level_parse);
    suite_add_tcase(s, tc_core);

    TCase *tc_filter = tcase_create("filtering");
    tcase_add_checked_fixture(tc_filter, setup, teardown);
    tcase_add_test(tc_filter, test_log_level_filtering);
    tcase_add_test(tc_filter, test_log_enabled);
    tcase_add_test(tc_filter, test_log_extra_filtered_too);
    tcase_add_test(tc_filter, test_log_disabled_and_null_logger_write_nothing);
    suite_add_tcase(s, tc_filter);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_test(tc_errors, test_log_level_parse_rejects);
    suite_add_tcase(s, tc_errors);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_checked_fixture(tc_limits, setup, teardown);
    tcase_add_test(tc_limits, test_log_long_message_truncated_valid);
    tcase_add_test(tc_limits, test_log_threads_lines_not_interleaved);
    suite_add_tcase(s, tc_limits);

    return s;
}
