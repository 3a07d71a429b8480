#include "picks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro_value.h"
#include "lgx_buf.h"
#include "lgx_cache.h"
#include "lgx_clock.h"
#include "lgx_domain.h"
#include "lgx_json.h"
#include "lgx_lookup.h"
#include "lgx_stock.h"
#include "picks_plan.h"
#include "lgx_time.h"

#define MAX_LINES 1000
#define MAX_TYPES 64
#define EVENT_TYPE "pick_confirmed"

const lgx_opt_t picks_opts[] = {
    {"validate", LGX_OPT_BOOL, "true", offsetof(picks_conf_t, validate),
     "Validate the picking when the warehouse reports the pick complete", NULL,
     0},
    {"backorder", LGX_OPT_ENUM, "create", offsetof(picks_conf_t, backorder),
     "What validating a partly picked picking does with the rest",
     "create|none", 0},
    LGX_ACTIVITY_OPTS(picks_conf_t, activity),
    LGX_OPT_END};

/* The move lines and lots of a batch's tracked moves (one search_read
 * each), and the lots created for it: every job plans from these. */
typedef struct lot_data {
    yajl_val line_rows, lot_rows;
    picks_mline_t *mlines;
    size_t n_mlines;
    picks_lot_t *lots; /* names borrowed from lot_rows or the events */
    size_t n_lots, cap_lots;
} lot_data_t;

/* The picks' own part of the handler state (lgx_stock_state_own), with
 * the shared part's client, buffer and activity routing at hand. */
typedef struct picks {
    const picks_conf_t *conf;
    lgx_odoo_t *odoo;
    lgx_buf_t *buf;
    lgx_lookup_t *products;   /* product.product by default_code */
    lgx_lookup_t *barcodes;   /* product.product by barcode */
    lgx_lookup_t *warehouses; /* stock.warehouse by code */
    /* operation types and their warehouse, read when first needed */
    struct {
        int64_t type_id, warehouse_id;
    } types[MAX_TYPES];
    size_t n_types;
    const lgx_activity_t *activity;
    lot_data_t lots; /* of the batch being handled */
    /* Odoo's units of measure, read when a pick first names one and
     * again once the cache time-to-live passed or a name is not there */
    yajl_val unit_rows;
    picks_unit_t *units;
    size_t n_units;
    int64_t units_read_ms;
} picks_t;

/* One event's data, as read from the record and from Odoo. Its picking
 * and moves are views (arrays borrowing their rows) into the reads of its
 * batch. */
typedef struct pick_job {
    char name[256];
    int complete;
    picks_line_t lines[MAX_LINES];
    const char *units[MAX_LINES]; /* the unit of each line, NULL: move's */
    double counted[MAX_LINES];    /* each quantity in its own unit */
    int64_t product_ids[MAX_LINES];
    bool by_barcode;       /* its codes are product barcodes (rules mapping) */
    const char *warehouse; /* the Odoo code of the warehouse it names */
    size_t n_lines;
    const lgx_rule_t *rule;
    yajl_val picking; /* the picking record, in an array: &picking_view */
    int64_t picking_id;
    yajl_val moves; /* &moves_view */
    struct yajl_val_s picking_view, moves_view;
    yajl_val picking_row;
    yajl_val *move_rows;
    bool live;  /* not judged yet */
    bool alone; /* its picking is an earlier event's of the batch */
} pick_job_t;

/* Frees the picks' own part of the handler state. */
static void picks_free(void *own)
{
    picks_t *p = own;
    if (p) {
        lgx_lookup_destroy(p->products);
        lgx_lookup_destroy(p->barcodes);
        lgx_lookup_destroy(p->warehouses);
        yajl_tree_free(p->unit_rows);
        free(p->units);
        free(p);
    }
}

/* The picks' own part: lookups by code, barcode and warehouse code. */
static void *picks_make(const lgx_stock_state_t *s)
{
    lgx_odoo_t *odoo = lgx_stock_state_odoo(s);
    picks_t *p = calloc(1, sizeof(*p));
    if (!p ||
        !(p->products =
              lgx_lookup_new(odoo, "product.product", "default_code")) ||
        !(p->barcodes = lgx_lookup_new(odoo, "product.product", "barcode")) ||
        !(p->warehouses = lgx_lookup_new(odoo, "stock.warehouse", "code"))) {
        picks_free(p);
        return NULL;
    }
    p->conf = lgx_stock_state_conf(s);
    p->odoo = odoo;
    p->buf = lgx_stock_state_buf(s, 0);
    p->activity = lgx_stock_state_activity(s);
    return p;
}

void *picks_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                 size_t size)
{
    return lgx_stock_state_init_own(conf, odoo, log, errstr, size, picks_make,
                                    picks_free);
}

/* A unit code of the event's source as Odoo names the unit. */
/* The unit of each line (v3's line_units, by position), mapped through
 * the rules' units of the event's source; NULL where the line has none. */
static bool read_units(const lgx_event_t *ev, avro_value_t *rec,
                       pick_job_t *job, lgx_verdict_t *v)
{
    avro_value_t units;
    size_t n = 0;
    if (lgx_avro_get_array(rec, "line_units", &units, &n) != LGX_OK) {
        return true;
    }
    if (n > job->n_lines) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "invalid_field",
                        "line_units has %zu entries for %zu lines", n,
                        job->n_lines);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = NULL;
        size_t len = 0;
        if (lgx_avro_item_str(&units, i, &s, &len) != LGX_OK || len == 0) {
            continue;
        }
        if (!(job->units[i] = lgx_event_map(ev, "units", s, v))) {
            return false;
        }
    }
    return true;
}

/* Reads picking name, lines and is_complete from the record. */
static bool read_event(const lgx_event_t *ev, pick_job_t *job, lgx_verdict_t *v)
{
    avro_value_t *rec = lgx_event_record(ev);
    avro_value_t lines;
    size_t n = 0;
    if (!lgx_event_str(ev, "picking_name", job->name, sizeof(job->name), v)) {
        return false;
    }
    if (lgx_avro_get_bool(rec, "is_complete", &job->complete) != LGX_OK ||
        lgx_avro_get_array(rec, "lines", &lines, &n) != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "is_complete or lines missing");
        return false;
    }
    if (n > MAX_LINES) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "too_many_lines",
                        "%zu lines; at most %d", n, MAX_LINES);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        avro_value_t line;
        size_t len = 0;
        if (avro_value_get_by_index(&lines, i, &line, NULL) != 0 ||
            lgx_avro_get_str(&line, "product_code", &job->lines[i].code,
                             &len) != LGX_OK ||
            lgx_avro_get_double(&line, "quantity", &job->lines[i].qty) !=
                LGX_OK) {
            lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                            "line %zu lacks product_code or quantity", i + 1);
            return false;
        }
        job->lines[i].lot = lgx_avro_str(&line, "lot");
        job->counted[i] = job->lines[i].qty;
        /* A partner's SKU, as the rules map it for the source. */
        if (!(job->lines[i].code =
                  lgx_event_map(ev, "products", job->lines[i].code, v))) {
            return false;
        }
    }
    job->n_lines = n;
    job->by_barcode = strcmp(lgx_event_product_field(ev), "barcode") == 0;
    const char *wh = lgx_avro_str(rec, "warehouse");
    if (wh && !(job->warehouse = lgx_event_map(ev, "warehouses", wh, v))) {
        return false;
    }
    return read_units(ev, rec, job, v);
}

/* The rules on the picking read: source, time, cancellation in Odoo,
 * transition. */
