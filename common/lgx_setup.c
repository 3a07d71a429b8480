#include "lgx_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_domain.h"
#include "lgx_json.h"
#include "lgx_setup_reqs.h"

static bool is_custom_model(const char *model)
{
    return strncmp(model, "x_", 2) == 0;
}

static bool is_custom(const lgx_setup_req_t *r)
{
    return r->field ? strncmp(r->field, "x_", 2) == 0
                    : is_custom_model(r->model);
}

static bool wanted_has(const char *const *wanted, const lgx_setup_req_t *r)
{
    if (!wanted) {
        return true;
    }
    char full[256];
    snprintf(full, sizeof(full), "%s%s%s", r->model, r->field ? "." : "",
             r->field ? r->field : "");
    for (const char *const *w = wanted; *w; w++) {
        if (strcmp(*w, full) == 0) {
            return true;
        }
    }
    return false;
}

/* The distinct models that wanted requirements live on. */
static size_t wanted_models(const char *const *wanted, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < LGX_SETUP_N_REQS; i++) {
        if (!wanted_has(wanted, &lgx_setup_reqs[i])) {
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < n; j++) {
            seen = seen || strcmp(out[j], lgx_setup_reqs[i].model) == 0;
        }
        if (!seen) {
            out[n++] = lgx_setup_reqs[i].model;
        }
    }
    return n;
}

/* Ids of the models that exist, by ir.model search_read. *found gets the
 * records (free with yajl_tree_free). */
static lgx_err_t existing_models(lgx_odoo_t *odoo, const char **models,
                                 size_t n, yajl_val *found,
                                 lgx_odoo_error_t *err)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_in(&dom, "model");
    for (size_t i = 0; i < n; i++) {
        lgx_domain_item_str(&dom, models[i]);
    }
    lgx_err_t rc = lgx_domain_end(&dom);
    if (rc == LGX_OK) {
        rc = lgx_odoo_search_read(odoo, "ir.model", lgx_buf_data(d),
                                  "[\"id\",\"model\"]", 0, found, err);
    }
    lgx_buf_destroy(d);
    return rc;
}

static int64_t model_id(yajl_val found, const char *model)
{
    for (size_t i = 0; i < lgx_json_len(found); i++) {
        yajl_val m = lgx_json_at(found, i);
        const char *name = lgx_json_get_str(m, "model");
        int64_t id = 0;
        if (name && strcmp(name, model) == 0 &&
            lgx_json_get_int(m, "id", &id)) {
            return id;
        }
    }
    return 0;
}

/* The fields of model (fields_get, type only). */
static lgx_err_t model_fields(lgx_odoo_t *odoo, const char *model,
                              yajl_val *fields, lgx_odoo_error_t *err)
{
    return lgx_odoo_call(odoo, model, "fields_get", NULL, 0,
                         "{\"attributes\":[\"type\"]}", fields, err);
}

/* Walks the wanted requirements and reports each missing one to fn. */
typedef lgx_err_t (*missing_fn)(void *ctx, const lgx_setup_req_t *r,
                                int64_t model_id, const char *why);

/* True when err is Odoo's answer for a model it does not have (JSON-2: 404;
 * JSON-RPC: UserError "Object x doesn't exist"). */
static bool unknown_model(lgx_err_t rc, const lgx_odoo_error_t *err)
{
    return rc == LGX_ERR_ODOO_CONFIG &&
           (err->http_status == 404 || strstr(err->message, "exist"));
}

/* The fields of one model, or *fields NULL when Odoo has no such model.
 * With ids, whether the model exists comes from found (ir.model);
 * without, from fields_get alone: Odoo checks no access right there, while
 * ir.model is readable only by Administration / Access Rights, which the
 * integration user a consumer runs as should not need. */
static lgx_err_t model_lookup(lgx_odoo_t *odoo, const char *model,
                              yajl_val found, bool ids, int64_t *mid,
                              yajl_val *fields, lgx_odoo_error_t *err)
{
    *fields = NULL;
    *mid = ids ? model_id(found, model) : 1;
    if (!*mid) {
        return LGX_OK;
    }
    lgx_err_t rc = model_fields(odoo, model, fields, err);
    if (!ids && unknown_model(rc, err)) {
        *mid = 0;
        rc = LGX_OK;
    }
    return rc;
}

