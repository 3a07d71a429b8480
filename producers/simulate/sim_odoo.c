#include "sim_odoo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_domain.h"
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

/* search_read model with domain (JSON text). */
static lgx_err_t search(lgx_odoo_t *o, const char *model, const char *domain,
                        const char *fields, yajl_val *res, char *errstr,
                        size_t size)
{
    lgx_odoo_error_t err;
    memset(&err, 0, sizeof(err));
    lgx_err_t rc = lgx_odoo_search_read(o, model, domain, fields, 0, res, &err);
    if (rc != LGX_OK) {
        char what[128];
        snprintf(what, sizeof(what), "%s search_read", model);
        return odoo_fail(rc, &err, what, errstr, size);
    }
    return LGX_OK;
}

/* search_read model with the domain [[field, "in", values]] (values is
 * JSON text). */
static lgx_err_t search_in(lgx_odoo_t *o, const char *model, const char *field,
                           const char *values, const char *fields,
                           yajl_val *res, char *errstr, size_t size)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_json(&dom, field, "in", values);
    lgx_err_t rc = lgx_domain_end(&dom);
    if (rc == LGX_OK) {
        rc = search(o, model, lgx_buf_data(d), fields, res, errstr, size);
    } else {
        snprintf(errstr, size, "out of memory");
    }
    lgx_buf_destroy(d);
    return rc;
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
            orders[i].picking_id = id;
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
            ord->picking_id = ids[i];
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

/* ---- what Odoo holds of the run's products ---- */

/* A picking of the run and its order, sorted by picking id. */
typedef struct pick_ref {
    int64_t id;
    size_t order;
} pick_ref_t;

/* One reading of the stock; the rows are freed by stock_read_free. */
typedef struct stock_read {
    lgx_odoo_t *o;
    sim_stock_t *stock;
    pick_ref_t *refs;
    size_t n_refs;
    yajl_val moves, products, mlines, lots;
    yajl_val quants[SIM_MAX_LOCATIONS];
    int64_t locations[SIM_MAX_LOCATIONS];
    size_t n_locations;
    lgx_buf_t *v;
    char *errstr;
    size_t size;
} stock_read_t;

static int cmp_ref(const void *a, const void *b)
{
    const pick_ref_t *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The order of picking id, or -1. */
static long order_of(const stock_read_t *r, int64_t id)
{
    pick_ref_t key = {id, 0};
    const pick_ref_t *ref =
        bsearch(&key, r->refs, r->n_refs, sizeof(*r->refs), cmp_ref);
    return ref ? (long)ref->order : -1;
}

static sim_track_t tracking_of(const char *t)
{
    if (t && strcmp(t, "lot") == 0) {
        return SIM_TRACK_LOT;
    }
    return t && strcmp(t, "serial") == 0 ? SIM_TRACK_SERIAL : SIM_TRACK_NONE;
}

/* The row of product id among those read, or NULL. */
static yajl_val product_of(const stock_read_t *r, int64_t id)
{
    return lgx_json_find_id(r->products, id);
}

/* The name of the lot of row's lot_id ("" when none). */
static const char *lot_of(const stock_read_t *r, yajl_val row)
{
    int64_t id = lgx_json_m2o_id(lgx_json_get(row, "lot_id")), lid = 0;
    for (size_t i = 0; id > 0 && i < lgx_json_len(r->lots); i++) {
        yajl_val l = lgx_json_at(r->lots, i);
        if (lgx_json_get_int(l, "id", &lid) && lid == id) {
            const char *name = lgx_json_get_str(l, "name");
            return name ? name : "";
        }
    }
    return "";
}

/* The ids of the m2o field of rows as a JSON array into r->v. */
static lgx_err_t put_m2o_ids(stock_read_t *r, yajl_val rows, const char *field)
{
    lgx_buf_reset(r->v);
    lgx_err_t rc = lgx_buf_puts(r->v, "[");
    size_t k = 0;
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(rows); i++) {
        int64_t id = lgx_json_m2o_id(lgx_json_get(lgx_json_at(rows, i), field));
        rc = id > 0
                 ? lgx_buf_printf(r->v, "%s%lld", k++ ? "," : "", (long long)id)
                 : LGX_OK;
    }
    return rc == LGX_OK ? lgx_buf_puts(r->v, "]") : rc;
}

/* The run's pickings (read or created before), their moves and the
 * products of the moves with their tracking. */