static bool gate(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                 lgx_verdict_t *v)
{
    yajl_val rec = lgx_json_at(job->picking, 0);
    const char *state = lgx_json_get_str(rec, "state");
    if (!rec || !lgx_json_get_int(rec, "id", &job->picking_id) || !state) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking named %s in Odoo", job->name);
        return false;
    }
    return lgx_stock_gate_pickings(p->odoo, p->activity, ev, job->rule,
                                   job->picking, state, job->name,
                                   "the pick is not applied", v);
}

static picks_tracking_t tracking_of(yajl_val move)
{
    const char *t = lgx_json_get_str(move, "has_tracking");
    return !t                         ? PICKS_TRACK_NONE
           : strcmp(t, "lot") == 0    ? PICKS_TRACK_LOT
           : strcmp(t, "serial") == 0 ? PICKS_TRACK_SERIAL
                                      : PICKS_TRACK_NONE;
}

/* ---- the warehouse ---- */

/* The warehouse of operation type type_id (one search_read the first
 * time; kept: operation types do not move between warehouses), or 0. */
static bool type_warehouse(picks_t *p, int64_t type_id, int64_t *out,
                           lgx_verdict_t *v)
{
    for (size_t i = 0; i < p->n_types; i++) {
        if (p->types[i].type_id == type_id) {
            *out = p->types[i].warehouse_id;
            return true;
        }
    }
    lgx_buf_t *b = lgx_buf_new();
    lgx_domain_t d;
    lgx_domain_start(&d, b);
    lgx_domain_int(&d, "id", "=", type_id);
    if (lgx_domain_end(&d) != LGX_OK) {
        lgx_buf_destroy(b);
        return lgx_stock_nomem(v);
    }
    yajl_val rows = NULL;
    lgx_odoo_error_t err;
    lgx_err_t rc =
        lgx_odoo_search_read(p->odoo, "stock.picking.type", lgx_buf_data(b),
                             "[\"warehouse_id\"]", 1, &rows, &err);
    lgx_buf_destroy(b);
    if (!lgx_stock_ok(rc, &err, "stock.picking.type search_read", v)) {
        return false;
    }
    *out = lgx_json_m2o_id(lgx_json_get(lgx_json_at(rows, 0), "warehouse_id"));
    yajl_tree_free(rows);
    if (p->n_types < MAX_TYPES) {
        p->types[p->n_types].type_id = type_id;
        p->types[p->n_types++].warehouse_id = *out;
    }
    return true;
}

/* A pick that names its warehouse (v2 warehouse, mapped by the rules)
 * is for a picking of that warehouse: a warehouse Odoo lacks is
 * unknown_warehouse, another one wrong_warehouse. */
static bool check_warehouse(picks_t *p, const pick_job_t *job, lgx_verdict_t *v)
{
    if (!job->warehouse) {
        return true;
    }
    int64_t wid = 0, own = 0;
    lgx_odoo_error_t err;
    lgx_err_t rc =
        lgx_lookup_ids(p->warehouses, &job->warehouse, 1, &wid, &err);
    if (!lgx_stock_ok(rc, &err, "stock.warehouse search_read", v)) {
        return false;
    }
    if (!wid) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_warehouse",
                        "%s: no warehouse with code %s in Odoo", job->name,
                        job->warehouse);
        return false;
    }
    yajl_val type = lgx_json_get(job->picking_row, "picking_type_id");
    if (!type_warehouse(p, lgx_json_m2o_id(type), &own, v)) {
        return false;
    }
    if (own != wid) {
        const char *tname = lgx_json_m2o_name(type);
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "wrong_warehouse",
                        "%s is an operation of %s, not of warehouse %s: the "
                        "pick comes from another warehouse",
                        job->name, tname ? tname : "another warehouse",
                        job->warehouse);
        return false;
    }
    return true;
}

/* ---- units of measure ---- */

/* Reads Odoo's units (one search_read, archived ones too: 19 ships
 * Dozens archived) unless those read are younger than max_age_ms. Odoo
 * 19 has no categories: a unit's family is the
 * root of its parent_path and factor counts reference units; 17 and 18
 * group units by category and factor is the other way round. */
static bool load_units(picks_t *p, int64_t max_age_ms, lgx_verdict_t *v)
{
    int64_t now = lgx_time_mono_ms();
    if (p->unit_rows && now - p->units_read_ms < max_age_ms) {
        return true;
    }
    bool v19 = lgx_odoo_version(p->odoo) >= 19;
    yajl_val rows = NULL;
    lgx_odoo_error_t err;
    lgx_buf_t *b = lgx_buf_new();
    lgx_domain_t d;
    lgx_domain_start(&d, b);
    lgx_domain_in(&d, "active");
    lgx_domain_item_bool(&d, true);
    lgx_domain_item_bool(&d, false);
    if (lgx_domain_end(&d) != LGX_OK) {
        lgx_buf_destroy(b);
        return lgx_stock_nomem(v);
    }
    lgx_err_t rc = lgx_odoo_search_read(
        p->odoo, "uom.uom", lgx_buf_data(b),
        v19 ? "[\"id\",\"name\",\"factor\",\"parent_path\"]"
            : "[\"id\",\"name\",\"factor\",\"category_id\"]",
        0, &rows, &err);
    lgx_buf_destroy(b);
    if (!lgx_stock_ok(rc, &err, "uom.uom search_read", v)) {
        return false;
    }
    size_t n = lgx_json_len(rows);
    picks_unit_t *units = calloc(n ? n : 1, sizeof(*units));
    if (!units) {
        yajl_tree_free(rows);
        return lgx_stock_nomem(v);
    }
    for (size_t i = 0; i < n; i++) {
        yajl_val r = lgx_json_at(rows, i);
        const char *path = lgx_json_get_str(r, "parent_path");
        double factor = 0;
        lgx_json_get_int(r, "id", &units[i].id);
        units[i].name = lgx_json_get_str(r, "name");
        lgx_json_get_num(r, "factor", &factor);
        units[i].ratio = v19 ? factor : factor > 0 ? 1 / factor : 0;
        units[i].family = v19 ? (path ? strtoll(path, NULL, 10) : 0)
                              : lgx_json_m2o_id(lgx_json_get(r, "category_id"));
    }
    yajl_tree_free(p->unit_rows);
    free(p->units);
    p->unit_rows = rows;
    p->units = units;
    p->n_units = n;
    p->units_read_ms = now;
    return true;
}

/* Converts the lines given in a unit into their move's unit. A unit not
 * among those read may have been made since: read again (once a second
 * at most) before refusing it. */
static bool convert_units(picks_t *p, pick_job_t *job,
                          const picks_move_t *moves, size_t nm,
                          lgx_verdict_t *v)
{
    bool any = false;
    for (size_t i = 0; i < job->n_lines && !any; i++) {
        any = job->units[i] != NULL;
    }
    if (!any) {
        return true;
    }
    size_t size = 0;
    int64_t ttl = 0;
    lgx_odoo_cache_limits(p->odoo, &size, &ttl);
    char reason[64], msg[256];
    for (int round = 0; round < 2; round++) {
        if (!load_units(p, round ? 1000 : ttl, v)) {
            return false;
        }
        for (size_t i = 0; i < job->n_lines; i++) {
            job->lines[i].qty = job->counted[i];
        }
        lgx_err_t rc = picks_plan_units(
            job->lines, job->product_ids, job->units, job->n_lines, moves, nm,
            p->units, p->n_units, reason, sizeof(reason), msg, sizeof(msg));
        if (rc == LGX_OK) {
            return true;
        }
        if (round || strcmp(reason, "unknown_unit") != 0) {
            break;
        }
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, reason, "%s: %s", job->name, msg);
    return false;
}

