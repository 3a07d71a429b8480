#include "lgx_clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_json.h"

#define CLOCK_MAX 64

static yajl_val parse(const char *clock_json)
{
    char err[64];
    if (!clock_json || !clock_json[0]) {
        return NULL;
    }
    yajl_val v =
        lgx_json_parse(clock_json, strlen(clock_json), err, sizeof(err));
    if (v && !YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        v = NULL;
    }
    return v;
}

static const struct {
    const char *type;
    const char *field;
} fields[] = {{"pick_confirmed", "x_lgx_clock_picks"},
              {"shipment_booked", "x_lgx_clock_shipments"},
              {"label_created", "x_lgx_clock_shipments"},
              {"shipment_dispatched", "x_lgx_clock_shipments"},
              {"shipment_cancelled", "x_lgx_clock_shipments"},
              {"carrier_milestone", "x_lgx_clock_milestones"},
              {"proof_of_delivery", "x_lgx_clock_pod"}};

const char *lgx_clock_field(const char *event_type)
{
    for (size_t i = 0; event_type && i < sizeof(fields) / sizeof(fields[0]);
         i++) {
        if (strcmp(fields[i].type, event_type) == 0) {
            return fields[i].field;
        }
    }
    return NULL;
}

const char *lgx_clock_pick(const char *own, const char *legacy)
{
    return own && own[0] ? own : legacy;
}

/* The key of event_type and source as it reads back from a written
 * clock, malloc'd (NULL: out of memory). The source is the event's own
 * text: bytes of it that are not UTF-8 are written as U+FFFD
 * (lgx_buf_json_str), so the key is taken through the same writing, or an
 * event would never find its own time again. */
static char *clock_key(const char *event_type, const char *source)
{
    char raw[256];
    char err[64];
    snprintf(raw, sizeof(raw), "%s/%s", event_type, source);
    lgx_buf_t *b = lgx_buf_new();
    yajl_val v =
        b && lgx_buf_json_str(b, raw, strlen(raw)) == LGX_OK
            ? lgx_json_parse(lgx_buf_data(b), lgx_buf_len(b), err, sizeof(err))
            : NULL;
    char *key = YAJL_IS_STRING(v) ? strdup(v->u.string) : NULL;
    yajl_tree_free(v);
    lgx_buf_destroy(b);
    return key;
}

int64_t lgx_clock_get(const char *clock_json, const char *event_type,
                      const char *source)
{
    char *key = clock_key(event_type, source);
    yajl_val v = key ? parse(clock_json) : NULL;
    int64_t ms = -1;
    if (!lgx_json_get_int(v, key, &ms)) {
        ms = -1;
    }
    yajl_tree_free(v);
    free(key);
    return ms;
}

lgx_err_t lgx_clock_member(lgx_buf_t *out, const char *clock_json,
                           const char *event_type, const char *source,
                           int64_t ms)
{
    const char *field = lgx_clock_field(event_type);
    if (!field) {
        return LGX_ERR_INVALID;
    }
    lgx_buf_t *c = lgx_buf_new();
    lgx_err_t err = c ? lgx_clock_set(c, clock_json, event_type, source, ms)
                      : LGX_ERR_NOMEM;
    if (err == LGX_OK) {
        err = lgx_buf_printf(out, "\"%s\":", field);
    }
    if (err == LGX_OK) {
        err = lgx_buf_json_str(out, lgx_buf_data(c), lgx_buf_len(c));
    }
    lgx_buf_destroy(c);
    return err;
}

lgx_err_t lgx_clock_set(lgx_buf_t *out, const char *clock_json,
                        const char *event_type, const char *source, int64_t ms)
{
    char *key = clock_key(event_type, source);
    if (!key) {
        return LGX_ERR_NOMEM;
    }
    yajl_val v = parse(clock_json);
    size_t n = v ? v->u.object.len : 0;
    int64_t oldest = INT64_MAX;
    size_t drop = n; /* index of the entry to drop when full */
    bool have = false;
    /* Entries are read by position: a key may repeat, and an entry that
     * is not an integer (edited by hand) is dropped, the event's own
     * included, which is then written anew. */
    for (size_t i = 0; i < n; i++) {
        yajl_val t = v->u.object.values[i];
        if (!YAJL_IS_INTEGER(t)) {
            continue;
        }
        if (strcmp(v->u.object.keys[i], key) == 0) {
            have = true;
        } else if (YAJL_GET_INTEGER(t) < oldest) {
            oldest = YAJL_GET_INTEGER(t);
            drop = i;
        }
    }
    if (have || n < CLOCK_MAX) {
        drop = n;
    }
    lgx_buf_reset(out);
    lgx_err_t err = lgx_buf_puts(out, "{");
    bool first = true;
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        const char *k = v->u.object.keys[i];
        yajl_val tv = v->u.object.values[i];
        if (i == drop || !YAJL_IS_INTEGER(tv)) {
            continue;
        }
        int64_t t = YAJL_GET_INTEGER(tv);
        if (strcmp(k, key) == 0) {
            t = t > ms ? t : ms;
        }
        err = first ? LGX_OK : lgx_buf_puts(out, ",");
        if (err == LGX_OK) {
            err = lgx_buf_json_str(out, k, strlen(k));
        }
        if (err == LGX_OK) {
            err = lgx_buf_printf(out, ":%lld", (long long)t);
        }
        first = false;
    }
    if (err == LGX_OK && !have) {
        err = first ? LGX_OK : lgx_buf_puts(out, ",");
        if (err == LGX_OK) {
            err = lgx_buf_json_str(out, key, strlen(key));
        }
        if (err == LGX_OK) {
            err = lgx_buf_printf(out, ":%lld", (long long)ms);
        }
    }
    if (err == LGX_OK) {
        err = lgx_buf_puts(out, "}");
    }
    yajl_tree_free(v);
    free(key);
    return err;
}