/* ids: find the models' ids (ir.model), needed to create fields. */
static lgx_err_t walk_missing(lgx_odoo_t *odoo, const char *const *wanted,
                              bool ids, missing_fn fn, void *ctx,
                              lgx_odoo_error_t *err)
{
    const char *models[LGX_SETUP_N_REQS];
    size_t n = wanted_models(wanted, models);
    yajl_val found = NULL;
    lgx_err_t rc = ids ? existing_models(odoo, models, n, &found, err) : LGX_OK;
    for (size_t m = 0; rc == LGX_OK && m < n; m++) {
        int64_t mid = 0;
        yajl_val fields = NULL;
        rc = model_lookup(odoo, models[m], found, ids, &mid, &fields, err);
        for (size_t i = 0; rc == LGX_OK && i < LGX_SETUP_N_REQS; i++) {
            const lgx_setup_req_t *r = &lgx_setup_reqs[i];
            if (strcmp(r->model, models[m]) != 0 || !wanted_has(wanted, r)) {
                continue;
            }
            yajl_val f = r->field ? lgx_json_get(fields, r->field) : NULL;
            const char *type = lgx_json_get_str(f, "type");
            if (!mid) {
                rc = fn(ctx, r, 0, "model missing");
            } else if (r->field && !f) {
                rc = fn(ctx, r, mid, "field missing");
            } else if (r->field && type && strcmp(type, r->ttype) != 0) {
                rc = fn(ctx, r, mid, "field has another type");
            }
        }
        yajl_tree_free(fields);
    }
    yajl_tree_free(found);
    return rc;
}

typedef struct check_ctx {
    lgx_buf_t *out;
    size_t n;
} check_ctx_t;

static lgx_err_t note_missing(void *ctx, const lgx_setup_req_t *r, int64_t mid,
                              const char *why)
{
    (void)mid;
    check_ctx_t *c = ctx;
    c->n++;
    if (!c->out) {
        return LGX_OK;
    }
    return lgx_buf_printf(c->out, "%s%s%s (%s%s%s): %s; %s\n", r->model,
                          r->field ? "." : "", r->field ? r->field : "",
                          r->field ? r->ttype : "model", r->field ? ", " : ", ",
                          r->label, why,
                          is_custom(r) ? "lgx-odoo-setup creates it"
                                       : "needs Odoo 17 or later with the "
                                         "stock module");
}

lgx_err_t lgx_setup_check(lgx_odoo_t *odoo, const char *const *wanted,
                          lgx_buf_t *missing, size_t *n_missing,
                          lgx_odoo_error_t *err)
{
    check_ctx_t c = {missing, 0};
    lgx_err_t rc = walk_missing(odoo, wanted, false, note_missing, &c, err);
    *n_missing = c.n;
    return rc;
}

typedef struct apply_ctx {
    lgx_odoo_t *odoo;
    lgx_log_t *log;
    lgx_odoo_error_t *err;
    size_t created;
    size_t impossible;
} apply_ctx_t;

static lgx_err_t create_one(void *ctx, const lgx_setup_req_t *r, int64_t mid,
                            const char *why)
{
    apply_ctx_t *a = ctx;
    if (!is_custom(r) || (r->field && !mid)) {
        /* A standard item, or a field of a model that is not there yet
         * (created on the next pass). */
        if (!is_custom(r)) {
            a->impossible++;
            LGX_ERROR(a->log,
                      "%s.%s: %s; it cannot be created through the "
                      "API (Odoo 17+ with stock is needed)",
                      r->model, r->field ? r->field : "", why);
        }
        return LGX_OK;
    }
    char vals[512];
    if (r->field) {
        snprintf(vals, sizeof(vals),
                 "[{\"name\":\"%s\",\"model_id\":%lld,\"field_description\":"
                 "\"%s\",\"ttype\":\"%s\",\"state\":\"manual\","
                 "\"copied\":false}]",
                 r->field, (long long)mid, r->label, r->ttype);
    } else {
        snprintf(vals, sizeof(vals),
                 "[{\"name\":\"%s\",\"model\":\"%s\",\"state\":\"manual\"}]",
                 r->label, r->model);
    }
    lgx_err_t rc =
        lgx_odoo_create(a->odoo, r->field ? "ir.model.fields" : "ir.model",
                        vals, NULL, NULL, a->err);
    if (rc == LGX_OK) {
        a->created++;
        LGX_INFO(a->log, "created %s %s%s%s", r->field ? "field" : "model",
                 r->model, r->field ? "." : "", r->field ? r->field : "");
    }
    return rc;
}

/* lgx's fields are never copied: Odoo copies a picking to make its
 * backorder, and a backorder that inherited the shipment id, status and
 * clocks would hold the shipment's dispatch for goods nobody picked.
 * Fields made by an older lgx-odoo-setup (copied by default) are turned
 * so. Reading ir.model.fields is refused to a user without Access
 * Rights: then nothing is changed and the set-up goes on. */