static lgx_err_t read_moves_of_run(stock_read_t *r, const sim_order_t *orders,
                                   size_t n)
{
    r->refs = calloc(n ? n : 1, sizeof(*r->refs));
    if (!r->refs) {
        return LGX_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (orders[i].picking_id > 0) {
            r->refs[r->n_refs++] = (pick_ref_t){orders[i].picking_id, i};
        }
    }
    qsort(r->refs, r->n_refs, sizeof(*r->refs), cmp_ref);
    lgx_err_t rc = lgx_buf_puts(r->v, "[");
    for (size_t i = 0; rc == LGX_OK && i < r->n_refs; i++) {
        rc = lgx_buf_printf(r->v, "%s%lld", i ? "," : "",
                            (long long)r->refs[i].id);
    }
    rc = rc == LGX_OK ? lgx_buf_puts(r->v, "]") : rc;
    rc = rc == LGX_OK
             ? search_in(r->o, "stock.move", "picking_id", lgx_buf_data(r->v),
                         "[\"picking_id\",\"product_id\",\"quantity\","
                         "\"location_id\",\"state\"]",
                         &r->moves, r->errstr, r->size)
             : rc;
    rc = rc == LGX_OK ? put_m2o_ids(r, r->moves, "product_id") : rc;
    return rc == LGX_OK
               ? search_in(r->o, "product.product", "id", lgx_buf_data(r->v),
                           "[\"default_code\",\"tracking\"]", &r->products,
                           r->errstr, r->size)
               : rc;
}

/* The run's reserved move lines with a lot, and the quants of its
 * products under each source location of its moves. */
static lgx_err_t read_lines_and_quants(stock_read_t *r)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_err_t rc = d ? LGX_OK : LGX_ERR_NOMEM;
    for (size_t i = 0; i < lgx_json_len(r->moves); i++) {
        int64_t loc = lgx_json_m2o_id(
            lgx_json_get(lgx_json_at(r->moves, i), "location_id"));
        size_t k = 0;
        while (k < r->n_locations && r->locations[k] != loc) {
            k++;
        }
        if (k == r->n_locations && k < SIM_MAX_LOCATIONS && loc > 0) {
            r->locations[r->n_locations++] = loc;
        }
    }
    rc = rc == LGX_OK ? put_m2o_ids(r, r->moves, "picking_id") : rc;
    lgx_domain_t dom;
    if (rc == LGX_OK) {
        lgx_domain_start(&dom, d);
        lgx_domain_json(&dom, "picking_id", "in", lgx_buf_data(r->v));
        lgx_domain_bool(&dom, "lot_id", "!=", false);
        rc = lgx_domain_end(&dom);
    }
    rc = rc == LGX_OK ? search(r->o, "stock.move.line", lgx_buf_data(d),
                               "[\"picking_id\",\"product_id\",\"lot_id\","
                               "\"quantity\"]",
                               &r->mlines, r->errstr, r->size)
                      : rc;
    rc = rc == LGX_OK ? put_m2o_ids(r, r->moves, "product_id") : rc;
    for (size_t k = 0; rc == LGX_OK && k < r->n_locations; k++) {
        lgx_domain_start(&dom, d);
        lgx_domain_json(&dom, "product_id", "in", lgx_buf_data(r->v));
        lgx_domain_int(&dom, "location_id", "child_of", r->locations[k]);
        rc = lgx_domain_end(&dom);
        rc = rc == LGX_OK ? search(r->o, "stock.quant", lgx_buf_data(d),
                                   "[\"product_id\",\"lot_id\",\"quantity\","
                                   "\"reserved_quantity\",\"in_date\"]",
                                   &r->quants[k], r->errstr, r->size)
                          : rc;
    }
    lgx_buf_destroy(d);
    return rc;
}

/* The names of every lot the move lines and quants name. */
static lgx_err_t read_lot_names(stock_read_t *r)
{
    lgx_buf_t *all = lgx_buf_new();
    lgx_err_t rc = all ? lgx_buf_puts(all, "[0") : LGX_ERR_NOMEM;
    for (size_t k = 0; rc == LGX_OK && k <= r->n_locations; k++) {
        yajl_val rows = k < r->n_locations ? r->quants[k] : r->mlines;
        rc = put_m2o_ids(r, rows, "lot_id");
        /* "[1,2]" -> ",1,2" */
        if (rc == LGX_OK && lgx_buf_len(r->v) > 2) {
            rc = lgx_buf_printf(all, ",%.*s", (int)(lgx_buf_len(r->v) - 2),
                                lgx_buf_data(r->v) + 1);
        }
    }
    rc = rc == LGX_OK ? lgx_buf_puts(all, "]") : rc;
    rc = rc == LGX_OK ? search_in(r->o, "stock.lot", "id", lgx_buf_data(all),
                                  "[\"name\"]", &r->lots, r->errstr, r->size)
                      : rc;
    lgx_buf_destroy(all);
    return rc;
}

/* Rows ordered by one key: in_date (quants, first in first out), then
 * id (move lines in the order Odoo made them). */
static int cmp_rows(const void *a, const void *b, void *arg)
{
    yajl_val x = lgx_json_at(arg, *(const size_t *)a);
    yajl_val y = lgx_json_at(arg, *(const size_t *)b);
    const char *dx = lgx_json_get_str(x, "in_date");
    const char *dy = lgx_json_get_str(y, "in_date");
    int c = strcmp(dx ? dx : "", dy ? dy : "");
    int64_t ix = 0, iy = 0;
    lgx_json_get_int(x, "id", &ix);
    lgx_json_get_int(y, "id", &iy);
    return c ? c : (ix < iy ? -1 : ix > iy);
}

