#include "lgx_stock.h"

#include <stdio.h>
#include <string.h>

#include "lgx_json.h"

#define PICKING_FIELDS                                                         \
    "[\"id\",\"name\",\"state\",\"picking_type_code\",\"carrier_id\","         \
    "\"carrier_tracking_ref\",\"x_lgx_shipment_ref\","                         \
    "\"x_lgx_shipment_status\",\"x_lgx_clock\",\"x_lgx_milestone_at\"]"

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
    lgx_buf_reset(out);
    lgx_err_t err = lgx_buf_printf(out, "[[\"%s\",\"=\",", field);
    if (err == LGX_OK) {
        err = lgx_buf_json_str(out, value, strlen(value));
    }
    return err == LGX_OK ? lgx_buf_puts(out, "]]") : err;
}

const char *lgx_stock_status(yajl_val picking)
{
    const char *s = lgx_json_get_str(picking, "x_lgx_shipment_status");
    return s && s[0] ? s : "none";
}

size_t lgx_stock_ids(yajl_val recs, int64_t *ids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < lgx_json_len(recs) && n < max; i++) {
        if (lgx_json_get_int(lgx_json_at(recs, i), "id", &ids[n])) {
            n++;
        }
    }
    return n;
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

bool lgx_stock_note(lgx_odoo_t *o, int64_t picking_id, const char *body,
                    lgx_verdict_t *v)
{
    lgx_buf_t *kw = lgx_buf_new();
    lgx_odoo_error_t err;
    lgx_err_t rc = kw ? lgx_buf_puts(kw, "{\"body\":") : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_buf_json_str(kw, body, strlen(body));
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_puts(kw, ",\"message_type\":\"comment\","
                              "\"subtype_xmlid\":\"mail.mt_note\"}");
    }
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, "stock.picking", "message_post", &picking_id, 1,
                           lgx_buf_data(kw), NULL, &err);
    }
    lgx_buf_destroy(kw);
    if (rc == LGX_ERR_NOMEM) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return false;
    }
    return lgx_stock_ok(rc, &err, "stock.picking message_post", v);
}

/* True when a record of model matches domain_json (one search_count). */
static bool exists(lgx_odoo_t *o, const char *model, const char *domain_json,
                   bool *found, lgx_verdict_t *v)
{
    lgx_buf_t *kw = lgx_buf_new();
    lgx_odoo_error_t err;
    yajl_val n = NULL;
    char what[128];
    snprintf(what, sizeof(what), "%s search_count", model);
    lgx_err_t rc =
        kw ? lgx_buf_printf(kw, "{\"domain\":%s}", domain_json) : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, model, "search_count", NULL, 0, lgx_buf_data(kw),
                           &n, &err);
    }
    lgx_buf_destroy(kw);
    if (rc == LGX_ERR_NOMEM) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return false;
    }
    *found = YAJL_IS_INTEGER(n) && YAJL_GET_INTEGER(n) > 0;
    yajl_tree_free(n);
    return lgx_stock_ok(rc, &err, what, v);
}

bool lgx_stock_activity(lgx_odoo_t *o, int64_t picking_id, const char *summary,
                        const char *note, lgx_verdict_t *v)
{
    lgx_buf_t *b = lgx_buf_new();
    bool found = false, ok = b != NULL;
    ok = ok &&
         lgx_buf_printf(b,
                        "[[\"res_model\",\"=\",\"stock.picking\"],"
                        "[\"res_id\",\"=\",%lld],[\"summary\",\"=\",",
                        (long long)picking_id) == LGX_OK &&
         lgx_buf_json_str(b, summary, strlen(summary)) == LGX_OK &&
         lgx_buf_puts(b, "]]") == LGX_OK;
    ok = ok && exists(o, "mail.activity", lgx_buf_data(b), &found, v);
    if (ok && !found) {
        lgx_buf_reset(b);
        ok = lgx_buf_printf(b,
                            "[{\"res_model\":\"stock.picking\","
                            "\"res_id\":%lld,\"summary\":",
                            (long long)picking_id) == LGX_OK &&
             lgx_buf_json_str(b, summary, strlen(summary)) == LGX_OK &&
             lgx_buf_puts(b, ",\"note\":") == LGX_OK &&
             lgx_buf_json_str(b, note, strlen(note)) == LGX_OK &&
             lgx_buf_puts(b, "}]") == LGX_OK;
        lgx_odoo_error_t err;
        lgx_err_t rc = ok ? lgx_odoo_create(o, "mail.activity", lgx_buf_data(b),
                                            NULL, NULL, &err)
                          : LGX_ERR_NOMEM;
        ok = lgx_stock_ok(rc, &err, "mail.activity create", v);
    }
    lgx_buf_destroy(b);
    return ok;
}

lgx_err_t lgx_stock_base64(lgx_buf_t *out, const void *data, size_t len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    lgx_err_t err = LGX_OK;
    for (size_t i = 0; err == LGX_OK && i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len) {
            v |= (unsigned)p[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= p[i + 2];
        }
        char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63],
                     i + 1 < len ? tbl[(v >> 6) & 63] : '=',
                     i + 2 < len ? tbl[v & 63] : '='};
        err = lgx_buf_append(out, q, 4);
    }
    return err;
}

bool lgx_stock_attach(lgx_odoo_t *o, int64_t picking_id, const char *name,
                      const char *mimetype, const void *data, size_t len,
                      lgx_verdict_t *v)
{
    lgx_buf_t *b = lgx_buf_new();
    bool found = false, ok = b != NULL;
    ok = ok &&
         lgx_buf_printf(b,
                        "[[\"res_model\",\"=\",\"stock.picking\"],"
                        "[\"res_id\",\"=\",%lld],[\"name\",\"=\",",
                        (long long)picking_id) == LGX_OK &&
         lgx_buf_json_str(b, name, strlen(name)) == LGX_OK &&
         lgx_buf_puts(b, "]]") == LGX_OK;
    ok = ok && exists(o, "ir.attachment", lgx_buf_data(b), &found, v);
    if (ok && !found) {
        lgx_buf_reset(b);
        ok = lgx_buf_puts(b, "[{\"name\":") == LGX_OK &&
             lgx_buf_json_str(b, name, strlen(name)) == LGX_OK &&
             lgx_buf_puts(b, ",\"mimetype\":") == LGX_OK &&
             lgx_buf_json_str(b, mimetype, strlen(mimetype)) == LGX_OK &&
             lgx_buf_printf(b,
                            ",\"res_model\":\"stock.picking\","
                            "\"res_id\":%lld,\"datas\":\"",
                            (long long)picking_id) == LGX_OK &&
             lgx_stock_base64(b, data, len) == LGX_OK &&
             lgx_buf_puts(b, "\"}]") == LGX_OK;
        lgx_odoo_error_t err;
        lgx_err_t rc = ok ? lgx_odoo_create(o, "ir.attachment", lgx_buf_data(b),
                                            NULL, NULL, &err)
                          : LGX_ERR_NOMEM;
        ok = lgx_stock_ok(rc, &err, "ir.attachment create", v);
    }
    lgx_buf_destroy(b);
    return ok;
}
