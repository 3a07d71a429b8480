#include "sim_odoo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"

/* Orders created and confirmed per call. */
#define BATCH 100

static lgx_err_t odoo_fail(lgx_err_t rc, const lgx_odoo_error_t *err,
                           const char *what, char *errstr, size_t size)
{
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "%s: out of memory", what);
    } else {
        snprintf(errstr, size, "%s: %s%s%s", what,
                 err->name[0] ? err->name : lgx_err_name(rc),
                 err->message[0] ? ": " : "", err->message);
    }
    return rc;
}

/* Appends the JSON array of the n strings. */
static lgx_err_t put_strs(lgx_buf_t *b, const char *const *s, size_t n)
{
    lgx_err_t rc = lgx_buf_puts(b, "[");
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        rc = i ? lgx_buf_puts(b, ",") : LGX_OK;
        rc = rc == LGX_OK ? lgx_buf_json_str(b, s[i], strlen(s[i])) : rc;
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
}

static lgx_err_t put_ids(lgx_buf_t *b, const int64_t *ids, size_t n)
{
    lgx_err_t rc = lgx_buf_puts(b, "[");
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        rc = lgx_buf_printf(b, "%s%lld", i ? "," : "", (long long)ids[i]);
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
}

/* search_read model with the domain [[field, "in", values]] (values is
 * JSON text). */
static lgx_err_t search_in(lgx_odoo_t *o, const char *model, const char *field,
                           const char *values, const char *fields,
                           yajl_val *res, char *errstr, size_t size)
{
    lgx_odoo_error_t err;
    memset(&err, 0, sizeof(err));
    lgx_buf_t *d = lgx_buf_new();
    lgx_err_t rc = d ? lgx_buf_printf(d, "[[\"%s\",\"in\",%s]]", field, values)
                     : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_odoo_search_read(o, model, lgx_buf_data(d), fields, 0, res,
                                  &err);
    }
    lgx_buf_destroy(d);
    if (rc != LGX_OK) {
        char what[128];
        snprintf(what, sizeof(what), "%s search_read", model);
        return odoo_fail(rc, &err, what, errstr, size);
    }
    return LGX_OK;
}

/* The ids of the records whose field is each of names (in order). */
static lgx_err_t ids_by(lgx_odoo_t *o, const char *model, const char *field,
                        const char *const *names, size_t n, int64_t *ids,
                        char *errstr, size_t size)
{
    lgx_buf_t *v = lgx_buf_new();
    yajl_val res = NULL;
    char fields[64];
    snprintf(fields, sizeof(fields), "[\"%s\"]", field);
    lgx_err_t rc = v ? put_strs(v, names, n) : LGX_ERR_NOMEM;
    rc = rc == LGX_OK ? search_in(o, model, field, lgx_buf_data(v), fields,
                                  &res, errstr, size)
                      : rc;
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        ids[i] = 0;
        for (size_t k = 0; k < lgx_json_len(res); k++) {
            yajl_val r = lgx_json_at(res, k);
            const char *s = lgx_json_get_str(r, field);
            if (s && strcmp(s, names[i]) == 0 && !ids[i]) {
                lgx_json_get_int(r, "id", &ids[i]);
            }
        }
        if (!ids[i]) {
            snprintf(errstr, size, "Odoo has no %s with %s %s", model, field,
                     names[i]);
            rc = LGX_ERR_NOT_FOUND;
        }
    }
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "out of memory");
    }
    yajl_tree_free(res);
    lgx_buf_destroy(v);
    return rc;
}

/* The distinct product codes of the orders' lines. */
static size_t codes_of(const sim_order_t *orders, size_t n, const char **codes)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < orders[i].n_lines; l++) {
            const char *c = orders[i].lines[l].code;
            size_t j = 0;
            while (j < k && strcmp(codes[j], c) != 0) {
                j++;
            }
            if (j == k) {
                codes[k++] = c;
            }
        }
    }
    return k;
}

static int64_t id_of_code(const char **codes, const int64_t *ids, size_t n,
                          const char *code)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(codes[i], code) == 0) {
            return ids[i];
        }
    }
    return 0;
}

