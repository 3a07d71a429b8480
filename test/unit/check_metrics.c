#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "lgx_metrics.h"
#include "lgx_reasons.h"

START_TEST(test_metrics_counter_gauge_render)
{
    lgx_metrics_t *m = lgx_metrics_new();
    char labels[128];
    lgx_metrics_declare(m, "lgx_events_total", LGX_METRIC_COUNTER, "Events");
    lgx_metrics_declare(m, "lgx_up", LGX_METRIC_GAUGE, "Up");
    lgx_metrics_labels(labels, sizeof(labels), "topic", "lgx.picks", "outcome",
                       "applied", (const char *)NULL);
    lgx_metrics_add(m, "lgx_events_total", labels, 1);
    lgx_metrics_add(m, "lgx_events_total", labels, 2);
    lgx_metrics_set(m, "lgx_up", NULL, 1);
    lgx_metrics_set(m, "lgx_up", NULL, 0);
    lgx_metrics_add(m, "undeclared", NULL, 5);
    ck_assert_double_eq(lgx_metrics_value(m, "lgx_events_total", labels), 3);
    ck_assert_double_eq(lgx_metrics_value(m, "lgx_up", NULL), 0);
    ck_assert_double_eq(lgx_metrics_value(m, "undeclared", NULL), 0);
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_metrics_render(m, b), LGX_OK);
    const char *t = lgx_buf_data(b);
    ck_assert_ptr_nonnull(strstr(t, "# TYPE lgx_events_total counter\n"));
    ck_assert_ptr_nonnull(strstr(
        t, "lgx_events_total{topic=\"lgx.picks\",outcome=\"applied\"} 3\n"));
    ck_assert_ptr_nonnull(strstr(t, "lgx_up 0\n"));
    ck_assert_ptr_null(strstr(t, "undeclared"));
    lgx_buf_destroy(b);
    lgx_metrics_destroy(m);
}
END_TEST

/* Every known reason's series is there at 0 before it happens; one that
 * happened keeps counting on the same series. */
START_TEST(test_metrics_reasons_at_zero)
{
    lgx_metrics_t *m = lgx_metrics_new();
    lgx_metrics_declare(m, "lgx_events_total", LGX_METRIC_COUNTER, "Events");
    lgx_metrics_declare(m, "lgx_dead_letters_total", LGX_METRIC_COUNTER, "DL");
    lgx_metrics_declare(m, "lgx_retries_total", LGX_METRIC_COUNTER, "Retries");
    size_t n = lgx_reasons_zero(m, "lgx.picks");
    ck_assert_uint_gt(n, 50);
    ck_assert_uint_lt(n, 512);
    ck_assert_uint_eq(lgx_reasons_zero(m, "lgx.picks"), n);
    char labels[256];
    lgx_metrics_labels(labels, sizeof(labels), "topic", "lgx.picks", "reason",
                       "unknown_lot", (const char *)NULL);
    lgx_metrics_add(m, "lgx_dead_letters_total", labels, 1);
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_metrics_render(m, b), LGX_OK);
    const char *t = lgx_buf_data(b);
    ck_assert_ptr_nonnull(strstr(t,
                                 "lgx_dead_letters_total{topic=\"lgx.picks\","
                                 "reason=\"unmapped_unit\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(t,
                                 "lgx_dead_letters_total{topic=\"lgx.picks\","
                                 "reason=\"unknown_lot\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(t,
                                 "lgx_events_total{topic=\"lgx.picks\","
                                 "outcome=\"held\",reason=\"shortage\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(t, "lgx_events_total{topic=\"lgx.picks\","
                                    "outcome=\"applied\",reason=\"\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(t, "lgx_retries_total{topic=\"lgx.picks\","
                                    "reason=\"odoo_unavailable\"} 0\n"));
    ck_assert_ptr_null(strstr(t, "lgx_retries_total{topic=\"lgx.picks\","
                                 "reason=\"unknown_lot\"}"));
    ck_assert_uint_eq(lgx_metrics_dropped(m), 0);
    lgx_buf_destroy(b);
    lgx_metrics_destroy(m);
}
END_TEST

START_TEST(test_metrics_histogram_and_escaping)
{
    lgx_metrics_t *m = lgx_metrics_new();
    char labels[128];
    lgx_metrics_declare(m, "lgx_odoo_call_duration_seconds",
                        LGX_METRIC_HISTOGRAM, "Latency");
    lgx_metrics_labels(labels, sizeof(labels), "model", "a\"b\\c\n",
                       (const char *)NULL);
    ck_assert_str_eq(labels, "model=\"a\\\"b\\\\c\\n\"");
    lgx_metrics_observe(m, "lgx_odoo_call_duration_seconds", labels, 0.004);
    lgx_metrics_observe(m, "lgx_odoo_call_duration_seconds", labels, 0.2);
    lgx_metrics_observe(m, "lgx_odoo_call_duration_seconds", labels, 99);
    ck_assert_double_eq(
        lgx_metrics_value(m, "lgx_odoo_call_duration_seconds", labels), 3);
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_metrics_render(m, b), LGX_OK);
    const char *t = lgx_buf_data(b);
    /* Buckets are cumulative; +Inf holds every observation. */
    ck_assert_ptr_nonnull(strstr(t, "le=\"0.005\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"0.25\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"10\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"30\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"60\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(t, "le=\"+Inf\"} 3\n"));
    ck_assert_ptr_nonnull(strstr(t, "_count{model=\"a\\\"b\\\\c\\n\"} 3\n"));
    lgx_buf_destroy(b);
    lgx_metrics_destroy(m);
    lgx_metrics_destroy(NULL);
}
END_TEST

