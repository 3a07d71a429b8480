/*
 * lgx_stock: pickings read with the fields every consumer needs, the
 * rules' gates on them, the vals of a picking write and the write itself,
 * and validation (with Odoo's backorder wizard). What is posted on
 * pickings (notes, attachments, activities) and a batch handler's state
 * are in lgx_stock_notes.c; the steps of a route and cancelled pickings in
 * lgx_stock_route.c.
 */
#include "lgx_domain.h"
#include "lgx_stock.h"

#include <stdio.h>
#include <string.h>

#include "lgx_avro_value.h"
#include "lgx_time.h"
#include "lgx_clock.h"
#include "lgx_json.h"

#define PICKING_FIELDS                                                         \
    "[\"id\",\"name\",\"state\",\"picking_type_code\",\"carrier_id\","         \
    "\"carrier_tracking_ref\",\"x_lgx_shipment_ref\","                         \
    "\"x_lgx_shipment_status\",\"x_lgx_clock\",\"x_lgx_clock_picks\","         \
    "\"x_lgx_clock_shipments\",\"x_lgx_clock_milestones\","                    \
    "\"x_lgx_clock_pod\",\"x_lgx_milestone_at\",\"user_id\","                  \
    "\"picking_type_id\",\"write_uid\",\"write_date\"]"

bool lgx_stock_ok(lgx_err_t rc, const lgx_odoo_error_t *err, const char *what,
                  lgx_verdict_t *v)
{
    if (rc == LGX_OK) {
        return true;
    }
    lgx_verdict_from_odoo(v, err, what);
    return false;
}

bool lgx_stock_pickings(lgx_odoo_t *o, const char *domain_json, long limit,
                        yajl_val *recs, lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    lgx_err_t rc = lgx_odoo_search_read(o, "stock.picking", domain_json,
                                        PICKING_FIELDS, limit, recs, &err);
    return lgx_stock_ok(rc, &err, "stock.picking search_read", v);
}

lgx_err_t lgx_stock_domain_eq(lgx_buf_t *out, const char *field,
                              const char *value)
{
    lgx_domain_t d;
    lgx_domain_start(&d, out);
    lgx_domain_str(&d, field, "=", value);
    return lgx_domain_end(&d);
}

const char *lgx_stock_clock(yajl_val picking, const char *event_type)
{
    const char *field = lgx_clock_field(event_type);
    return lgx_clock_pick(field ? lgx_json_get_str(picking, field) : NULL,
                          lgx_json_get_str(picking, LGX_CLOCK_LEGACY_FIELD));
}

const char *lgx_stock_status(yajl_val picking)
{
    const char *s = lgx_json_get_str(picking, "x_lgx_shipment_status");
    return s && s[0] ? s : "none";
}

bool lgx_stock_write(lgx_odoo_t *o, const char *model, const int64_t *ids,
                     size_t n, const char *vals_json, lgx_verdict_t *v)
{
    lgx_buf_t *kw = lgx_buf_new();
    lgx_odoo_error_t err;
    char what[128];
    snprintf(what, sizeof(what), "%s write", model);
    lgx_err_t rc =
        kw ? lgx_buf_printf(kw, "{\"vals\":%s}", vals_json) : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, model, "write", ids, n, lgx_buf_data(kw), NULL,
                           &err);
    } else {
        err.code = rc;
        snprintf(err.name, sizeof(err.name), "nomem");
        err.message[0] = '\0';
        err.http_status = 0;
    }
    lgx_buf_destroy(kw);
    return lgx_stock_ok(rc, &err, what, v);
}

/* Creates Odoo's backorder wizard with the context it gave and processes
 * it: the picking is validated and the rest goes to a backorder. */
static bool process_backorder(lgx_odoo_t *o, yajl_val action, lgx_verdict_t *v)
{
    lgx_buf_t *b = lgx_buf_new();
    yajl_val ctx = lgx_json_get(action, "context");
    yajl_val wid = NULL;
    lgx_odoo_error_t err;
    bool ok = b && lgx_json_write(b, ctx) == LGX_OK;
    lgx_err_t rc = ok ? lgx_odoo_create(o, "stock.backorder.confirmation",
                                        "[{}]", lgx_buf_data(b), &wid, &err)
                      : LGX_ERR_NOMEM;
    ok = ok && lgx_stock_ok(rc, &err, "stock.backorder.confirmation create", v);
    int64_t id = lgx_json_m2o_id(lgx_json_at(wid, 0));
    yajl_tree_free(wid);
    if (ok) {
        lgx_buf_reset(b);
        ok = lgx_buf_puts(b, "{\"context\":") == LGX_OK &&
             lgx_json_write(b, ctx) == LGX_OK && lgx_buf_puts(b, "}") == LGX_OK;
        rc = lgx_odoo_call(o, "stock.backorder.confirmation", "process", &id, 1,
                           lgx_buf_data(b), NULL, &err);
        ok = ok &&
             lgx_stock_ok(rc, &err, "stock.backorder.confirmation process", v);
    }
    lgx_buf_destroy(b);
    return ok;
}