/* The name of unit id among those read, "?" when not there. */
static const char *unit_name(const picks_t *p, int64_t id)
{
    for (size_t k = 0; k < p->n_units; k++) {
        if (p->units[k].id == id && p->units[k].name) {
            return p->units[k].name;
        }
    }
    return "?";
}

/* "; units: SKU-1 2 Box of 12 = 24 Units" for the lines converted (into
 * the unit of their product's first move, as picks_plan_units does). */
static void units_text(const picks_t *p, const pick_job_t *job,
                       const picks_move_t *moves, size_t nm, char *out,
                       size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < job->n_lines && used < size; i++) {
        size_t j = 0;
        while (j < nm && moves[j].product_id != job->product_ids[i]) {
            j++;
        }
        if (!job->units[i] || j == nm) {
            continue;
        }
        int k = snprintf(out + used, size - used, "%s%s %.15g %s = %.15g %s",
                         used ? ", " : "; units: ", job->lines[i].code,
                         job->counted[i], job->units[i], job->lines[i].qty,
                         unit_name(p, moves[j].uom_id));
        used += k > 0 ? (size_t)k : 0;
    }
}

/* Plans the move writes from Odoo's moves and the event's lines. On true
 * *moves_out holds the moves (the caller frees it). */
static bool plan(picks_t *p, pick_job_t *job, picks_write_t **writes,
                 size_t *n_writes, picks_move_t **moves_out, lgx_verdict_t *v)
{
    size_t nm = lgx_json_len(job->moves);
    size_t np = job->n_lines;
    picks_move_t *moves = calloc(nm ? nm : 1, sizeof(*moves));
    picks_product_t *products = calloc(np ? np : 1, sizeof(*products));
    *writes = calloc(nm ? nm : 1, sizeof(**writes));
    bool ok = moves && products && *writes;
    for (size_t i = 0; ok && i < nm; i++) {
        yajl_val m = lgx_json_at(job->moves, i);
        double q = 0;
        lgx_json_get_int(m, "id", &moves[i].id);
        moves[i].product_id = lgx_json_m2o_id(lgx_json_get(m, "product_id"));
        lgx_json_get_num(m, "quantity", &q);
        moves[i].quantity = q;
        moves[i].picked = YAJL_IS_TRUE(lgx_json_get(m, "picked"));
        moves[i].tracking = tracking_of(m);
        moves[i].location_id = lgx_json_m2o_id(lgx_json_get(m, "location_id"));
        moves[i].uom_id = lgx_json_m2o_id(lgx_json_get(m, "product_uom"));
        lgx_json_get_num(m, "x_lgx_quantity", &moves[i].lgx_qty);
    }
    for (size_t i = 0; ok && i < np; i++) {
        products[i].id = job->product_ids[i];
        products[i].code = job->lines[i].code;
    }
    char reason[64], msg[256];
    if (!ok) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
    } else if (!convert_units(p, job, moves, nm, v)) {
        ok = false;
    } else if (picks_plan(job->lines, job->n_lines, moves, nm, products, np,
                          *writes, n_writes, reason, sizeof(reason), msg,
                          sizeof(msg)) != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, reason, "%s: %s", job->name,
                        msg);
        ok = false;
    }
    if (ok) {
        *moves_out = moves;
    } else {
        free(moves);
    }
    free(products);
    return ok;
}

/* Writes quantity and picked, one call per distinct quantity, and what
 * was written (x_lgx_quantity): a different quantity there later is a
 * person's edit. */
static bool write_moves(picks_t *p, const picks_write_t *w, size_t n,
                        lgx_verdict_t *v)
{
    for (size_t i = 0; i < n;) {
        int64_t ids[256];
        size_t k = 0, j = i;
        while (j < n && w[j].qty == w[i].qty && k < 256) {
            ids[k++] = w[j++].move_id;
        }
        char vals[128];
        snprintf(vals, sizeof(vals),
                 "{\"quantity\":%.15g,\"picked\":true,"
                 "\"x_lgx_quantity\":%.15g}",
                 w[i].qty, w[i].qty);
        if (!lgx_stock_write(p->odoo, "stock.move", ids, k, vals, v)) {
            return false;
        }
        i = j;
    }
    return true;
}

/* ---- lots and serial numbers ----
 *
 * A tracked move's quantity is the sum of its move lines, and validation
 * records their lots: lgx sets the lines (one per picked lot) instead of
 * the move's quantity. */

/* The lots plan's room, sized for job and the batch's move lines. */
static bool lots_room(picks_lots_t *l, const pick_job_t *job,
                      const lot_data_t *d)
{
    size_t nl = job->n_lines ? job->n_lines : 1;
    memset(l, 0, sizeof(*l));
    l->create = calloc(nl, sizeof(*l->create));
    l->missing = calloc(nl, sizeof(*l->missing));
    l->unlink = calloc(d->n_mlines ? d->n_mlines : 1, sizeof(*l->unlink));
    return l->create && l->missing && l->unlink;
}

static void lots_free(picks_lots_t *l)
{
    free(l->create);
    free(l->missing);
    free(l->unlink);
}

/* Creates the lots of l->missing (one create) and adds them to the
 * batch's lots, so that a later pick of the batch finds them. */
static bool create_lots(picks_t *p, const pick_job_t *job,
                        const picks_lots_t *l, lgx_verdict_t *v)
{
    lot_data_t *d = &p->lots;
    lgx_buf_t *b = p->buf;
    lgx_buf_reset(b);
    lgx_err_t rc = lgx_buf_puts(b, "[");
    for (size_t k = 0; rc == LGX_OK && k < l->n_missing; k++) {
        const picks_line_t *line = &job->lines[l->missing[k]];
        rc = lgx_buf_puts(b, k ? ",{\"name\":" : "{\"name\":");
        rc = rc == LGX_OK ? lgx_buf_json_str(b, line->lot, strlen(line->lot))
                          : rc;
        rc = rc == LGX_OK
                 ? lgx_buf_printf(b, ",\"product_id\":%lld}",
                                  (long long)job->product_ids[l->missing[k]])
                 : rc;
    }
    rc = rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
    if (rc != LGX_OK || d->n_lots + l->n_missing > d->cap_lots) {
        return lgx_stock_nomem(v);
    }
    yajl_val ids = NULL;
    lgx_odoo_error_t err;
    rc = lgx_odoo_create(p->odoo, "stock.lot", lgx_buf_data(b), NULL, &ids,
                         &err);
    if (rc == LGX_ERR_ODOO_USER) {
        /* Odoo refuses a second lot of one name and product (a
         * ValidationError, not a database constraint): another pick
         * created it since the read. Tried again, the read finds it. */
        rc = err.code = LGX_ERR_ODOO_CONFLICT;
    }
    if (!lgx_stock_ok(rc, &err, "stock.lot create", v)) {
        return false;
    }
    for (size_t k = 0; k < l->n_missing && k < lgx_json_len(ids); k++) {
        size_t i = l->missing[k];
        d->lots[d->n_lots++] =
            (picks_lot_t){lgx_json_m2o_id(lgx_json_at(ids, k)),
                          job->product_ids[i], job->lines[i].lot};
    }
    yajl_tree_free(ids);
    return true;
}

#define REASON_SIZE 64
#define MSG_SIZE 256

/* picks_plan_lots on the batch's move lines and lots; reason and msg
 * have REASON_SIZE and MSG_SIZE bytes. */
