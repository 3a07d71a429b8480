#include "sla.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_time.h"

/* What the last poll did, for /readyz. */
enum { POLL_NONE = 0, POLL_OK, POLL_FAILED };

struct sla_s {
    lgx_odoo_t *odoo;
    lgx_log_t *log;
    lgx_metrics_t *metrics;
    double hours[SLA_KINDS];
    long limit;
    const lgx_activity_t *activity; /* NULL: no activities */
    sla_seen_t *seen[SLA_KINDS];
    lgx_buf_t *domain, *kw, *text, *extra;
    int64_t *ids; /* room for limit */
    bool *is_new; /* room for limit */
    atomic_int state;
    atomic_int last_err; /* lgx_err_t of the failed poll */
};

static void declare_metrics(sla_t *s)
{
    static const struct {
        const char *name;
        lgx_metric_kind_t kind;
        const char *help;
    } fams[] = {
        {"lgx_sla_breaches", LGX_METRIC_GAUGE,
         "Pickings in breach of an SLA at the last poll, by kind"},
        {"lgx_sla_breaches_detected_total", LGX_METRIC_COUNTER,
         "Pickings found newly in breach, by kind (each once per breach)"},
        {"lgx_sla_poll_seconds", LGX_METRIC_HISTOGRAM,
         "Duration of a poll of Odoo (every watched kind)"},
        {"lgx_sla_last_poll_timestamp_seconds", LGX_METRIC_GAUGE,
         "Unix time of the last successful poll"},
        {"lgx_sla_poll_errors_total", LGX_METRIC_COUNTER,
         "Failed polls (stage query) and activities not created (stage "
         "activity)"},
    };
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        lgx_metrics_declare(s->metrics, fams[i].name, fams[i].kind,
                            fams[i].help);
    }
    /* Counters start at 0, so that the first breach is an increase. */
    char labels[128];
    for (int k = 0; k < SLA_KINDS; k++) {
        if (s->hours[k] > 0) {
            lgx_metrics_labels(labels, sizeof(labels), "kind",
                               sla_kind_name((sla_kind_t)k),
                               (const char *)NULL);
            lgx_metrics_add(s->metrics, "lgx_sla_breaches_detected_total",
                            labels, 0);
        }
    }
    lgx_metrics_add(s->metrics, "lgx_sla_poll_errors_total", "stage=\"query\"",
                    0);
    if (s->activity) {
        lgx_metrics_add(s->metrics, "lgx_sla_poll_errors_total",
                        "stage=\"activity\"", 0);
    }
}

sla_t *sla_new(lgx_odoo_t *odoo, lgx_log_t *log, lgx_metrics_t *metrics,
               const double *hours, long limit, const lgx_activity_t *activity)
{
    sla_t *s = calloc(1, sizeof(*s));
    bool ok = s && limit >= 1;
    if (ok) {
        s->odoo = odoo;
        s->log = log;
        s->metrics = metrics;
        s->limit = limit;
        s->activity = activity;
        memcpy(s->hours, hours, sizeof(s->hours));
        ok = (s->domain = lgx_buf_new()) && (s->kw = lgx_buf_new()) &&
             (s->text = lgx_buf_new()) && (s->extra = lgx_buf_new()) &&
             (s->ids = calloc((size_t)limit, sizeof(*s->ids))) &&
             (s->is_new = calloc((size_t)limit, sizeof(*s->is_new)));
    }
    /* Room for a poll's pickings and as many more kept from before when
     * a poll is limited (sla_seen_update). */
    for (int k = 0; ok && k < SLA_KINDS; k++) {
        ok = (s->seen[k] = sla_seen_new(2 * (size_t)limit)) != NULL;
    }
    if (!ok) {
        sla_destroy(s);
        return NULL;
    }
    declare_metrics(s);
    return s;
}

