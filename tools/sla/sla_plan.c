#include "sla_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_json.h"
#include "lgx_time.h"

static const struct {
    const char *name;
    const char *summary;
    const char *advice;
} kinds[SLA_KINDS] = {
    {"booked_not_dispatched", "SLA: booked, not dispatched",
     "Please check with the warehouse and the transport platform why it has "
     "not left."},
    {"dispatched_no_milestone", "SLA: no carrier milestone",
     "Please ask the carrier where the parcel is."},
    {"delivered_no_pod", "SLA: delivered, no proof of delivery",
     "Please ask the carrier or the driver for the proof of delivery."},
};

const char *sla_kind_name(sla_kind_t k)
{
    return k < SLA_KINDS ? kinds[k].name : "?";
}

const char *sla_kind_summary(sla_kind_t k)
{
    return k < SLA_KINDS ? kinds[k].summary : "?";
}

bool sla_parse_hours(const char *s, double *hours)
{
    char *end = NULL;
    if (!s || !*s) {
        return false;
    }
    /* Digits and one dot only: strtod alone would take "inf", "0x1p3" or
     * a leading space. */
    for (const char *p = s; *p; p++) {
        if (!(*p >= '0' && *p <= '9') && *p != '.') {
            return false;
        }
    }
    double h = strtod(s, &end);
    if (end == s || *end || !isfinite(h) || h < 0 || h > SLA_MAX_HOURS) {
        return false;
    }
    *hours = h;
    return true;
}

void sla_cutoff(int64_t now_ms, double hours, char out[20])
{
    int64_t ms = now_ms - (int64_t)llround(hours * 3600000.0);
    lgx_time_odoo(ms - ((ms % 1000) + 1000) % 1000, out);
}

/* Every kind: status, the picking not cancelled in Odoo. */
static lgx_err_t put_status(lgx_buf_t *out, const char *statuses)
{
    return lgx_buf_printf(out,
                          "[\"x_lgx_shipment_status\",\"in\",[%s]],"
                          "[\"state\",\"!=\",\"cancel\"]",
                          statuses);
}

lgx_err_t sla_domain(lgx_buf_t *out, sla_kind_t k, const char *cutoff)
{
    lgx_buf_reset(out);
    lgx_err_t err = lgx_buf_puts(out, "[");
    switch (k) {
    case SLA_BOOKED_NOT_DISPATCHED:
        err = err == LGX_OK ? put_status(out, "\"booked\",\"labelled\"") : err;
        err = err == LGX_OK ? lgx_buf_printf(out,
                                             ",[\"x_lgx_booked_at\",\"<\","
                                             "\"%s\"]",
                                             cutoff)
                            : err;
        break;
    case SLA_DISPATCHED_NO_MILESTONE:
        /* max(milestone_at, dispatched_at) < cutoff, with a missing time
         * not counting (but at least one present); a milestone DELIVERED
         * belongs to delivered_no_pod. Each "unset" is spelt out rather
         * than left to the NULL semantics of "!=". */
        err = err == LGX_OK ? put_status(out, "\"dispatched\"") : err;
        err =
            err == LGX_OK
                ? lgx_buf_printf(out,
                                 ",\"|\",[\"x_lgx_milestone\",\"=\",false],"
                                 "[\"x_lgx_milestone\",\"!=\",\"DELIVERED\"],"
                                 "\"|\",[\"x_lgx_milestone_at\",\"=\",false],"
                                 "[\"x_lgx_milestone_at\",\"<\",\"%s\"],"
                                 "\"|\",[\"x_lgx_dispatched_at\",\"=\",false],"
                                 "[\"x_lgx_dispatched_at\",\"<\",\"%s\"],"
                                 "\"|\",[\"x_lgx_milestone_at\",\"!=\",false],"
                                 "[\"x_lgx_dispatched_at\",\"!=\",false]",
                                 cutoff, cutoff)
                : err;
        break;
    case SLA_DELIVERED_NO_POD:
        err = err == LGX_OK ? put_status(out, "\"dispatched\"") : err;
        err = err == LGX_OK
                  ? lgx_buf_printf(out,
                                   ",[\"x_lgx_milestone\",\"=\",\"DELIVERED\"],"
                                   "[\"x_lgx_milestone_at\",\"<\",\"%s\"],"
                                   "[\"x_lgx_delivered_at\",\"=\",false]",
                                   cutoff)
                  : err;
        break;
    default:
        return LGX_ERR_INVALID;
    }
    return err == LGX_OK ? lgx_buf_puts(out, "]") : err;
}

