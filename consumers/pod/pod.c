#include "pod.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro_value.h"
#include "lgx_domain.h"
#include "lgx_json.h"
#include "lgx_stock.h"
#include "lgx_time.h"
#include "pod_plan.h"

#define EVENT_TYPE "proof_of_delivery"
#define MAX_PICKINGS 64

const lgx_opt_t pod_opts[] = {
    {"invoice-check", LGX_OPT_BOOL, "true", offsetof(pod_conf_t, invoice_check),
     "Look up the sale order of a delivered picking and flag a POD that "
     "comes after invoicing (needs the sale module; turn off on a "
     "stock-only Odoo)",
     NULL, 0},
    LGX_ACTIVITY_OPTS(pod_conf_t, activity),
    LGX_OPT_END};

/* One event's data, as read from the record and from Odoo. */
typedef struct pod_job {
    const char *name;         /* picking_name, or NULL */
    const char *tracking_ref; /* or NULL */
    const char *receiver;
    int64_t delivered_at;
    const char *mimetype; /* signature; NULL when there is none */
    const void *signature;
    size_t signature_len;
    pod_line_t lines[POD_MAX_LINES];
    size_t n_lines;
    size_t n_issues;
    const lgx_rule_t *rule;
    yajl_val pickings;
    int64_t ids[MAX_PICKINGS];
    size_t n;
    yajl_val invoiced; /* sale orders of the pickings invoiced already */
} pod_job_t;

static bool reject(lgx_verdict_t *v, const char *reason, const char *msg)
{
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, reason, "%s", msg);
    return false;
}

/* The signature record, when there is one. */
static bool read_signature(avro_value_t *rec, pod_job_t *job, lgx_verdict_t *v)
{
    avro_value_t sig;
    const char *type = NULL;
    if (lgx_avro_get_branch(rec, "signature", &sig, &type) != LGX_OK) {
        return true; /* signed for without one */
    }
    job->mimetype = lgx_avro_str(&sig, "mimetype");
    if (!job->mimetype ||
        lgx_avro_get_bytes(&sig, "data", &job->signature,
                           &job->signature_len) != LGX_OK ||
        job->signature_len == 0) {
        return reject(v, "missing_field", "signature without mimetype or data");
    }
    return true;
}

static bool read_lines(avro_value_t *rec, pod_job_t *job, lgx_verdict_t *v)
{
    avro_value_t arr;
    char reason[64], msg[256];
    if (lgx_avro_get_array(rec, "lines", &arr, &job->n_lines) != LGX_OK) {
        job->n_lines = 0;
    }
    if (!pod_check_limits(job->n_lines, job->signature_len, reason,
                          sizeof(reason), msg, sizeof(msg))) {
        return reject(v, reason, msg);
    }
    for (size_t i = 0; i < job->n_lines; i++) {
        avro_value_t line;
        pod_line_t *l = &job->lines[i];
        if (avro_value_get_by_index(&arr, i, &line, NULL) != 0 ||
            lgx_avro_get_double(&line, "expected_qty", &l->expected) !=
                LGX_OK ||
            lgx_avro_get_double(&line, "delivered_qty", &l->delivered) !=
                LGX_OK) {
            snprintf(msg, sizeof(msg), "line %zu lacks its quantities", i + 1);
            return reject(v, "missing_field", msg);
        }
        l->code = lgx_avro_str(&line, "product_code");
        l->issue = lgx_avro_enum(&line, "issue");
    }
    if (!pod_check_lines(job->lines, job->n_lines, reason, sizeof(reason), msg,
                         sizeof(msg))) {
        return reject(v, reason, msg);
    }
    job->n_issues = pod_count_issues(job->lines, job->n_lines);
    return true;
}

static bool read_event(const lgx_event_t *ev, pod_job_t *job, lgx_verdict_t *v)
{
    avro_value_t *rec = lgx_event_record(ev);
    job->name = lgx_avro_str(rec, "picking_name");
    job->tracking_ref = lgx_avro_str(rec, "tracking_ref");
    job->receiver = lgx_avro_str(rec, "receiver_name");
    if (!job->name && !job->tracking_ref) {
        return reject(v, "missing_field",
                      "neither picking_name nor tracking_ref is given");
    }
    if (!job->receiver ||
        lgx_avro_get_long(rec, "delivered_at", &job->delivered_at) != LGX_OK) {
        return reject(v, "missing_field",
                      "receiver_name or delivered_at is missing");
    }
    return read_signature(rec, job, v) && read_lines(rec, job, v);
}

