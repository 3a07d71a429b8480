/*
 * lgx_time: the clocks, the one reader of times given on a command line,
 * and Odoo's datetime text. Pure, thread-safe, no state.
 */
#ifndef LGX_TIME_H
#define LGX_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "lgx_err.h"

/* Wall-clock time in epoch milliseconds (CLOCK_REALTIME): for times that
 * are compared with event times or written down. */
int64_t lgx_time_now_ms(void);

/* Milliseconds of a monotonic clock (CLOCK_MONOTONIC), unrelated to the
 * epoch: for durations, deadlines and time-to-live. */
int64_t lgx_time_mono_ms(void);
/* The same clock in seconds, to the nanosecond: for measured durations. */
double lgx_time_mono_s(void);

/* Parses "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC; a longer fraction is
 * truncated to milliseconds) into epoch milliseconds. LGX_ERR_INVALID,
 * *ms unchanged, for anything else, including impossible dates. */
lgx_err_t lgx_time_parse_iso(const char *s, int64_t *ms) LGX_MUST_CHECK;

/* Parses a time given as epoch milliseconds (a decimal integer) or as ISO
 * 8601 UTC (lgx_time_parse_iso) into epoch milliseconds. LGX_ERR_INVALID
 * for anything else; *ms may then have been changed. */
lgx_err_t lgx_time_parse(const char *text, int64_t *ms) LGX_MUST_CHECK;

/* Formats epoch milliseconds as Odoo's datetime "YYYY-MM-DD HH:MM:SS"
 * (UTC) into out (at least 20 bytes), always terminated. A time outside
 * the years Odoo can hold (1 to 9999) is clamped to the nearest end. */
void lgx_time_odoo(int64_t ms, char out[20]);

/* Reads Odoo's datetime text "YYYY-MM-DD HH:MM:SS" (UTC) into *ms; false
 * when s is NULL or not that form. */
bool lgx_time_parse_odoo(const char *s, int64_t *ms);

#endif