static lgx_err_t plan_lots_once(const picks_t *p, const pick_job_t *job,
                                const picks_move_t *moves, size_t nm,
                                picks_lots_t *l, char *reason, char *msg)
{
    const lot_data_t *d = &p->lots;
    return picks_plan_lots(job->lines, job->product_ids, job->n_lines, moves,
                           nm, d->mlines, d->n_mlines, d->lots, d->n_lots, l,
                           reason, REASON_SIZE, msg, MSG_SIZE);
}

/* Plans the move lines of job's tracked moves; creates the lots Odoo
 * lacks when the rule allows it. done: the picking is done, nothing is
 * created and *differ says whether its lots differ from the pick's. */
static bool plan_lots(picks_t *p, pick_job_t *job, const picks_move_t *moves,
                      size_t nm, bool done, picks_lots_t *l, bool *differ,
                      lgx_verdict_t *v)
{
    char reason[REASON_SIZE], msg[MSG_SIZE];
    if (!lots_room(l, job, &p->lots)) {
        return lgx_stock_nomem(v);
    }
    lgx_err_t rc = plan_lots_once(p, job, moves, nm, l, reason, msg);
    if (rc == LGX_ERR_NOT_FOUND && done) {
        *differ = true;
        return true;
    }
    if (rc == LGX_ERR_NOT_FOUND && lgx_rule_create_lots(job->rule)) {
        if (!lgx_gate_call(job->rule, "stock.lot", "create", v) ||
            !create_lots(p, job, l, v)) {
            return false;
        }
        rc = plan_lots_once(p, job, moves, nm, l, reason, msg);
    }
    if (rc == LGX_ERR_NOMEM) {
        return lgx_stock_nomem(v);
    }
    if (rc != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, reason, "%s: %s", job->name,
                        msg);
        return false;
    }
    *differ = l->n_create || l->n_unlink;
    return true;
}

/* Unlinks the lines of lots not picked, then creates one picked line per
 * lot picked (one call each at most). */
static bool write_lines(picks_t *p, const pick_job_t *job,
                        const picks_lots_t *l, lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    lgx_err_t rc;
    if (l->n_unlink) {
        rc = lgx_odoo_call(p->odoo, "stock.move.line", "unlink", l->unlink,
                           l->n_unlink, NULL, NULL, &err);
        if (!lgx_stock_ok(rc, &err, "stock.move.line unlink", v)) {
            return false;
        }
    }
    if (!l->n_create) {
        return true;
    }
    lgx_buf_t *b = p->buf;
    lgx_buf_reset(b);
    rc = lgx_buf_puts(b, "[");
    for (size_t k = 0; rc == LGX_OK && k < l->n_create; k++) {
        const picks_new_line_t *c = &l->create[k];
        rc = lgx_buf_printf(
            b,
            "%s{\"move_id\":%lld,\"picking_id\":%lld,\"product_id\":%lld,"
            "\"lot_id\":%lld,\"quantity\":%.15g,\"picked\":true}",
            k ? "," : "", (long long)c->move_id, (long long)job->picking_id,
            (long long)c->product_id, (long long)c->lot_id, c->qty);
    }
    rc = rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
    if (rc != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    rc = lgx_odoo_create(p->odoo, "stock.move.line", lgx_buf_data(b), NULL,
                         NULL, &err);
    return lgx_stock_ok(rc, &err, "stock.move.line create", v);
}

/* Ownership of the move line writes, when there are any. */
static bool owned_lines(const lgx_rule_t *rule, const picks_lots_t *l,
                        lgx_verdict_t *v)
{
    return (!l->n_unlink ||
            lgx_gate_call(rule, "stock.move.line", "unlink", v)) &&
           (!l->n_create ||
            (lgx_gate_call(rule, "stock.move.line", "create", v) &&
             lgx_gate_write(rule, "stock.move.line", "lot_id", v) &&
             lgx_gate_write(rule, "stock.move.line", "quantity", v) &&
             lgx_gate_write(rule, "stock.move.line", "picked", v)));
}

/* The lots of job's tracked lines ("; lots A 2, B 1") and the lot of
 * an untracked product it ignored, for the outcome line. */
static void lots_text(const pick_job_t *job, const picks_move_t *moves,
                      size_t nm, const picks_lots_t *l, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < job->n_lines && used < size; i++) {
        const picks_line_t *line = &job->lines[i];
        bool tracked = false;
        for (size_t j = 0; j < nm && !tracked; j++) {
            tracked = moves[j].product_id == job->product_ids[i] &&
                      moves[j].tracking != PICKS_TRACK_NONE;
        }
        if (!tracked || !line->lot) {
            continue;
        }
        int k = snprintf(out + used, size - used, "%s%s %.15g",
                         used ? ", " : "; lots ", line->lot, line->qty);
        used += k > 0 ? (size_t)k : 0;
    }
    if (l->ignored && used < size) {
        const picks_line_t *line = &job->lines[l->first_ignored];
        snprintf(out + used, size - used,
                 "; lot %s of %s ignored: not tracked in Odoo%s", line->lot,
                 line->code, l->ignored > 1 ? " (and others)" : "");
    }
}

/* Records the event's time in the picking's clock. */
static bool stamp(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                  lgx_verdict_t *v)
{
    return lgx_stock_vals_begin(p->buf, job->picking, ev, job->rule, v) &&
           lgx_stock_write_vals(p->odoo, p->buf, &job->picking_id, 1, v);
}

static bool owned(const lgx_rule_t *rule, bool validate, lgx_verdict_t *v)
{
    return lgx_gate_write(rule, "stock.move", "quantity", v) &&
           lgx_gate_write(rule, "stock.move", "picked", v) &&
           lgx_gate_write(rule, "stock.picking", lgx_clock_field(EVENT_TYPE),
                          v) &&
           (!validate ||
            lgx_gate_call(rule, "stock.picking", "button_validate", v));
}

/* The move of id in moves (planned from Odoo's rows), or NULL. */
static const picks_move_t *move_by_id(const picks_move_t *moves, size_t nm,
                                      int64_t id)
{
    for (size_t i = 0; i < nm; i++) {
        if (moves[i].id == id) {
            return &moves[i];
        }
    }
    return NULL;
}

/* The product code of the event's line for product_id. */
static const char *code_of(const pick_job_t *job, int64_t product_id)
{
    for (size_t j = 0; j < job->n_lines; j++) {
        if (job->product_ids[j] == product_id) {
            return job->lines[j].code;
        }
    }
    return "?";
}

/* A pick for a picking already done. Validated with the quantities it
 * reports, it is a replay: stale. Validated with others (by an earlier
 * pick, or by a person in Odoo), the two disagree and lgx does not decide:
 * the picking stays as it is, the stock team gets an activity on it and
 * the event goes to the dead letters with both figures. */
static void judge_done(picks_t *p, pick_job_t *job, const picks_write_t *w,
                       size_t n, const picks_move_t *moves, size_t nm,
                       bool lots_differ, lgx_verdict_t *v)
{
    if (n == 0 && !lots_differ) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "already_applied",
                        "%s is done with the quantities of this pick",
                        job->name);
        return;
    }
    char detail[700] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof(detail); i++) {
        const picks_move_t *m = move_by_id(moves, nm, w[i].move_id);
        int k = snprintf(detail + used, sizeof(detail) - used,
                         "%s%s picked %.15g, validated %.15g", i ? "; " : "",
                         m ? code_of(job, m->product_id) : "?", w[i].qty,
                         m ? m->quantity : 0);
        used += k > 0 ? (size_t)k : 0;
    }
    if (lots_differ && used < sizeof(detail)) {
        snprintf(detail + used, sizeof(detail) - used,
                 "%sother lots or serial numbers than those picked",
                 used ? "; " : "");
    }
    char summary[300], text[1200];
    snprintf(summary, sizeof(summary), "lgx: pick after validation on %s",
             job->name);
    snprintf(text, sizeof(text),
             "The warehouse reported a pick for %s after it was validated "
             "with other quantities (%s). lgx changed nothing: check the "
             "stock and correct it in Odoo or in the warehouse.",
             job->name, detail);
    if (!lgx_gate_call(job->rule, "mail.activity", "create", v) ||
        !lgx_stock_todo(p->odoo, p->activity, job->picking_id, "discrepancy",
                        lgx_activity_responsible(job->picking_row), summary,
                        text, v)) {
        return;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "pick_after_validation",
                    "%s was validated with other quantities than this pick "
                    "reports: %s",
                    job->name, detail);
    v->discrepancy = "pick_after_validation";
}