bool lgx_stock_validate(lgx_odoo_t *o, int64_t picking_id, const char *name,
                        bool keep_rest, bool *backorder, lgx_verdict_t *v)
{
    char kwargs[256];
    if (keep_rest) {
        snprintf(kwargs, sizeof(kwargs), "{\"context\":{\"skip_sms\":true}}");
    } else {
        snprintf(kwargs, sizeof(kwargs),
                 "{\"context\":{\"skip_sms\":true,\"skip_backorder\":true,"
                 "\"picking_ids_not_to_backorder\":[%lld]}}",
                 (long long)picking_id);
    }
    lgx_odoo_error_t err;
    yajl_val res = NULL;
    lgx_err_t rc = lgx_odoo_call(o, "stock.picking", "button_validate",
                                 &picking_id, 1, kwargs, &res, &err);
    if (!lgx_stock_ok(rc, &err, "stock.picking button_validate", v)) {
        return false;
    }
    bool ok = true;
    const char *wizard = lgx_json_get_str(res, "res_model");
    *backorder = false;
    if (YAJL_IS_TRUE(res)) {
        ok = true;
    } else if (wizard && strcmp(wizard, "stock.backorder.confirmation") == 0) {
        ok = process_backorder(o, res, v);
        *backorder = ok;
    } else {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unexpected_wizard",
                        "button_validate on %s asked for %s; not handled", name,
                        wizard ? wizard : "something unknown");
        ok = false;
    }
    yajl_tree_free(res);
    return ok;
}

/* ---- shared by lgx-milestones and lgx-pod ---- */

bool lgx_stock_nomem(lgx_verdict_t *v)
{
    lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
    return false;
}

bool lgx_stock_pickings_eq(lgx_odoo_t *o, const char *field, const char *value,
                           long limit, yajl_val *recs, lgx_verdict_t *v)
{
    lgx_buf_t *d = lgx_buf_new();
    bool ok = d && lgx_stock_domain_eq(d, field, value) == LGX_OK;
    ok = ok ? lgx_stock_pickings(o, lgx_buf_data(d), limit, recs, v)
            : lgx_stock_nomem(v);
    lgx_buf_destroy(d);
    return ok;
}

bool lgx_stock_gate(const lgx_event_t *ev, const lgx_rule_t *rule,
                    yajl_val pickings, const char *entity, int64_t *ids,
                    size_t max, size_t *n, lgx_verdict_t *v)
{
    yajl_val first = lgx_json_at(pickings, 0);
    const char *name = lgx_json_get_str(first, "name");
    if (!lgx_stock_gate_pickings(NULL, NULL, ev, rule, pickings,
                                 lgx_stock_status(first), name ? name : entity,
                                 NULL, v)) {
        return false;
    }
    *n = lgx_json_ids(pickings, ids, max);
    if (*n == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking has %s", entity);
        return false;
    }
    return true;
}

bool lgx_stock_gate_writes(const lgx_rule_t *rule, const char *const *fields,
                           lgx_verdict_t *v)
{
    for (const char *const *f = fields; *f; f++) {
        if (!lgx_gate_write(rule, "stock.picking", *f, v)) {
            return false;
        }
    }
    return true;
}

bool lgx_stock_vals_begin(lgx_buf_t *vals, yajl_val pickings,
                          const lgx_event_t *ev, const lgx_rule_t *rule,
                          lgx_verdict_t *v)
{
    const char *clock =
        lgx_stock_clock(lgx_json_at(pickings, 0), lgx_rule_event_type(rule));
    lgx_buf_reset(vals);
    if (lgx_buf_puts(vals, "{") != LGX_OK ||
        lgx_clock_member(vals, clock, lgx_rule_event_type(rule),
                         lgx_event_source(ev),
                         lgx_event_occurred_at(ev)) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return true;
}

lgx_err_t lgx_stock_val_str(lgx_buf_t *vals, const char *field,
                            const char *value)
{
    lgx_err_t err = lgx_buf_printf(vals, ",\"%s\":", field);
    return err == LGX_OK ? lgx_buf_json_str(vals, value, strlen(value)) : err;
}

lgx_err_t lgx_stock_val_time(lgx_buf_t *vals, const char *field, int64_t ms)
{
    char t[20];
    lgx_time_odoo(ms, t);
    return lgx_stock_val_str(vals, field, t);
}

bool lgx_stock_write_vals(lgx_odoo_t *o, lgx_buf_t *vals, const int64_t *ids,
                          size_t n, lgx_verdict_t *v)
{
    if (lgx_buf_puts(vals, "}") != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_write(o, "stock.picking", ids, n, lgx_buf_data(vals), v);
}

bool lgx_stock_pickings_in(lgx_odoo_t *o, const char *field,
                           const char *const *values, size_t n, yajl_val *recs,
                           lgx_verdict_t *v)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_in(&dom, field);
    for (size_t i = 0; i < n; i++) {
        lgx_domain_item_str(&dom, values[i]);
    }
    lgx_err_t err = lgx_domain_end(&dom);
    bool ok = err == LGX_OK ? lgx_stock_pickings(o, lgx_buf_data(d), 0, recs, v)
                            : lgx_stock_nomem(v);
    lgx_buf_destroy(d);
    return ok;
}