/* rows' indexes in cmp_rows order (NULL when out of memory). */
static size_t *sorted(yajl_val rows)
{
    size_t n = lgx_json_len(rows);
    size_t *idx = calloc(n ? n : 1, sizeof(*idx));
    for (size_t i = 0; idx && i < n; i++) {
        idx[i] = i;
    }
    if (idx) {
        qsort_r(idx, n, sizeof(*idx), cmp_rows, rows);
    }
    return idx;
}

/* A move or move line of one of the run's pickings. */
typedef struct run_row {
    size_t order;
    const char *code;
    sim_track_t tracking;
    double qty;
} run_row_t;

/* row's order, product (code, tracking) and quantity; false when it is
 * not of the run or its product has no code. */
static bool run_row(const stock_read_t *r, yajl_val row, run_row_t *out)
{
    long order = order_of(r, lgx_json_m2o_id(lgx_json_get(row, "picking_id")));
    yajl_val p =
        product_of(r, lgx_json_m2o_id(lgx_json_get(row, "product_id")));
    out->code = lgx_json_get_str(p, "default_code");
    out->tracking = tracking_of(lgx_json_get_str(p, "tracking"));
    out->order = order >= 0 ? (size_t)order : 0;
    out->qty = 0;
    lgx_json_get_num(row, "quantity", &out->qty);
    return out->code && order >= 0;
}

/* The moves into the stock. */
static lgx_err_t add_moves(stock_read_t *r)
{
    lgx_err_t rc = LGX_OK;
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(r->moves); i++) {
        yajl_val m = lgx_json_at(r->moves, i);
        const char *state = lgx_json_get_str(m, "state");
        run_row_t row;
        if (run_row(r, m, &row) && state && strcmp(state, "done") != 0 &&
            strcmp(state, "cancel") != 0) {
            rc = sim_stock_add_move(
                r->stock, row.order, row.code, row.tracking,
                lgx_json_m2o_id(lgx_json_get(m, "location_id")), row.qty);
        }
    }
    return rc;
}

/* Reserved lines and quants into the stock, each in its order. */
static lgx_err_t add_lines_and_quants(stock_read_t *r)
{
    size_t *idx = sorted(r->mlines);
    lgx_err_t rc = idx ? LGX_OK : LGX_ERR_NOMEM;
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(r->mlines); i++) {
        yajl_val l = lgx_json_at(r->mlines, idx[i]);
        run_row_t row;
        rc = run_row(r, l, &row) && lot_of(r, l)[0]
                 ? sim_stock_add_reserved(r->stock, row.order, row.code,
                                          lot_of(r, l), row.qty)
                 : LGX_OK;
    }
    free(idx);
    for (size_t k = 0; rc == LGX_OK && k < r->n_locations; k++) {
        idx = sorted(r->quants[k]);
        rc = idx ? LGX_OK : LGX_ERR_NOMEM;
        for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(r->quants[k]);
             i++) {
            yajl_val q = lgx_json_at(r->quants[k], idx[i]);
            const char *code = lgx_json_get_str(
                product_of(r, lgx_json_m2o_id(lgx_json_get(q, "product_id"))),
                "default_code");
            double qty = 0, reserved = 0;
            lgx_json_get_num(q, "quantity", &qty);
            lgx_json_get_num(q, "reserved_quantity", &reserved);
            rc = code ? sim_stock_add_quant(r->stock, code, lot_of(r, q),
                                            r->locations[k], qty, reserved)
                      : LGX_OK;
        }
        free(idx);
    }
    return rc;
}

lgx_err_t sim_odoo_read_stock(lgx_odoo_t *o, const sim_order_t *orders,
                              size_t n, sim_stock_t *stock, char *errstr,
                              size_t size)
{
    stock_read_t r;
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.stock = stock;
    r.errstr = errstr;
    r.size = size;
    r.v = lgx_buf_new();
    lgx_err_t rc = r.v ? read_moves_of_run(&r, orders, n) : LGX_ERR_NOMEM;
    rc = rc == LGX_OK ? read_lines_and_quants(&r) : rc;
    rc = rc == LGX_OK ? read_lot_names(&r) : rc;
    rc = rc == LGX_OK ? add_moves(&r) : rc;
    rc = rc == LGX_OK ? add_lines_and_quants(&r) : rc;
    if (rc == LGX_ERR_NOMEM) {
        snprintf(errstr, size, "out of memory");
    }
    for (size_t k = 0; k < r.n_locations; k++) {
        yajl_tree_free(r.quants[k]);
    }
    yajl_tree_free(r.lots);
    yajl_tree_free(r.mlines);
    yajl_tree_free(r.products);
    yajl_tree_free(r.moves);
    lgx_buf_destroy(r.v);
    free(r.refs);
    return rc;
}