/* ---- people's edits ----
 *
 * A move whose quantity a person changed since lgx-picks wrote it
 * (x_lgx_quantity) keeps the person's figure: a later pick that says a
 * third one is a conflict. Nothing is written; the picking gets a note
 * (once per event) and the stock team an activity, both showing the
 * three figures and who changed the move; the event goes to the dead
 * letters (edited_in_odoo). A replay of a pick already applied never gets
 * here (already_applied). */

/* "SKU-1 4 in Odoo (changed by NAME at WHEN UTC), lgx wrote 3, the pick
 * says 5; ..." for the edits e into out. */
static void edits_text(const pick_job_t *job, const picks_edit_t *e, size_t n,
                       const picks_move_t *moves, size_t nm, char *out,
                       size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const picks_move_t *m = move_by_id(moves, nm, e[i].move_id);
        yajl_val row = lgx_json_find_id(job->moves, e[i].move_id);
        const char *who = lgx_json_m2o_name(lgx_json_get(row, "write_uid"));
        const char *when = lgx_json_get_str(row, "write_date");
        int k = snprintf(out + used, size - used,
                         "%s%s %.15g in Odoo (changed by %s at %s UTC), lgx "
                         "wrote %.15g, the pick says %.15g",
                         i ? "; " : "", m ? code_of(job, m->product_id) : "?",
                         e[i].odoo_qty, who ? who : "?", when ? when : "?",
                         e[i].lgx_qty, e[i].event_qty);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* True when job's writes would overwrite no person's edit; else false
 * with v set (the conflict told, or an Odoo error). */
static bool judge_edits(picks_t *p, const lgx_event_t *ev,
                        const pick_job_t *job, const picks_write_t *w, size_t n,
                        const picks_move_t *moves, size_t nm, lgx_verdict_t *v)
{
    picks_edit_t *e = calloc(n ? n : 1, sizeof(*e));
    if (!e) {
        return lgx_stock_nomem(v);
    }
    size_t ne = picks_plan_edits(w, n, moves, nm, e);
    char what[700], summary[300], text[1200], key[200];
    edits_text(job, e, ne, moves, nm, what, sizeof(what));
    free(e);
    if (ne == 0) {
        return true;
    }
    snprintf(summary, sizeof(summary), "lgx: pick conflicts with an edit on %s",
             job->name);
    snprintf(text, sizeof(text),
             "%s reported a pick for %s that would overwrite quantities "
             "changed in Odoo since lgx wrote them: %s. lgx changed nothing: "
             "agree with the warehouse on the figure and correct it in Odoo "
             "or have the warehouse send it again.",
             lgx_event_source(ev), job->name, what);
    snprintf(key, sizeof(key), "%s:edited", lgx_event_id(ev));
    if (!lgx_gate_call(job->rule, "mail.thread", "message_post", v) ||
        !lgx_gate_call(job->rule, "mail.activity", "create", v) ||
        !lgx_stock_note(p->odoo, job->picking_id, text, key, v) ||
        !lgx_stock_todo(p->odoo, p->activity, job->picking_id, "discrepancy",
                        lgx_activity_responsible(job->picking_row), summary,
                        text, v)) {
        return false;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "edited_in_odoo",
                    "%s: a person changed what lgx wrote: %s; nothing "
                    "written",
                    job->name, what);
    v->discrepancy = "edited_in_odoo";
    return false;
}

/* ---- shortages ----
 *
 * A pick of more than Odoo has for a move (its reservation plus what is
 * free at its location) is a shortage: validating it takes Odoo's stock
 * below zero. The rule's policy for the source decides (apply, hold,
 * refuse); whichever, a note on the picking and an activity for the
 * stock team say so, the outcome line names it and
 * lgx_stock_discrepancies_total counts it. Only a pick beyond the
 * reservation costs a read: of the quants under the moves' locations. */

/* Appends the free stock of the candidates c at location loc (one
 * stock.quant search_read) to *f. */
static bool read_free_at(picks_t *p, const picks_short_t *c, size_t n,
                         int64_t loc, picks_free_t **f, size_t *nf,
                         lgx_verdict_t *v)
{
    lgx_buf_t *d = p->buf;
    lgx_odoo_error_t err;
    yajl_val rows = NULL;
    size_t k = 0;
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_in(&dom, "product_id");
    for (size_t i = 0; i < n; i++) {
        if (c[i].location_id == loc) {
            lgx_domain_item_int(&dom, c[i].product_id);
            k++;
        }
    }
    lgx_domain_int(&dom, "location_id", "child_of", loc);
    lgx_err_t rc = lgx_domain_end(&dom);
    if (rc != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    rc = lgx_odoo_search_read(p->odoo, "stock.quant", lgx_buf_data(d),
                              "[\"product_id\",\"lot_id\",\"quantity\","
                              "\"reserved_quantity\"]",
                              0, &rows, &err);
    if (!lgx_stock_ok(rc, &err, "stock.quant search_read", v)) {
        return false;
    }
    size_t len = lgx_json_len(rows);
    picks_free_t *grown = realloc(*f, (*nf + len + 1) * sizeof(**f));
    if (!grown) {
        yajl_tree_free(rows);
        return lgx_stock_nomem(v);
    }
    *f = grown;
    for (size_t i = 0; i < len; i++) {
        yajl_val r = lgx_json_at(rows, i);
        double q = 0, reserved = 0;
        lgx_json_get_num(r, "quantity", &q);
        lgx_json_get_num(r, "reserved_quantity", &reserved);
        grown[(*nf)++] = (picks_free_t){
            loc, lgx_json_m2o_id(lgx_json_get(r, "product_id")),
            lgx_json_m2o_id(lgx_json_get(r, "lot_id")), q - reserved};
    }
    yajl_tree_free(rows);
    return true;
}

/* The shortages of job into out (room for its lines): the candidates
 * beyond the reservation, then the free stock at their locations. */
static bool find_shortages(picks_t *p, const pick_job_t *job,
                           const picks_move_t *moves, size_t nm,
                           picks_short_t *out, size_t *n, lgx_verdict_t *v)
{
    const lot_data_t *d = &p->lots;
    *n = picks_plan_shortage(job->lines, job->product_ids, job->n_lines, moves,
                             nm, d->mlines, d->n_mlines, d->lots, d->n_lots,
                             NULL, 0, out);
    picks_free_t *f = NULL;
    size_t nf = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < *n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = out[j].location_id == out[i].location_id;
        }
        ok = seen || read_free_at(p, out, *n, out[i].location_id, &f, &nf, v);
    }
    if (ok && *n) {
        *n = picks_plan_shortage(job->lines, job->product_ids, job->n_lines,
                                 moves, nm, d->mlines, d->n_mlines, d->lots,
                                 d->n_lots, f, nf, out);
    }
    free(f);
    return ok;
}