/* The vals_list of orders[0..k). */
static lgx_err_t order_vals(lgx_buf_t *b, const sim_order_t *orders, size_t k,
                            const char **codes, const int64_t *pids,
                            size_t n_codes, const int64_t *cids)
{
    lgx_err_t rc = lgx_buf_puts(b, "[");
    for (size_t i = 0; rc == LGX_OK && i < k; i++) {
        const sim_order_t *o = &orders[i];
        rc = lgx_buf_printf(b,
                            "%s{\"partner_id\":%lld,\"carrier_id\":%lld,"
                            "\"order_line\":[",
                            i ? "," : "", (long long)o->partner_id,
                            (long long)cids[o->carrier]);
        for (size_t l = 0; rc == LGX_OK && l < o->n_lines; l++) {
            rc = lgx_buf_printf(
                b, "%s[0,0,{\"product_id\":%lld,\"product_uom_qty\":%.15g}]",
                l ? "," : "",
                (long long)id_of_code(codes, pids, n_codes, o->lines[l].code),
                o->lines[l].qty);
        }
        rc = rc == LGX_OK ? lgx_buf_puts(b, "]}") : rc;
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
}

/* After confirming: the orders' names and their outgoing pickings. */
static lgx_err_t read_back(lgx_odoo_t *o, sim_order_t *orders,
                           const int64_t *ids, size_t k, char *errstr,
                           size_t size)
{
    yajl_val names = NULL, pickings = NULL;
    lgx_buf_t *v = lgx_buf_new();
    lgx_err_t rc = v ? put_ids(v, ids, k) : LGX_ERR_NOMEM;
    rc = rc == LGX_OK ? search_in(o, "sale.order", "id", lgx_buf_data(v),
                                  "[\"name\"]", &names, errstr, size)
                      : rc;
    rc = rc == LGX_OK
             ? search_in(o, "stock.picking", "sale_id", lgx_buf_data(v),
                         "[\"name\",\"sale_id\",\"state\","
                         "\"picking_type_code\"]",
                         &pickings, errstr, size)
             : rc;
    for (size_t i = 0; rc == LGX_OK && i < k; i++) {
        int64_t best = 0, id = 0;
        for (size_t r = 0; r < lgx_json_len(names); r++) {
            yajl_val rec = lgx_json_at(names, r);
            if (lgx_json_get_int(rec, "id", &id) && id == ids[i]) {
                snprintf(orders[i].name, sizeof(orders[i].name), "%s",
                         lgx_json_get_str(rec, "name")
                             ? lgx_json_get_str(rec, "name")
                             : "?");
            }
        }
        for (size_t r = 0; r < lgx_json_len(pickings); r++) {
            yajl_val p = lgx_json_at(pickings, r);
            const char *code = lgx_json_get_str(p, "picking_type_code");
            const char *name = lgx_json_get_str(p, "name");
            const char *state = lgx_json_get_str(p, "state");
            if (lgx_json_m2o_id(lgx_json_get(p, "sale_id")) != ids[i] ||
                (code && strcmp(code, "outgoing") != 0) || !name ||
                !lgx_json_get_int(p, "id", &id) || (best && id > best)) {
                continue;
            }
            best = id;
            snprintf(orders[i].picking, sizeof(orders[i].picking), "%s", name);
            snprintf(orders[i].state, sizeof(orders[i].state), "%s",
                     state ? state : "");
        }
        if (!best) {
            snprintf(errstr, size,
                     "sale order %s (id %lld) has no outgoing picking after "
                     "action_confirm",
                     orders[i].name, (long long)ids[i]);
            rc = LGX_ERR_NOT_FOUND;
        }
    }
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "out of memory");
    }
    yajl_tree_free(names);
    yajl_tree_free(pickings);
    lgx_buf_destroy(v);
    return rc;
}

/* Creates and confirms orders[0..k). */
static lgx_err_t create_batch(lgx_odoo_t *o, sim_order_t *orders, size_t k,
                              const char **codes, const int64_t *pids,
                              size_t n_codes, const int64_t *cids, char *errstr,
                              size_t size)
{
    lgx_odoo_error_t err;
    memset(&err, 0, sizeof(err));
    int64_t ids[BATCH];
    yajl_val res = NULL;
    lgx_buf_t *b = lgx_buf_new();
    lgx_err_t rc = b ? order_vals(b, orders, k, codes, pids, n_codes, cids)
                     : LGX_ERR_NOMEM;
    rc = rc == LGX_OK ? lgx_odoo_create(o, "sale.order", lgx_buf_data(b), NULL,
                                        &res, &err)
                      : rc;
    if (rc != LGX_OK) {
        odoo_fail(rc, &err, "sale.order create", errstr, size);
    } else if (lgx_json_len(res) != k) {
        snprintf(errstr, size, "sale.order create: %zu ids for %zu orders",
                 lgx_json_len(res), k);
        rc = LGX_ERR_DECODE;
    }
    for (size_t i = 0; rc == LGX_OK && i < k; i++) {
        ids[i] = lgx_json_m2o_id(lgx_json_at(res, i));
    }
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, "sale.order", "action_confirm", ids, k, NULL,
                           NULL, &err);
        if (rc != LGX_OK) {
            odoo_fail(rc, &err, "sale.order action_confirm", errstr, size);
        }
    }
    rc = rc == LGX_OK ? read_back(o, orders, ids, k, errstr, size) : rc;
    yajl_tree_free(res);
    lgx_buf_destroy(b);
    return rc;
}