const char *sla_fields(void)
{
    return "[\"id\",\"name\",\"x_lgx_shipment_ref\",\"x_lgx_booked_at\","
           "\"x_lgx_dispatched_at\",\"x_lgx_milestone_at\",\"user_id\"]";
}

const char *sla_order(sla_kind_t k)
{
    switch (k) {
    case SLA_BOOKED_NOT_DISPATCHED:
        return "x_lgx_booked_at desc, id desc";
    case SLA_DISPATCHED_NO_MILESTONE:
        /* No milestone yet (NULLs first when descending) by dispatch,
         * then by last milestone. */
        return "x_lgx_milestone_at desc, x_lgx_dispatched_at desc, id desc";
    default:
        return "x_lgx_milestone_at desc, id desc";
    }
}

/* The time of field in rec, or -1 (unset is Odoo's false). */
static int64_t time_of(yajl_val rec, const char *field)
{
    int64_t ms = -1;
    if (!lgx_time_parse_odoo(lgx_json_get_str(rec, field), &ms)) {
        return -1;
    }
    return ms;
}

int64_t sla_since(sla_kind_t k, yajl_val rec)
{
    int64_t milestone = time_of(rec, "x_lgx_milestone_at");
    int64_t dispatched = time_of(rec, "x_lgx_dispatched_at");
    switch (k) {
    case SLA_BOOKED_NOT_DISPATCHED:
        return time_of(rec, "x_lgx_booked_at");
    case SLA_DISPATCHED_NO_MILESTONE:
        return milestone > dispatched ? milestone : dispatched;
    case SLA_DELIVERED_NO_POD:
        return milestone;
    default:
        return -1;
    }
}

double sla_age_hours(const sla_breach_t *b)
{
    int64_t age = b->now_ms - b->since_ms;
    return age > 0 ? (double)age / 3600000.0 : 0.0;
}

lgx_err_t sla_log_members(lgx_buf_t *out, const sla_breach_t *b)
{
    char since[20];
    double age = sla_age_hours(b);
    double late = age > b->threshold_h ? age - b->threshold_h : 0.0;
    lgx_time_odoo(b->since_ms, since);
    lgx_err_t err = lgx_buf_printf(
        out, "\"sla_kind\":\"%s\",\"picking\":", sla_kind_name(b->kind));
    err = err == LGX_OK ? lgx_buf_json_str(out, b->picking, strlen(b->picking))
                        : err;
    err = err == LGX_OK ? lgx_buf_printf(out, ",\"picking_id\":%lld",
                                         (long long)b->picking_id)
                        : err;
    if (err == LGX_OK && b->shipment) {
        err = lgx_buf_puts(out, ",\"shipment\":");
        err = err == LGX_OK
                  ? lgx_buf_json_str(out, b->shipment, strlen(b->shipment))
                  : err;
    }
    return err == LGX_OK ? lgx_buf_printf(out,
                                          ",\"since\":\"%s\",\"age_h\":%.4f,"
                                          "\"hours_late\":%.4f,"
                                          "\"threshold_h\":%g",
                                          since, age, late, b->threshold_h)
                         : err;
}