static lgx_err_t uncopy_fields(lgx_odoo_t *odoo, lgx_log_t *log,
                               lgx_odoo_error_t *err)
{
    yajl_val rows = NULL;
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_str(&dom, "model", "=", "stock.picking");
    lgx_domain_str(&dom, "name", "=like", "x_lgx_%");
    lgx_domain_bool(&dom, "copied", "=", true);
    lgx_err_t rc = lgx_domain_end(&dom);
    rc = rc == LGX_OK
             ? lgx_odoo_search_read(odoo, "ir.model.fields", lgx_buf_data(d),
                                    "[\"id\",\"name\"]", 0, &rows, err)
             : rc;
    lgx_buf_destroy(d);
    if (rc == LGX_ERR_ODOO_ACCESS) {
        return LGX_OK;
    }
    int64_t ids[LGX_SETUP_N_REQS];
    size_t n = 0;
    for (size_t i = 0;
         rc == LGX_OK && i < lgx_json_len(rows) && n < LGX_SETUP_N_REQS; i++) {
        if (lgx_json_get_int(lgx_json_at(rows, i), "id", &ids[n])) {
            n++;
        }
    }
    if (rc == LGX_OK && n) {
        yajl_val res = NULL;
        rc = lgx_odoo_call(odoo, "ir.model.fields", "write", ids, n,
                           "{\"vals\":{\"copied\":false}}", &res, err);
        yajl_tree_free(res);
        if (rc == LGX_OK) {
            LGX_INFO(log,
                     "%zu lgx field(s) of stock.picking no longer "
                     "copied to backorders",
                     n);
        }
    }
    yajl_tree_free(rows);
    return rc;
}

/* Names the models lgx made once and uses no more (lgx_setup_retired)
 * when Odoo still has them. They are kept: people may have built reports
 * on them. One fields_get each, which any user may. */
static lgx_err_t tell_retired(lgx_odoo_t *odoo, lgx_log_t *log,
                              lgx_odoo_error_t *err)
{
    for (const char *const *m = lgx_setup_retired(); *m; m++) {
        yajl_val fields = NULL;
        lgx_err_t rc = model_fields(odoo, *m, &fields, err);
        yajl_tree_free(fields);
        if (unknown_model(rc, err)) {
            memset(err, 0, sizeof(*err));
            continue;
        }
        if (rc != LGX_OK) {
            return rc;
        }
        LGX_WARN(log,
                 "model %s is in Odoo, but lgx no longer uses it (no "
                 "release ever wrote to it): delete it in Settings > "
                 "Technical > Models once nothing of yours reads it",
                 *m);
    }
    return LGX_OK;
}

lgx_err_t lgx_setup_apply(lgx_odoo_t *odoo, const char *const *wanted,
                          lgx_log_t *log, size_t *n_created,
                          size_t *n_impossible, lgx_odoo_error_t *err)
{
    apply_ctx_t a = {odoo, log, err, 0, 0};
    /* With nothing missing, ir.model (Administration / Access Rights only)
     * is not read: a run again with the integration user's key succeeds. */
    size_t missing = 0;
    lgx_err_t rc = lgx_setup_check(odoo, wanted, NULL, &missing, err);
    /* Two passes: models first, then fields of the models just made. */
    if (rc == LGX_OK && missing) {
        rc = walk_missing(odoo, wanted, true, create_one, &a, err);
    }
    size_t impossible = a.impossible;
    if (rc == LGX_OK && missing) {
        a.impossible = 0;
        rc = walk_missing(odoo, wanted, true, create_one, &a, err);
        a.impossible = impossible;
    }
    if (rc == LGX_OK) {
        rc = uncopy_fields(odoo, log, err);
    }
    if (rc == LGX_OK && !wanted) {
        rc = tell_retired(odoo, log, err);
    }
    *n_created = a.created;
    *n_impossible = a.impossible;
    return rc;
}

void lgx_setup_describe(lgx_buf_t *out)
{
    lgx_err_t rc = lgx_buf_puts(out, "| model | field | type | what |\n"
                                     "| --- | --- | --- | --- |\n");
    for (size_t i = 0; rc == LGX_OK && i < LGX_SETUP_N_REQS; i++) {
        const lgx_setup_req_t *r = &lgx_setup_reqs[i];
        rc = lgx_buf_printf(out, "| %s | %s | %s | %s%s |\n", r->model,
                            r->field ? r->field : "(model)",
                            r->ttype ? r->ttype : "", r->label,
                            is_custom(r) ? " (custom, created by setup)" : "");
    }
}
