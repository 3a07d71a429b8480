#include "lgx_clock.h"

#include <stdbool.h>
#include <stdio.h>
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

int64_t lgx_clock_get(const char *clock_json, const char *event_type,
                      const char *source)
{
    char key[256];
    snprintf(key, sizeof(key), "%s/%s", event_type, source);
    yajl_val v = parse(clock_json);
    int64_t ms = -1;
    if (!lgx_json_get_int(v, key, &ms)) {
        ms = -1;
    }
    yajl_tree_free(v);
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
    char key[256];
    snprintf(key, sizeof(key), "%s/%s", event_type, source);
    yajl_val v = parse(clock_json);
    size_t n = v ? v->u.object.len : 0;
    int64_t oldest = INT64_MAX;
    size_t drop = n; /* index of the entry to drop when full */
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        int64_t t = 0;
        if (strcmp(v->u.object.keys[i], key) == 0) {
            have = true;
        } else if (lgx_json_get_int(v, v->u.object.keys[i], &t) && t < oldest) {
            oldest = t;
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
        int64_t t = 0;
        if (i == drop || !lgx_json_get_int(v, k, &t)) {
            continue;
        }
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
    return err;
}
