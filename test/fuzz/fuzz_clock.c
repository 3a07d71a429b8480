/*
 * fuzz_clock: the per-picking clock fields (x_lgx_clock_picks, ...,
 * x_lgx_clock; lgx_clock.c) as Odoo hands them back, whatever a person or
 * another program left in them: read (lgx_clock_get), advanced
 * (lgx_clock_set) and written as a JSON member (lgx_clock_member), as the
 * consumers do around an applied event. After lgx_clock_set, the new
 * text is a JSON object that gives the event at least its time back.
 *
 * Input: the clock text, a NUL, then NUL-separated fields: event type,
 * source, time (decimal milliseconds). Missing fields default to
 * pick_confirmed, wms-north and 1795773600250.
 *
 * No network, no files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_clock.h"
#include "lgx_json.h"

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
    fprintf(stderr, "fuzz_clock: %s\n", what);
    abort();
}

/* The text after lgx_clock_set: an object in which the event's time is
 * at least ms. */
static void check_set(const char *text, const char *type, const char *source,
                      int64_t ms)
{
    char errstr[128];
    yajl_val v = lgx_json_parse(text, strlen(text), errstr, sizeof(errstr));
    if (!YAJL_IS_OBJECT(v)) {
        die("lgx_clock_set wrote no JSON object");
    }
    yajl_tree_free(v);
    if (lgx_clock_get(text, type, source) < ms) {
        fprintf(stderr, "fuzz_clock: %s/%s at %lld in %s\n", type, source,
                (long long)ms, text);
        die("lgx_clock_set lost the event's time");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size;
    const uint8_t *nul = memchr(data, 0, size);
    size_t clock_len = nul ? (size_t)(nul - data) : size;
    char *clock = malloc(clock_len + 1);
    lgx_buf_t *out = lgx_buf_new();
    if (!clock || !out) {
        die("out of memory");
    }
    memcpy(clock, data, clock_len);
    clock[clock_len] = '\0';
    char type[FUZZ_FIELD_MAX], source[FUZZ_FIELD_MAX], at[FUZZ_FIELD_MAX];
    const uint8_t *p = nul ? nul + 1 : end;
    p = fuzz_next_field(p, end, type, "pick_confirmed");
    p = fuzz_next_field(p, end, source, "wms-north");
    fuzz_next_field(p, end, at, "1795773600250");
    int64_t ms = (int64_t)strtoll(at, NULL, 10);
    int64_t before = lgx_clock_get(clock, type, source);
    if (lgx_clock_set(out, clock, type, source, ms) != LGX_OK) {
        die("lgx_clock_set failed");
    }
    /* -1 is lgx_clock_get's "none" as well as a time. */
    check_set(lgx_buf_data(out), type, source,
              before != -1 && before > ms ? before : ms);
    lgx_buf_reset(out);
    lgx_err_t err = lgx_clock_member(out, clock, type, source, ms);
    if ((err == LGX_OK) != (lgx_clock_field(type) != NULL)) {
        die("lgx_clock_member and lgx_clock_field disagree");
    }
    lgx_buf_destroy(out);
    free(clock);
    return 0;
}