/* Ownership, before any Odoo call: what this POD would write and call. */
static bool owned(const pod_job_t *job, lgx_verdict_t *v)
{
    static const char *const fields[] = {"x_lgx_delivered_at", "x_lgx_receiver",
                                         "x_lgx_shipment_status",
                                         "x_lgx_clock_pod", NULL};
    return lgx_stock_gate_writes(job->rule, fields, v) &&
           (!job->mimetype ||
            lgx_gate_call(job->rule, "ir.attachment", "create", v)) &&
           (!job->n_issues ||
            lgx_gate_call(job->rule, "mail.activity", "create", v));
}

/* The picking by name (a name Odoo does not know is refused), else the
 * pickings of the tracking ref (none yet: status "none", the POD waits);
 * one search_read. Then the rules. */
static bool fetch_and_gate(lgx_stock_state_t *s, const lgx_event_t *ev,
                           pod_job_t *job, lgx_verdict_t *v)
{
    char entity[300];
    if (!lgx_stock_pickings_eq(lgx_stock_state_odoo(s),
                               job->name ? "name" : "carrier_tracking_ref",
                               job->name ? job->name : job->tracking_ref,
                               job->name ? 1 : MAX_PICKINGS, &job->pickings,
                               v)) {
        return false;
    }
    if (job->name && lgx_json_len(job->pickings) == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking named %s in Odoo", job->name);
        return false;
    }
    snprintf(entity, sizeof(entity), "tracking ref %s",
             job->tracking_ref ? job->tracking_ref : "?");
    return lgx_stock_gate(ev, job->rule, job->pickings, entity, job->ids,
                          MAX_PICKINGS, &job->n, v);
}

/* The sale orders of the pickings that are invoiced already (one
 * search_read, unless --invoice-check is off). */