/* The name of the source location of move_id, from Odoo's rows. */
static const char *location_name(const pick_job_t *job, int64_t move_id)
{
    const char *loc = lgx_json_m2o_name(
        lgx_json_get(lgx_json_find_id(job->moves, move_id), "location_id"));
    return loc ? loc : "?";
}

/* "SKU-1 picked 10, 6 in Odoo at WH/Stock; SKU-2 lot L1 picked ..." */
static void shortage_text(const pick_job_t *job, const picks_short_t *s,
                          size_t n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const picks_line_t *line = &job->lines[s[i].line];
        int k = snprintf(out + used, size - used,
                         "%s%s%s%s picked %.15g, %.15g in Odoo at %s (%.15g "
                         "short)",
                         i ? "; " : "", line->code, s[i].lot_id ? " lot " : "",
                         s[i].lot_id ? line->lot : "", s[i].picked,
                         s[i].available, location_name(job, s[i].move_id),
                         s[i].picked - s[i].available);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* Tells the picking (a note, once per event) and the stock team (an
 * activity) about the shortage and what the policy does with it. */
static bool tell_shortage(picks_t *p, const lgx_event_t *ev,
                          const pick_job_t *job, lgx_shortage_t policy,
                          const char *what, lgx_verdict_t *v)
{
    static const char *const does[] = {
        "lgx applies it as the warehouse reports it: Odoo's stock there "
        "goes below zero. Count the location and correct the stock.",
        "lgx waits until Odoo has it (a receipt, a count or a reservation), "
        "then applies it; past the rule's hold time it goes to the dead "
        "letters.",
        "lgx changed nothing: the pick is in the dead letters (reason "
        "shortage). Correct the stock, then replay it."};
    char summary[300], text[1400], key[200];
    snprintf(summary, sizeof(summary), "lgx: shortage on %s", job->name);
    snprintf(text, sizeof(text),
             "%s reported a pick of more than Odoo has for %s: %s. Shortage "
             "policy %s: %s",
             lgx_event_source(ev), job->name, what, lgx_shortage_name(policy),
             does[policy]);
    snprintf(key, sizeof(key), "%s:shortage", lgx_event_id(ev));
    return lgx_gate_call(job->rule, "mail.thread", "message_post", v) &&
           lgx_gate_call(job->rule, "mail.activity", "create", v) &&
           lgx_stock_note(p->odoo, job->picking_id, text, key, v) &&
           lgx_stock_todo(p->odoo, p->activity, job->picking_id, "shortage",
                          lgx_activity_responsible(job->picking_row), summary,
                          text, v);
}

/* Judges job's shortages, if any, by the rule's policy for the event's
 * source: false with v set when the pick stops here (held, refused, or
 * an Odoo error); true to apply, *what naming the shortage (empty for
 * none). */
static bool judge_shortage(picks_t *p, const lgx_event_t *ev,
                           const pick_job_t *job, const picks_move_t *moves,
                           size_t nm, char *what, size_t size, lgx_verdict_t *v)
{
    picks_short_t *s = calloc(job->n_lines ? job->n_lines : 1, sizeof(*s));
    size_t n = 0;
    what[0] = '\0';
    bool ok =
        s ? find_shortages(p, job, moves, nm, s, &n, v) : lgx_stock_nomem(v);
    if (ok && n) {
        shortage_text(job, s, n, what, size);
    }
    free(s);
    if (!ok || !what[0]) {
        return ok;
    }
    lgx_shortage_t policy = lgx_rule_shortage(job->rule, lgx_event_source(ev));
    if (!tell_shortage(p, ev, job, policy, what, v)) {
        return false;
    }
    if (policy == LGX_SHORTAGE_HOLD) {
        lgx_verdict_set(v, LGX_OUTCOME_HELD, "shortage",
                        "%s: picked more than Odoo has (%s); held until Odoo "
                        "has it",
                        job->name, what);
        v->hold_ms = lgx_rule_hold_ms(job->rule);
    } else if (policy == LGX_SHORTAGE_REFUSE) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "shortage",
                        "%s: picked more than Odoo has (%s); shortage policy "
                        "refuse, nothing changed",
                        job->name, what);
    }
    v->discrepancy = policy == LGX_SHORTAGE_APPLY ? NULL : "shortage";
    return policy == LGX_SHORTAGE_APPLY;
}

/* ---- routes ----
 *
 * In two- and three-step delivery (pick, then pack and ship) the pick is
 * reported for the first picking of the route; the later ones take what
 * it moved (Odoo reserves it on them, creating them first on 18 and 19).
 * The pick validates them too, step by step, with what arrived, as a
 * one-step delivery is validated by its pick: the sale order is then
 * delivered and the shipment's dispatch finds its route done. */

/* Marks what arrived on picking pid's moves of rows picked (the moves
 * with a quantity) and validates it, the rest kept as a backorder. */
static bool validate_step(picks_t *p, yajl_val rows, int64_t pid,
                          const char *name, lgx_verdict_t *v)
{
    int64_t ids[256];
    size_t n = 0;
    for (size_t i = 0; i < lgx_json_len(rows) && n < 256; i++) {
        yajl_val m = lgx_json_at(rows, i);
        double q = 0;
        if (lgx_json_m2o_id(lgx_json_get(m, "picking_id")) == pid &&
            lgx_json_get_num(m, "quantity", &q) && q > 0) {
            lgx_json_get_int(m, "id", &ids[n++]);
        }
    }
    bool backorder = false;
    return n == 0 ||
           (lgx_stock_write(p->odoo, "stock.move", ids, n, "{\"picked\":true}",
                            v) &&
            lgx_stock_validate(p->odoo, pid, name, true, &backorder, v));
}

/* Validates the later steps of job's route, if any (out: "; route:
 * W/PACK/00001, W/OUT/00001 validated with what the pick moved"). One
 * stock.move search_read per step, then per picking a write and its
 * validation; nothing for a picking that is not a step of a route. */
static bool validate_route(picks_t *p, const pick_job_t *job, char *out,
                           size_t size, lgx_verdict_t *v)
{
    int64_t from[16] = {job->picking_id};
    size_t nf = lgx_stock_route_step(job->picking_row) ? 1 : 0, used = 0;
    bool ok = true;
    out[0] = '\0';
    for (int step = 0; ok && nf && step < 4; step++) {
        yajl_val rows = NULL;
        lgx_stock_step_t steps[16];
        size_t ns = 0, opened = 0;
        ok = lgx_stock_route_next(p->odoo, from, nf, &rows, steps, 16, &ns, v);
        for (size_t i = 0; ok && i < ns; i++) {
            from[i] = steps[i].id;
            if (!steps[i].open) {
                continue;
            }
            opened++;
            ok = validate_step(p, rows, steps[i].id, steps[i].name, v);
            int k = snprintf(out + used, size - used, "%s%s",
                             used ? ", " : "; route: ", steps[i].name);
            used += k > 0 && (size_t)k < size - used ? (size_t)k : 0;
        }
        yajl_tree_free(rows);
        nf = opened ? ns : 0;
    }
    if (ok && used && used < size) {
        snprintf(out + used, size - used, " validated with what it moved");
    }
    return ok;
}

static bool picking_done(const pick_job_t *job)
{
    const char *state = lgx_json_get_str(lgx_json_at(job->picking, 0), "state");
    return state && strcmp(state, "done") == 0;
}

/* The writes of a picking not done: move lines of tracked moves, then
 * quantities of the others. */
static bool write_all(picks_t *p, pick_job_t *job, const picks_write_t *w,
                      size_t n, const picks_lots_t *l, lgx_verdict_t *v)
{
    return owned_lines(job->rule, l, v) && write_lines(p, job, l, v) &&
           write_moves(p, w, n, v);
}