void sla_destroy(sla_t *s)
{
    if (!s) {
        return;
    }
    for (int k = 0; k < SLA_KINDS; k++) {
        sla_seen_destroy(s->seen[k]);
    }
    free(s->is_new);
    free(s->ids);
    lgx_buf_destroy(s->extra);
    lgx_buf_destroy(s->text);
    lgx_buf_destroy(s->kw);
    lgx_buf_destroy(s->domain);
    free(s);
}

static lgx_err_t fail(lgx_odoo_error_t *err, lgx_err_t rc, const char *name,
                      const char *message)
{
    err->code = rc;
    err->http_status = 0;
    snprintf(err->name, sizeof(err->name), "%s", name);
    snprintf(err->message, sizeof(err->message), "%s", message);
    return rc;
}

/* search_read of the kind's domain (in s->domain), newest first. */
static lgx_err_t read_breaches(sla_t *s, sla_kind_t k, yajl_val *recs,
                               lgx_odoo_error_t *err)
{
    lgx_buf_reset(s->kw);
    if (lgx_buf_printf(s->kw,
                       "{\"domain\":%s,\"fields\":%s,\"limit\":%ld,"
                       "\"order\":\"%s\"}",
                       lgx_buf_data(s->domain), sla_fields(), s->limit,
                       sla_order(k)) != LGX_OK) {
        return fail(err, LGX_ERR_NOMEM, "nomem", "out of memory");
    }
    return lgx_odoo_call(s->odoo, "stock.picking", "search_read", NULL, 0,
                         lgx_buf_data(s->kw), recs, err);
}

/* search_count of the kind's domain (in s->domain). */
static lgx_err_t count_breaches(sla_t *s, int64_t *n, lgx_odoo_error_t *err)
{
    yajl_val v = NULL;
    lgx_buf_reset(s->kw);
    if (lgx_buf_printf(s->kw, "{\"domain\":%s}", lgx_buf_data(s->domain)) !=
        LGX_OK) {
        return fail(err, LGX_ERR_NOMEM, "nomem", "out of memory");
    }
    lgx_err_t rc = lgx_odoo_call(s->odoo, "stock.picking", "search_count", NULL,
                                 0, lgx_buf_data(s->kw), &v, err);
    if (rc == LGX_OK && YAJL_IS_INTEGER(v)) {
        *n = YAJL_GET_INTEGER(v);
    }
    yajl_tree_free(v);
    return rc;
}

/* The breach of the picking rec of kind k. */
static sla_breach_t breach_of(const sla_t *s, sla_kind_t k, yajl_val rec,
                              int64_t now_ms)
{
    sla_breach_t b;
    memset(&b, 0, sizeof(b));
    b.kind = k;
    lgx_json_get_int(rec, "id", &b.picking_id);
    b.picking = lgx_json_get_str(rec, "name");
    b.picking = b.picking ? b.picking : "?";
    b.responsible = lgx_activity_responsible(rec);
    b.shipment = lgx_json_get_str(rec, "x_lgx_shipment_ref");
    b.shipment = b.shipment && b.shipment[0] ? b.shipment : NULL;
    b.since_ms = sla_since(k, rec);
    b.since_ms = b.since_ms >= 0 ? b.since_ms : now_ms;
    b.now_ms = now_ms;
    b.threshold_h = s->hours[k];
    return b;
}

/* The warning line and the count of one picking newly in breach. */
static void report(sla_t *s, const sla_breach_t *b, const char *labels)
{
    lgx_buf_reset(s->extra);
    if (sla_message(s->text, b) != LGX_OK ||
        sla_log_members(s->extra, b) != LGX_OK) {
        LGX_ERROR(s->log, "SLA breach of %s (%s): out of memory", b->picking,
                  sla_kind_name(b->kind));
    } else {
        lgx_log_write_extra(s->log, LGX_LOG_WARN, NULL, lgx_buf_data(s->extra),
                            "SLA breach: %s", lgx_buf_data(s->text));
    }
    lgx_metrics_add(s->metrics, "lgx_sla_breaches_detected_total", labels, 1);
}

