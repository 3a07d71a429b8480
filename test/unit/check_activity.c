/*
 * Unit tests for lgx_activity: the deadline options and who gets an
 * activity when no user is configured (no Odoo: users need one).
 */
#include <check.h>
#include <string.h>
#include <time.h>

#include "lgx_activity.h"

Suite *activity_suite(void);

/* The vals of an activity of kind under deadlines, into out. */
static void vals_of(const char *deadlines, const char *kind,
                    int64_t responsible, char *out, size_t size)
{
    lgx_activity_conf_t conf = {NULL, NULL, (char *)deadlines};
    char errstr[256] = "";
    lgx_activity_t *a = lgx_activity_new(&conf, NULL, errstr, sizeof(errstr));
    ck_assert_msg(a != NULL, "%s", errstr);
    lgx_buf_t *b = lgx_buf_new();
    ck_assert_int_eq(lgx_activity_vals(a, kind, responsible, b), LGX_OK);
    snprintf(out, size, "%s", lgx_buf_data(b));
    lgx_buf_destroy(b);
    lgx_activity_destroy(a);
}

/* ",\"date_deadline\":\"Y-M-D\"" for days from now. */
static void deadline(int days, char *out, size_t size)
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    char day[16];
    gmtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    snprintf(out, size, ",\"date_deadline\":\"%s\"", day);
}

/* ---- core ---- */

START_TEST(test_activity_deadline_per_kind)
{
    char got[128], want[128];
    vals_of("exception=2,shortage=0", "exception", 0, got, sizeof(got));
    deadline(2, want, sizeof(want));
    ck_assert_str_eq(got, want);
    vals_of("exception=2", "discrepancy", 0, got, sizeof(got));
    deadline(0, want, sizeof(want));
    ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(test_activity_responsible_without_configured_user)
{
    char got[128], day[64], want[128];
    vals_of(NULL, "shortage", 9, got, sizeof(got));
    deadline(0, day, sizeof(day));
    snprintf(want, sizeof(want), ",\"user_id\":9%s", day);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(lgx_activity_user(NULL, "shortage", 9), 9);
    ck_assert_int_eq(lgx_activity_user(NULL, "shortage", 0), 0);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_activity_bad_deadlines_name_the_option)
{
    static const char *const bad[] = {"sooner=1",     "exception=400",
                                      "exception=x",  "exception",
                                      "exception=-1", "shortage="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lgx_activity_conf_t conf = {NULL, NULL, (char *)bad[i]};
        char errstr[256] = "";
        lgx_activity_t *a =
            lgx_activity_new(&conf, NULL, errstr, sizeof(errstr));
        ck_assert_msg(a == NULL, "accepted %s", bad[i]);
        ck_assert_msg(strstr(errstr, "option --activity-deadlines") != NULL,
                      "%s: %s", bad[i], errstr);
    }
}
END_TEST

Suite *activity_suite(void)
{
    Suite *s = suite_create("activity");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_activity_deadline_per_kind);
    tcase_add_test(core, test_activity_responsible_without_configured_user);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_activity_bad_deadlines_name_the_option);
    suite_add_tcase(s, errors);
    return s;
}