/* After the reads: the move writes, the validation, the clock. */
static void apply(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                  lgx_verdict_t *v)
{
    bool validate = job->complete && p->conf->validate;
    picks_write_t *writes = NULL;
    picks_move_t *moves = NULL;
    picks_lots_t lots;
    size_t n = 0, nm = lgx_json_len(job->moves);
    bool backorder = false, differ = false, done = picking_done(job);
    char lot_msg[300] = "", short_msg[400] = "", unit_msg[300] = "";
    memset(&lots, 0, sizeof(lots));
    bool ok = check_warehouse(p, job, v) &&
              plan(p, job, &writes, &n, &moves, v) &&
              plan_lots(p, job, moves, nm, done, &lots, &differ, v);
    if (ok && done) {
        judge_done(p, job, writes, n, moves, nm, differ, v);
    }
    ok = ok && !done && judge_edits(p, ev, job, writes, n, moves, nm, v) &&
         judge_shortage(p, ev, job, moves, nm, short_msg, sizeof(short_msg),
                        v) &&
         write_all(p, job, writes, n, &lots, v);
    if (ok) {
        lots_text(job, moves, nm, &lots, lot_msg, sizeof(lot_msg));
        units_text(p, job, moves, nm, unit_msg, sizeof(unit_msg));
    }
    size_t n_lines = lots.n_create + lots.n_unlink;
    free(writes);
    free(moves);
    lots_free(&lots);
    if (!ok) {
        return;
    }
    if (n == 0 && n_lines == 0 && !validate) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "already_applied",
                        "%s: every move already holds these quantities",
                        job->name);
        return;
    }
    char route_msg[300] = "";
    if (validate &&
        (!lgx_stock_validate(p->odoo, job->picking_id, job->name,
                             strcmp(p->conf->backorder, "create") == 0,
                             &backorder, v) ||
         !validate_route(p, job, route_msg, sizeof(route_msg), v))) {
        return;
    }
    if (!stamp(p, ev, job, v)) {
        return;
    }
    lgx_verdict_set(
        v, LGX_OUTCOME_APPLIED, "",
        "%s: %zu move(s) updated, %zu move line(s) changed%s%s%s%s%s%s%s",
        job->name, n, n_lines, validate ? ", validated" : "",
        backorder                    ? " with a backorder for the rest"
        : job->complete && !validate ? "; validation turned off"
                                     : "",
        route_msg, lot_msg, unit_msg,
        short_msg[0] ? "; shortage (policy apply): " : "", short_msg);
    v->discrepancy = short_msg[0] ? "shortage" : NULL;
}

/* job->moves: the rows of moves whose picking is job's. False when out
 * of memory. */
static bool share_moves(pick_job_t *job, yajl_val moves)
{
    size_t len = lgx_json_len(moves);
    job->move_rows = calloc(len ? len : 1, sizeof(*job->move_rows));
    return job->move_rows && (job->moves = lgx_stock_view(
                                  &job->moves_view, job->move_rows, len, moves,
                                  "picking_id", NULL, job->picking_id));
}

void picks_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    picks_handle_batch(state, &ev, &v, 1);
}

/* ---- one pick, or several at once ----
 *
 * Each event: its rule, fields and ownership; its picking by name and the
 * rules on it; its moves and products; then the move writes, the
 * validation and the clock. Several events share the reads: one
 * search_read for the pickings of every name of the batch, one for all
 * their moves, one product lookup for all their lines. An event for a
 * picking an earlier event of the batch has (another key) is judged after
 * the batch on its own, on what the earlier one did. */

/* Every live job's verdict set to v (a shared call failed). */
static void fail_live(pick_job_t **jobs, size_t n, lgx_verdict_t *const *vs,
                      const lgx_verdict_t *v)
{
    for (size_t i = 0; i < n; i++) {
        if (jobs[i]->live) {
            *vs[i] = *v;
            jobs[i]->live = false;
        }
    }
}

/* The pickings of the batch by name (one search_read), then each live job
 * gated on its own. */
static bool read_pickings(picks_t *p, const lgx_event_t *const *evs,
                          pick_job_t **jobs, size_t n, lgx_verdict_t *const *vs,
                          yajl_val *rows)
{
    const char **names = calloc(n, sizeof(*names));
    size_t k = 0;
    lgx_verdict_t v;
    for (size_t i = 0; names && i < n; i++) {
        if (jobs[i]->live) {
            names[k++] = jobs[i]->name;
        }
    }
    bool ok = !names ? lgx_stock_nomem(&v)
              : k ? lgx_stock_pickings_in(p->odoo, "name", names, k, rows, &v)
                  : true;
    free(names);
    if (!ok) {
        fail_live(jobs, n, vs, &v);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        pick_job_t *job = jobs[i];
        job->live = job->live &&
                    (job->picking =
                         lgx_stock_view(&job->picking_view, &job->picking_row,
                                        1, *rows, "name", job->name, 0)) &&
                    gate(p, evs[i], job, vs[i]);
    }
    return true;
}

/* The products of the lines of the live jobs whose codes are barcodes
 * (or default codes): one lookup at most; lines is room enough. */
static bool lookup_products(picks_t *p, pick_job_t **jobs, size_t n,
                            size_t lines, bool barcodes, lgx_verdict_t *v)
{
    const char **codes = calloc(lines ? lines : 1, sizeof(*codes));
    int64_t *ids = calloc(lines ? lines : 1, sizeof(*ids));
    bool ok = (codes && ids) || lgx_stock_nomem(v);
    size_t c = 0;
    for (size_t i = 0; ok && i < n; i++) {
        for (size_t j = 0; jobs[i]->live && jobs[i]->by_barcode == barcodes &&
                           j < jobs[i]->n_lines;
             j++) {
            codes[c++] = jobs[i]->lines[j].code;
        }
    }
    if (ok && c) {
        lgx_odoo_error_t err;
        lgx_err_t rc = lgx_lookup_ids(barcodes ? p->barcodes : p->products,
                                      codes, c, ids, &err);
        ok = lgx_stock_ok(rc, &err, "product.product search_read", v);
    }
    c = 0;
    for (size_t i = 0; ok && i < n; i++) {
        for (size_t j = 0; jobs[i]->live && jobs[i]->by_barcode == barcodes &&
                           j < jobs[i]->n_lines;
             j++) {
            jobs[i]->product_ids[j] = ids[c++];
        }
    }
    free(codes);
    free(ids);
    return ok;
}

/* The moves of every live job's picking (one search_read) and the
 * products of all their lines (one lookup at most per product field). */
static bool read_moves(picks_t *p, pick_job_t **jobs, size_t n,
                       lgx_verdict_t *const *vs, yajl_val *rows)
{
    lgx_buf_t *d = p->buf;
    lgx_verdict_t v;
    lgx_odoo_error_t err;
    size_t k = 0, lines = 0;
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_in(&dom, "picking_id");
    for (size_t i = 0; i < n; i++) {
        if (jobs[i]->live) {
            lgx_domain_item_int(&dom, jobs[i]->picking_id);
            k++;
            lines += jobs[i]->n_lines;
        }
    }
    lgx_err_t rc = lgx_domain_end(&dom);
    if (k == 0) {
        return true;
    }
    if (rc != LGX_OK) {
        lgx_stock_nomem(&v);
        fail_live(jobs, n, vs, &v);
        return false;
    }
    rc = lgx_odoo_search_read(
        p->odoo, "stock.move", lgx_buf_data(d),
        "[\"id\",\"product_id\",\"quantity\",\"picked\",\"picking_id\","
        "\"has_tracking\",\"location_id\",\"product_uom\","
        "\"x_lgx_quantity\",\"write_uid\",\"write_date\"]",
        0, rows, &err);
    bool ok = lgx_stock_ok(rc, &err, "stock.move search_read", &v) &&
              lookup_products(p, jobs, n, lines, false, &v) &&
              lookup_products(p, jobs, n, lines, true, &v);
    for (size_t i = 0; ok && i < n; i++) {
        ok = !jobs[i]->live || share_moves(jobs[i], *rows) ||
             lgx_stock_nomem(&v);
    }
    if (!ok) {
        fail_live(jobs, n, vs, &v);
    }
    return ok;
}