/* The activity of one picking in breach whose activity is pending. A
 * fatal Odoo answer is returned (the program stops); others are logged,
 * counted, and tried again at the next poll. */
static lgx_err_t schedule(sla_t *s, const sla_breach_t *b,
                          lgx_odoo_error_t *err)
{
    if (sla_activity_text(s->text, b) != LGX_OK) {
        return fail(err, LGX_ERR_NOMEM, "nomem", "out of memory");
    }
    const char *call = NULL;
    lgx_err_t rc = lgx_activity_schedule(
        s->odoo, s->activity, b->picking_id, "sla", b->responsible,
        sla_kind_summary(b->kind), lgx_buf_data(s->text), err, &call);
    if (rc == LGX_OK) {
        sla_seen_done(s->seen[b->kind], b->picking_id);
        return LGX_OK;
    }
    lgx_metrics_add(s->metrics, "lgx_sla_poll_errors_total",
                    "stage=\"activity\"", 1);
    LGX_ERROR(s->log, "SLA activity for %s (%s) not created (%s): %s%s%s: %s",
              b->picking, sla_kind_name(b->kind), lgx_err_name(rc),
              call ? call : "", call ? ": " : "", err->name, err->message);
    return lgx_err_fatal(rc) ? rc : LGX_OK;
}

/* Reports the new ones among recs (complete: recs are all the pickings
 * in breach), then schedules the pending activities. */