START_TEST(test_metrics_dropped_series_and_process)
{
    lgx_metrics_t *m = lgx_metrics_new();
    lgx_metrics_declare(m, "lgx_x_total", LGX_METRIC_COUNTER, "X");
    char labels[64];
    for (int i = 0; i < 4096 + 10; i++) {
        snprintf(labels, sizeof(labels), "n=\"%d\"", i);
        lgx_metrics_add(m, "lgx_x_total", labels, 1);
    }
    /* The first 4096 series are kept; the 10 past them are counted. */
    ck_assert_double_eq(lgx_metrics_value(m, "lgx_x_total", "n=\"4095\""), 1);
    ck_assert_double_eq(lgx_metrics_value(m, "lgx_x_total", "n=\"4096\""), 0);
    ck_assert_uint_eq(lgx_metrics_dropped(m), 10);
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_metrics_render(m, b), LGX_OK);
    const char *t = lgx_buf_data(b);
    ck_assert_ptr_nonnull(strstr(t, "\nlgx_metrics_series_dropped_total 10\n"));
    /* This process's own figures, from /proc/self. */
    const char *rss = strstr(t, "\nprocess_resident_memory_bytes ");
    ck_assert_ptr_nonnull(rss);
    ck_assert_int_gt(atoll(rss + strlen("\nprocess_resident_memory_bytes ")),
                     1 << 20);
    const char *fds = strstr(t, "\nprocess_open_fds ");
    ck_assert_ptr_nonnull(fds);
    ck_assert_int_ge(atol(fds + strlen("\nprocess_open_fds ")), 3);
    const char *start = strstr(t, "\nprocess_start_time_seconds ");
    ck_assert_ptr_nonnull(start);
    double at = atof(start + strlen("\nprocess_start_time_seconds "));
    ck_assert_msg(at > time(NULL) - 86400.0 && at <= time(NULL) + 1.0, "%f",
                  at);
    ck_assert_ptr_nonnull(strstr(t, "\nprocess_cpu_seconds_total "));
    lgx_buf_destroy(b);
    lgx_metrics_destroy(m);
}
END_TEST

Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_metrics_counter_gauge_render);
    tcase_add_test(core, test_metrics_histogram_and_escaping);
    tcase_add_test(core, test_metrics_reasons_at_zero);
    tcase_add_test(core, test_metrics_dropped_series_and_process);
    suite_add_tcase(s, core);
    return s;
}