/* The tracked move of job's line i (NULL when untracked or none). */
static yajl_val tracked_move(const pick_job_t *job, size_t i)
{
    for (size_t j = 0; j < lgx_json_len(job->moves); j++) {
        yajl_val m = lgx_json_at(job->moves, j);
        if (lgx_json_m2o_id(lgx_json_get(m, "product_id")) ==
            job->product_ids[i]) {
            return tracking_of(m) != PICKS_TRACK_NONE ? m : NULL;
        }
    }
    return NULL;
}

/* The domains of the move lines and lots of the live jobs' tracked lines,
 * into ml and lots; *n counts the lines. */
static lgx_err_t lot_domains(pick_job_t **jobs, size_t n_jobs, lgx_buf_t *ml,
                             lgx_buf_t *lots, size_t *n)
{
    lgx_domain_t dm, dl;
    lgx_domain_start(&dm, ml);
    lgx_domain_in(&dm, "move_id");
    lgx_domain_start(&dl, lots);
    lgx_domain_in(&dl, "name");
    *n = 0;
    for (size_t i = 0; i < n_jobs; i++) {
        for (size_t j = 0; jobs[i]->live && j < jobs[i]->n_lines; j++) {
            yajl_val m = tracked_move(jobs[i], j);
            int64_t id = 0;
            const char *lot = jobs[i]->lines[j].lot;
            if (!m || !lgx_json_get_int(m, "id", &id)) {
                continue;
            }
            lgx_domain_item_int(&dm, id);
            lgx_domain_item_str(&dl, lot ? lot : "");
            (*n)++;
        }
    }
    lgx_err_t rc = lgx_domain_end(&dm);
    return rc == LGX_OK ? lgx_domain_end(&dl) : rc;
}

/* The rows read into the batch's lot data (arrays the planner takes). */
static bool lot_arrays(lot_data_t *d, size_t n_lines)
{
    size_t nl = lgx_json_len(d->line_rows), nk = lgx_json_len(d->lot_rows);
    d->mlines = calloc(nl ? nl : 1, sizeof(*d->mlines));
    d->cap_lots = nk + n_lines;
    d->lots = calloc(d->cap_lots ? d->cap_lots : 1, sizeof(*d->lots));
    if (!d->mlines || !d->lots) {
        return false;
    }
    for (size_t i = 0; i < nl; i++) {
        yajl_val r = lgx_json_at(d->line_rows, i);
        picks_mline_t *m = &d->mlines[d->n_mlines++];
        double q = 0;
        lgx_json_get_int(r, "id", &m->id);
        m->move_id = lgx_json_m2o_id(lgx_json_get(r, "move_id"));
        m->lot_id = lgx_json_m2o_id(lgx_json_get(r, "lot_id"));
        lgx_json_get_num(r, "quantity", &q);
        m->qty = q;
        m->picked = YAJL_IS_TRUE(lgx_json_get(r, "picked"));
    }
    for (size_t i = 0; i < nk; i++) {
        yajl_val r = lgx_json_at(d->lot_rows, i);
        picks_lot_t *k = &d->lots[d->n_lots++];
        lgx_json_get_int(r, "id", &k->id);
        k->product_id = lgx_json_m2o_id(lgx_json_get(r, "product_id"));
        k->name = lgx_json_get_str(r, "name");
    }
    return true;
}

/* The move lines of the live jobs' tracked moves and the lots their lines
 * name (one search_read each; none without tracked lines). */
static bool read_lots(picks_t *p, pick_job_t **jobs, size_t n,
                      lgx_verdict_t *const *vs)
{
    lot_data_t *d = &p->lots;
    lgx_buf_t *ml = lgx_buf_new(), *lots = lgx_buf_new();
    lgx_verdict_t v;
    lgx_odoo_error_t err;
    size_t k = 0;
    bool ok = (ml && lots && lot_domains(jobs, n, ml, lots, &k) == LGX_OK) ||
              lgx_stock_nomem(&v);
    if (ok && k) {
        lgx_err_t rc = lgx_odoo_search_read(
            p->odoo, "stock.move.line", lgx_buf_data(ml),
            "[\"id\",\"move_id\",\"lot_id\",\"quantity\",\"picked\"]", 0,
            &d->line_rows, &err);
        ok = lgx_stock_ok(rc, &err, "stock.move.line search_read", &v);
        rc = ok ? lgx_odoo_search_read(p->odoo, "stock.lot", lgx_buf_data(lots),
                                       "[\"id\",\"name\",\"product_id\"]", 0,
                                       &d->lot_rows, &err)
                : rc;
        ok = ok && lgx_stock_ok(rc, &err, "stock.lot search_read", &v);
    }
    ok = ok && (lot_arrays(d, k) || lgx_stock_nomem(&v));
    lgx_buf_destroy(ml);
    lgx_buf_destroy(lots);
    if (!ok) {
        fail_live(jobs, n, vs, &v);
    }
    return ok;
}

static void lots_clear(lot_data_t *d)
{
    yajl_tree_free(d->line_rows);
    yajl_tree_free(d->lot_rows);
    free(d->mlines);
    free(d->lots);
    memset(d, 0, sizeof(*d));
}

void picks_handle_batch(void *state, const lgx_event_t *const *evs,
                        lgx_verdict_t *const *vs, size_t n)
{
    picks_t *p = lgx_stock_state_own(state);
    pick_job_t **jobs = calloc(n, sizeof(*jobs));
    bool ok = jobs != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (jobs[i] = calloc(1, sizeof(*jobs[i]))) != NULL;
    }
    for (size_t i = 0; i < n; i++) {
        pick_job_t *job = ok ? jobs[i] : NULL;
        if (!job) {
            lgx_stock_nomem(vs[i]);
            continue;
        }
        job->rule = lgx_event_rule(evs[i], EVENT_TYPE, vs[i]);
        job->live = job->rule && read_event(evs[i], job, vs[i]) &&
                    owned(job->rule, job->complete && p->conf->validate, vs[i]);
        for (size_t j = 0; job->live && j < i; j++) {
            job->alone = jobs[j]->live && !jobs[j]->alone &&
                         strcmp(jobs[j]->name, job->name) == 0;
            job->live = !job->alone;
        }
    }
    yajl_val pickings = NULL, moves = NULL;
    if (ok && read_pickings(p, evs, jobs, n, vs, &pickings) &&
        read_moves(p, jobs, n, vs, &moves) && read_lots(p, jobs, n, vs)) {
        for (size_t i = 0; i < n; i++) {
            if (jobs[i]->live) {
                apply(p, evs[i], jobs[i], vs[i]);
            }
        }
    }
    lots_clear(&p->lots);
    yajl_tree_free(pickings);
    yajl_tree_free(moves);
    for (size_t i = 0; jobs && i < n; i++) {
        if (jobs[i] && jobs[i]->alone) {
            picks_handle(state, evs[i], vs[i]);
        }
        free(jobs[i] ? jobs[i]->move_rows : NULL);
        free(jobs[i]);
    }
    free(jobs);
}
