#include "lgx_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lgx_time_now_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t lgx_time_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

double lgx_time_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads exactly n digits at s into *out. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

lgx_err_t lgx_time_parse_iso(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac = 0;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
        !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec)) {
        return LGX_ERR_INVALID;
    }
    const char *p = s + 19;
    if (*p == '.') {
        int nfrac = 0;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (nfrac < 3) {
                frac = frac * 10 + (*p - '0');
                nfrac++;
            }
        }
        if (nfrac == 0) {
            return LGX_ERR_INVALID;
        }
        while (nfrac++ < 3) {
            frac *= 10;
        }
    }
    if (p[0] != 'Z' || p[1] != '\0' || mo < 1 || mo > 12 || d < 1 ||
        d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59) {
        return LGX_ERR_INVALID;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *ms = (int64_t)timegm(&tm) * 1000 + frac;
    return LGX_OK;
}

lgx_err_t lgx_time_parse(const char *text, int64_t *ms)
{
    char *end;
    *ms = strtoll(text, &end, 10);
    return (!*end && end != text) ? LGX_OK : lgx_time_parse_iso(text, ms);
}

/* Odoo's datetimes are Python's: years 1 to 9999. */
#define ODOO_TIME_MIN_MS (-62135596800000LL) /* 0001-01-01T00:00:00Z */
#define ODOO_TIME_MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

bool lgx_time_parse_odoo(const char *s, int64_t *ms)
{
    char iso[21];
    if (!s || strlen(s) != 19 || s[10] != ' ') {
        return false;
    }
    /* The same instant in the ISO form lgx_time_parse_iso reads. */
    memcpy(iso, s, 19);
    iso[10] = 'T';
    iso[19] = 'Z';
    iso[20] = '\0';
    return lgx_time_parse_iso(iso, ms) == LGX_OK;
}

void lgx_time_odoo(int64_t ms, char out[20])
{
    /* A year beyond 9999 (or before 1) would not fit in out: strftime then
     * leaves it unterminated. An event's time comes from its producer, so
     * it is clamped to the range Odoo can hold. */
    ms = ms < ODOO_TIME_MIN_MS   ? ODOO_TIME_MIN_MS
         : ms > ODOO_TIME_MAX_MS ? ODOO_TIME_MAX_MS
                                 : ms;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        memset(&tm, 0, sizeof(tm));
    }
    int n =
        snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n != 19) {
        out[0] = '\0'; /* not reached: the clamped time is 19 characters */
    }
}