lgx_err_t sla_message(lgx_buf_t *out, const sla_breach_t *b)
{
    static const char *const fmt[SLA_KINDS] = {
        "booked %s UTC, not dispatched after %.1f h (threshold %g h)",
        "no carrier milestone since %s UTC, for %.1f h (threshold %g h)",
        "delivered %s UTC by the carrier's word, no proof of delivery after "
        "%.1f h (threshold %g h)",
    };
    char since[20];
    lgx_time_odoo(b->since_ms, since);
    lgx_buf_reset(out);
    if (b->kind >= SLA_KINDS) {
        return LGX_ERR_INVALID;
    }
    lgx_err_t err = lgx_buf_puts(out, b->picking);
    if (err == LGX_OK && b->shipment) {
        err = lgx_buf_printf(out, " (shipment %s)", b->shipment);
    }
    err = err == LGX_OK ? lgx_buf_puts(out, ": ") : err;
    return err == LGX_OK ? lgx_buf_printf(out, fmt[b->kind], since,
                                          sla_age_hours(b), b->threshold_h)
                         : err;
}

lgx_err_t sla_activity_text(lgx_buf_t *out, const sla_breach_t *b)
{
    lgx_err_t err = sla_message(out, b);
    return err == LGX_OK ? lgx_buf_printf(out, ". %s", kinds[b->kind].advice)
                         : err;
}

/* ---- the set of reported pickings ---- */

typedef struct seen_entry {
    int64_t id;
    bool pending;
} seen_entry_t;

struct sla_seen_s {
    seen_entry_t *e; /* sorted by id */
    size_t n, cap;
};

sla_seen_t *sla_seen_new(size_t cap)
{
    sla_seen_t *s = calloc(1, sizeof(*s));
    if (s && cap && !(s->e = calloc(cap, sizeof(*s->e)))) {
        free(s);
        return NULL;
    }
    if (s) {
        s->cap = cap;
    }
    return s;
}

void sla_seen_destroy(sla_seen_t *s)
{
    if (s) {
        free(s->e);
        free(s);
    }
}

static int cmp_entry(const void *a, const void *b)
{
    int64_t x = ((const seen_entry_t *)a)->id;
    int64_t y = ((const seen_entry_t *)b)->id;
    return x < y ? -1 : x > y;
}

static const seen_entry_t *find(const seen_entry_t *e, size_t n, int64_t id)
{
    seen_entry_t key = {id, false};
    return bsearch(&key, e, n, sizeof(*e), cmp_entry);
}

lgx_err_t sla_seen_update(sla_seen_t *s, const int64_t *ids, size_t n,
                          bool complete, bool *is_new)
{
    if (n > s->cap) {
        return LGX_ERR_INVALID;
    }
    seen_entry_t *next = calloc(s->cap ? s->cap : 1, sizeof(*next));
    if (!next) {
        return LGX_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const seen_entry_t *old = find(s->e, s->n, ids[i]);
        is_new[i] = old == NULL;
        next[m].id = ids[i];
        next[m].pending = old ? old->pending : true;
        m++;
    }
    qsort(next, m, sizeof(*next), cmp_entry);
    size_t u = m, fresh = m;
    for (size_t i = 0; !complete && i < s->n && u < s->cap; i++) {
        if (!find(next, fresh, s->e[i].id)) {
            next[u++] = s->e[i];
        }
    }
    qsort(next, u, sizeof(*next), cmp_entry);
    free(s->e);
    s->e = next;
    s->n = u;
    return LGX_OK;
}

bool sla_seen_has(const sla_seen_t *s, int64_t id)
{
    return find(s->e, s->n, id) != NULL;
}

bool sla_seen_pending(const sla_seen_t *s, int64_t id)
{
    const seen_entry_t *e = find(s->e, s->n, id);
    return e && e->pending;
}

void sla_seen_done(sla_seen_t *s, int64_t id)
{
    seen_entry_t *e = (seen_entry_t *)find(s->e, s->n, id);
    if (e) {
        e->pending = false;
    }
}

size_t sla_seen_count(const sla_seen_t *s)
{
    return s->n;
}