static lgx_err_t handle(sla_t *s, sla_kind_t k, yajl_val recs, bool complete,
                        int64_t now_ms, const char *labels, size_t *fresh,
                        lgx_odoo_error_t *err)
{
    size_t n = lgx_json_ids(recs, s->ids, (size_t)s->limit);
    if (n != lgx_json_len(recs)) {
        return fail(err, LGX_ERR_ODOO_UNKNOWN, "bad answer",
                    "stock.picking search_read: a record without id");
    }
    if (sla_seen_update(s->seen[k], s->ids, n, complete, s->is_new) != LGX_OK) {
        return fail(err, LGX_ERR_NOMEM, "nomem", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (s->is_new[i]) {
            sla_breach_t b = breach_of(s, k, lgx_json_at(recs, i), now_ms);
            report(s, &b, labels);
            (*fresh)++;
        }
    }
    lgx_err_t rc = LGX_OK;
    for (size_t i = 0; s->activity && rc == LGX_OK && i < n; i++) {
        if (sla_seen_pending(s->seen[k], s->ids[i])) {
            sla_breach_t b = breach_of(s, k, lgx_json_at(recs, i), now_ms);
            rc = schedule(s, &b, err);
        }
    }
    return rc;
}

/* One kind: its breaches now (count) and the new ones (fresh). */
static lgx_err_t poll_kind(sla_t *s, sla_kind_t k, int64_t now_ms,
                           int64_t *count, size_t *fresh, lgx_odoo_error_t *err)
{
    char cutoff[20], labels[128];
    yajl_val recs = NULL;
    sla_cutoff(now_ms, s->hours[k], cutoff);
    lgx_metrics_labels(labels, sizeof(labels), "kind", sla_kind_name(k),
                       (const char *)NULL);
    if (sla_domain(s->domain, k, cutoff) != LGX_OK) {
        return fail(err, LGX_ERR_NOMEM, "nomem", "out of memory");
    }
    lgx_err_t rc = read_breaches(s, k, &recs, err);
    if (rc == LGX_OK && !YAJL_IS_ARRAY(recs)) {
        rc = fail(err, LGX_ERR_ODOO_UNKNOWN, "bad answer",
                  "stock.picking search_read did not answer a list");
    }
    bool complete = lgx_json_len(recs) < (size_t)s->limit;
    *count = (int64_t)lgx_json_len(recs);
    if (rc == LGX_OK && !complete) {
        rc = count_breaches(s, count, err);
    }
    if (rc == LGX_OK) {
        lgx_metrics_set(s->metrics, "lgx_sla_breaches", labels, (double)*count);
        rc = handle(s, k, recs, complete, now_ms, labels, fresh, err);
    }
    yajl_tree_free(recs);
    return rc;
}

/* The summary line: per watched kind, in breach and new. */
static void log_summary(sla_t *s, const int64_t *count, const size_t *fresh,
                        double seconds)
{
    int64_t total = 0;
    size_t total_new = 0;
    lgx_buf_reset(s->extra);
    lgx_err_t e = lgx_buf_puts(s->extra, "\"breaches\":{");
    for (int k = 0, first = 1; e == LGX_OK && k < SLA_KINDS; k++) {
        if (s->hours[k] > 0) {
            e = lgx_buf_printf(s->extra, "%s\"%s\":%lld", first ? "" : ",",
                               sla_kind_name((sla_kind_t)k),
                               (long long)count[k]);
            total += count[k];
            first = 0;
        }
    }
    e = e == LGX_OK ? lgx_buf_puts(s->extra, "},\"new\":{") : e;
    for (int k = 0, first = 1; e == LGX_OK && k < SLA_KINDS; k++) {
        if (s->hours[k] > 0) {
            e = lgx_buf_printf(s->extra, "%s\"%s\":%zu", first ? "" : ",",
                               sla_kind_name((sla_kind_t)k), fresh[k]);
            total_new += fresh[k];
            first = 0;
        }
    }
    e = e == LGX_OK ? lgx_buf_printf(s->extra, "},\"seconds\":%.3f", seconds)
                    : e;
    lgx_log_write_extra(s->log, LGX_LOG_INFO, NULL,
                        e == LGX_OK ? lgx_buf_data(s->extra) : NULL,
                        "SLA poll: %lld picking(s) in breach, %zu new",
                        (long long)total, total_new);
}

lgx_err_t sla_poll(sla_t *s, int64_t now_ms, lgx_odoo_error_t *err)
{
    int64_t count[SLA_KINDS] = {0};
    size_t fresh[SLA_KINDS] = {0};
    double start = lgx_time_mono_s();
    lgx_err_t rc = LGX_OK;
    memset(err, 0, sizeof(*err));
    for (int k = 0; rc == LGX_OK && k < SLA_KINDS; k++) {
        if (s->hours[k] > 0) {
            rc = poll_kind(s, (sla_kind_t)k, now_ms, &count[k], &fresh[k], err);
        }
    }
    double seconds = lgx_time_mono_s() - start;
    if (rc != LGX_OK) {
        atomic_store(&s->last_err, (int)rc);
        atomic_store(&s->state, POLL_FAILED);
        lgx_metrics_add(s->metrics, "lgx_sla_poll_errors_total",
                        "stage=\"query\"", 1);
        LGX_WARN(s->log, "SLA poll failed (%s): %s: %s", lgx_err_name(rc),
                 err->name, err->message);
        return rc;
    }
    atomic_store(&s->state, POLL_OK);
    lgx_metrics_observe(s->metrics, "lgx_sla_poll_seconds", NULL, seconds);
    lgx_metrics_set(s->metrics, "lgx_sla_last_poll_timestamp_seconds", NULL,
                    (double)now_ms / 1000.0);
    log_summary(s, count, fresh, seconds);
    return LGX_OK;
}

bool sla_ready(void *opaque, char *why, size_t size)
{
    sla_t *s = opaque;
    switch (atomic_load(&s->state)) {
    case POLL_OK:
        snprintf(why, size, "ready");
        return true;
    case POLL_FAILED:
        snprintf(why, size,
                 "degraded: the last poll of Odoo failed (%s); breaches are "
                 "not up to date",
                 lgx_err_name((lgx_err_t)atomic_load(&s->last_err)));
        return false;
    default:
        snprintf(why, size, "not ready: no poll of Odoo yet");
        return false;
    }
}