lgx_err_t sim_odoo_create_orders(lgx_odoo_t *o, sim_order_t *orders, size_t n,
                                 const char *const *carriers, size_t n_carriers,
                                 char *errstr, size_t size)
{
    size_t max_codes = n * SIM_MAX_LINES + 1;
    const char **codes = calloc(max_codes, sizeof(*codes));
    int64_t *pids = calloc(max_codes, sizeof(*pids));
    int64_t *cids = calloc(n_carriers + 1, sizeof(*cids));
    lgx_err_t rc = LGX_OK;
    if (!codes || !pids || !cids) {
        snprintf(errstr, size, "out of memory");
        rc = LGX_ERR_NOMEM;
        goto done;
    }
    size_t n_codes = codes_of(orders, n, codes);
    rc = ids_by(o, "product.product", "default_code", codes, n_codes, pids,
                errstr, size);
    if (rc == LGX_OK) {
        rc = ids_by(o, "delivery.carrier", "name", carriers, n_carriers, cids,
                    errstr, size);
    }
    for (size_t first = 0; rc == LGX_OK && first < n; first += BATCH) {
        size_t k = n - first < BATCH ? n - first : BATCH;
        rc = create_batch(o, orders + first, k, codes, pids, n_codes, cids,
                          errstr, size);
    }
done:
    free(cids);
    free(pids);
    free(codes);
    return rc;
}

/* ---- existing pickings ---- */

/* Adds qty of code to the order's lines (one line per product). */
static void add_line(sim_order_t *o, const char *code, double qty)
{
    for (size_t l = 0; l < o->n_lines; l++) {
        if (strcmp(o->lines[l].code, code) == 0) {
            o->lines[l].qty += qty;
            return;
        }
    }
    if (o->n_lines < SIM_MAX_LINES) {
        snprintf(o->lines[o->n_lines].code, sizeof(o->lines[0].code), "%s",
                 code);
        o->lines[o->n_lines++].qty = qty;
    }
}

/* The moves of the pickings (ids, parallel to orders) into the lines of
 * the orders that have none. */
static lgx_err_t read_moves(lgx_odoo_t *o, sim_order_t *orders,
                            const int64_t *ids, size_t n, char *errstr,
                            size_t size)
{
    yajl_val moves = NULL, products = NULL;
    lgx_buf_t *v = lgx_buf_new();
    lgx_err_t rc = v ? put_ids(v, ids, n) : LGX_ERR_NOMEM;
    rc = rc == LGX_OK
             ? search_in(o, "stock.move", "picking_id", lgx_buf_data(v),
                         "[\"picking_id\",\"product_id\","
                         "\"product_uom_qty\",\"state\"]",
                         &moves, errstr, size)
             : rc;
    if (rc == LGX_OK) {
        lgx_buf_reset(v);
        rc = lgx_buf_puts(v, "[");
        for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(moves); i++) {
            rc = lgx_buf_printf(v, "%s%lld", i ? "," : "",
                                (long long)lgx_json_m2o_id(lgx_json_get(
                                    lgx_json_at(moves, i), "product_id")));
        }
        rc = rc == LGX_OK ? lgx_buf_puts(v, "]") : rc;
    }
    rc = rc == LGX_OK ? search_in(o, "product.product", "id", lgx_buf_data(v),
                                  "[\"default_code\"]", &products, errstr, size)
                      : rc;
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(moves); i++) {
        yajl_val m = lgx_json_at(moves, i);
        int64_t pid = lgx_json_m2o_id(lgx_json_get(m, "product_id")), id = 0;
        int64_t picking = lgx_json_m2o_id(lgx_json_get(m, "picking_id"));
        const char *state = lgx_json_get_str(m, "state");
        const char *code = NULL;
        double qty = 0;
        lgx_json_get_num(m, "product_uom_qty", &qty);
        for (size_t p = 0; p < lgx_json_len(products); p++) {
            yajl_val r = lgx_json_at(products, p);
            if (lgx_json_get_int(r, "id", &id) && id == pid) {
                code = lgx_json_get_str(r, "default_code");
            }
        }
        for (size_t k = 0; k < n; k++) {
            if (ids[k] != picking || (state && strcmp(state, "cancel") == 0)) {
                continue;
            }
            if (!code) {
                snprintf(errstr, size,
                         "picking %s: a product without an internal "
                         "reference (default_code) cannot be picked by code",
                         orders[k].picking);
                rc = LGX_ERR_INVALID;
            } else {
                add_line(&orders[k], code, qty);
            }
        }
    }
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "out of memory");
    }
    yajl_tree_free(moves);
    yajl_tree_free(products);
    lgx_buf_destroy(v);
    return rc;
}