static bool fetch_invoiced(lgx_stock_state_t *s, pod_job_t *job,
                           lgx_verdict_t *v)
{
    const pod_conf_t *conf = lgx_stock_state_conf(s);
    lgx_buf_t *d = lgx_stock_state_buf(s, 0);
    lgx_odoo_error_t err;
    if (!conf->invoice_check) {
        return true;
    }
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_in(&dom, "picking_ids");
    for (size_t i = 0; i < job->n; i++) {
        lgx_domain_item_int(&dom, job->ids[i]);
    }
    lgx_domain_in(&dom, "invoice_status");
    lgx_domain_item_str(&dom, "invoiced");
    lgx_domain_item_str(&dom, "upselling");
    lgx_err_t rc = lgx_domain_end(&dom);
    if (rc != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    rc = lgx_odoo_search_read(lgx_stock_state_odoo(s), "sale.order",
                              lgx_buf_data(d), "[\"name\"]", 0, &job->invoiced,
                              &err);
    if (!lgx_stock_ok(rc, &err, "sale.order search_read", v)) {
        return false;
    }
    return lgx_json_len(job->invoiced) == 0 ||
           lgx_gate_call(job->rule, "mail.thread", "message_post", v);
}

/* "S00011, S00012" (the invoiced orders) into out. */
static lgx_err_t order_names(lgx_buf_t *out, yajl_val orders)
{
    lgx_err_t err = LGX_OK;
    lgx_buf_reset(out);
    for (size_t i = 0; err == LGX_OK && i < lgx_json_len(orders); i++) {
        const char *name = lgx_json_get_str(lgx_json_at(orders, i), "name");
        err = lgx_buf_printf(out, "%s%s", i ? ", " : "", name ? name : "?");
    }
    return err;
}

/* The chatter note on every picking of an order invoiced already. */
static bool flag_invoiced(lgx_stock_state_t *s, const lgx_event_t *ev,
                          pod_job_t *job, lgx_verdict_t *v)
{
    lgx_buf_t *a = lgx_stock_state_buf(s, 1), *b = lgx_stock_state_buf(s, 2);
    if (order_names(a, job->invoiced) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    lgx_buf_reset(b);
    if (lgx_buf_printf(b,
                       "POD received after invoicing (%s invoiced); lgx "
                       "creates no invoice",
                       lgx_buf_data(a)) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    for (size_t i = 0; i < job->n; i++) {
        if (!lgx_stock_note(lgx_stock_state_odoo(s), job->ids[i],
                            lgx_buf_data(b), lgx_event_id(ev), v)) {
            return false;
        }
    }
    return true;
}

/* The signature and the delivery-issue activity on one picking; each is
 * created at most once (lgx_stock_attach and lgx_stock_todo look first). */
static bool document(lgx_stock_state_t *s, pod_job_t *job, size_t i,
                     lgx_verdict_t *v)
{
    lgx_odoo_t *o = lgx_stock_state_odoo(s);
    lgx_buf_t *a = lgx_stock_state_buf(s, 1), *b = lgx_stock_state_buf(s, 2);
    const char *name = lgx_json_get_str(lgx_json_at(job->pickings, i), "name");
    name = name ? name : "?";
    if (job->mimetype) {
        lgx_buf_reset(a);
        if (lgx_buf_printf(a, "POD signature %s", name) != LGX_OK) {
            return lgx_stock_nomem(v);
        }
        if (!lgx_stock_attach(o, job->ids[i], lgx_buf_data(a), job->mimetype,
                              job->signature, job->signature_len, v)) {
            return false;
        }
    }
    if (!job->n_issues) {
        return true;
    }
    if (pod_issues(a, b, name, job->lines, job->n_lines) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_todo(
        o, lgx_stock_state_activity(s), job->ids[i], "shortage",
        lgx_activity_responsible(lgx_json_at(job->pickings, i)),
        lgx_buf_data(a), lgx_buf_data(b), v);
}

/* One write: delivered at, receiver, status delivered and the clock. */
static bool record(lgx_stock_state_t *s, const lgx_event_t *ev, pod_job_t *job,
                   lgx_verdict_t *v)
{
    lgx_buf_t *vals = lgx_stock_state_buf(s, 0);
    if (!lgx_stock_vals_begin(vals, job->pickings, ev, job->rule, v)) {
        return false;
    }
    if (lgx_stock_val_time(vals, "x_lgx_delivered_at", job->delivered_at) !=
            LGX_OK ||
        lgx_stock_val_str(vals, "x_lgx_receiver", job->receiver) != LGX_OK ||
        lgx_stock_val_str(vals, "x_lgx_shipment_status", "delivered") !=
            LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_write_vals(lgx_stock_state_odoo(s), vals, job->ids, job->n,
                                v);
}

static void apply(lgx_stock_state_t *s, const lgx_event_t *ev, pod_job_t *job,
                  lgx_verdict_t *v)
{
    bool invoiced = lgx_json_len(job->invoiced) > 0;
    /* The documents and the invoicing note first, the write that makes
     * the picking delivered last: until that write a replay is not stale
     * and redoes what a crash cut short, and each document and note is
     * guarded in Odoo, so none is ever made twice. */
    for (size_t i = 0; i < job->n; i++) {
        if (!document(s, job, i, v)) {
            return;
        }
    }
    if ((invoiced && !flag_invoiced(s, ev, job, v)) || !record(s, ev, job, v)) {
        return;
    }
    char when[20];
    const char *name = lgx_json_get_str(lgx_json_at(job->pickings, 0), "name");
    lgx_time_odoo(job->delivered_at, when);
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                    "%s%s: delivered %s UTC to %s%s; %zu delivery issue(s)%s%s",
                    name ? name : "?", job->n > 1 ? " and others" : "", when,
                    job->receiver, job->mimetype ? ", signature attached" : "",
                    job->n_issues, invoiced ? "; already_invoiced: " : "",
                    invoiced ? lgx_buf_data(lgx_stock_state_buf(s, 1)) : "");
}

void pod_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    lgx_stock_state_t *s = state;
    pod_job_t *job = calloc(1, sizeof(*job));
    if (!job) {
        lgx_stock_nomem(v);
        return;
    }
    job->rule = lgx_event_rule(ev, EVENT_TYPE, v);
    if (job->rule && read_event(ev, job, v) && owned(job, v) &&
        fetch_and_gate(s, ev, job, v) && fetch_invoiced(s, job, v)) {
        apply(s, ev, job, v);
    }
    yajl_tree_free(job->invoiced);
    yajl_tree_free(job->pickings);
    free(job);
}