/* Every product code of the orders' lines and every carrier exists. */
static lgx_err_t check_names(lgx_odoo_t *o, const sim_order_t *orders, size_t n,
                             const char *const *carriers, size_t n_carriers,
                             char *errstr, size_t size)
{
    size_t max = n * SIM_MAX_LINES + n_carriers + 1;
    const char **codes = calloc(max, sizeof(*codes));
    int64_t *ids = calloc(max, sizeof(*ids));
    lgx_err_t rc = codes && ids ? LGX_OK : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = ids_by(o, "product.product", "default_code", codes,
                    codes_of(orders, n, codes), ids, errstr, size);
    }
    rc = rc == LGX_OK ? ids_by(o, "delivery.carrier", "name", carriers,
                               n_carriers, ids, errstr, size)
                      : rc;
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "out of memory");
    }
    free(ids);
    free(codes);
    return rc;
}

lgx_err_t sim_odoo_read_pickings(lgx_odoo_t *o, sim_order_t *orders, size_t n,
                                 const char *const *carriers, size_t n_carriers,
                                 char *errstr, size_t size)
{
    const char **names = calloc(n + 1, sizeof(*names));
    int64_t *ids = calloc(n + 1, sizeof(*ids));
    bool *had_lines = calloc(n + 1, sizeof(*had_lines));
    yajl_val recs = NULL;
    lgx_buf_t *v = lgx_buf_new();
    lgx_err_t rc = names && ids && had_lines && v ? LGX_OK : LGX_ERR_NOMEM;
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        names[i] = orders[i].picking;
    }
    rc = rc == LGX_OK ? put_strs(v, names, n) : rc;
    rc = rc == LGX_OK ? search_in(o, "stock.picking", "name", lgx_buf_data(v),
                                  "[\"name\",\"state\",\"origin\","
                                  "\"x_lgx_shipment_status\"]",
                                  &recs, errstr, size)
                      : rc;
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        sim_order_t *ord = &orders[i];
        for (size_t r = 0; r < lgx_json_len(recs); r++) {
            yajl_val p = lgx_json_at(recs, r);
            const char *name = lgx_json_get_str(p, "name");
            const char *state = lgx_json_get_str(p, "state");
            const char *origin = lgx_json_get_str(p, "origin");
            const char *status = lgx_json_get_str(p, "x_lgx_shipment_status");
            if (!name || strcmp(name, ord->picking) != 0 ||
                !lgx_json_get_int(p, "id", &ids[i])) {
                continue;
            }
            snprintf(ord->state, sizeof(ord->state), "%s", state ? state : "");
            if (origin && origin[0]) {
                snprintf(ord->name, sizeof(ord->name), "%s", origin);
            }
            snprintf(ord->history, sizeof(ord->history), "%s",
                     status ? status : "");
        }
        if (!ids[i]) {
            snprintf(errstr, size, "Odoo has no picking named %s",
                     ord->picking);
            rc = LGX_ERR_NOT_FOUND;
        }
        had_lines[i] = ord->n_lines > 0;
    }
    /* Orders that have lines already keep them: mark them so that
     * read_moves leaves them alone. */
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        if (had_lines[i]) {
            ids[i] = -ids[i];
        }
    }
    rc = rc == LGX_OK ? read_moves(o, orders, ids, n, errstr, size) : rc;
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        if (orders[i].n_lines == 0) {
            snprintf(errstr, size, "picking %s has no moves to pick",
                     orders[i].picking);
            rc = LGX_ERR_INVALID;
        }
    }
    rc = rc == LGX_OK
             ? check_names(o, orders, n, carriers, n_carriers, errstr, size)
             : rc;
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "out of memory");
    }
    yajl_tree_free(recs);
    lgx_buf_destroy(v);
    free(had_lines);
    free(ids);
    free(names);
    return rc;
}
