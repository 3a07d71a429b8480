#include "picks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_lookup.h"
#include "picks_plan.h"

#define MAX_LINES 1000

const lgx_opt_t picks_opts[] = {
    {"validate", LGX_OPT_BOOL, "true", offsetof(picks_conf_t, validate),
     "Validate the picking when the warehouse reports the pick complete", NULL,
     0},
    {"backorder", LGX_OPT_ENUM, "create", offsetof(picks_conf_t, backorder),
     "What validating a partly picked picking does with the rest",
     "create|none", 0},
    LGX_OPT_END};

typedef struct picks {
    const picks_conf_t *conf;
    lgx_odoo_t *odoo;
    lgx_log_t *log;
    lgx_buf_t *buf;
    lgx_lookup_t *products; /* product.product by default_code */
} picks_t;

/* One event's data, as read from the record and from Odoo. */
typedef struct pick_job {
    char name[256];
    int complete;
    picks_line_t lines[MAX_LINES];
    size_t n_lines;
    int64_t picking_id;
    char state[32];
    yajl_val picking;
    yajl_val moves;
    int64_t product_ids[MAX_LINES];
} pick_job_t;

void *picks_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                 size_t size)
{
    picks_t *p = calloc(1, sizeof(*p));
    if (!p || !(p->buf = lgx_buf_new()) ||
        !(p->products =
              lgx_lookup_new(odoo, "product.product", "default_code"))) {
        snprintf(errstr, size, "out of memory");
        picks_term(p);
        return NULL;
    }
    p->conf = conf;
    p->odoo = odoo;
    p->log = log;
    return p;
}

void picks_term(void *state)
{
    picks_t *p = state;
    if (p) {
        lgx_buf_destroy(p->buf);
        lgx_lookup_destroy(p->products);
        free(p);
    }
}

/* Reads picking name, lines and is_complete from the record. */
static bool read_event(const lgx_event_t *ev, pick_job_t *job, lgx_verdict_t *v)
{
    avro_value_t *rec = lgx_event_record(ev);
    const char *s;
    size_t len;
    avro_value_t lines;
    size_t n = 0;
    if (lgx_avro_get_str(rec, "picking_name", &s, &len) != LGX_OK || len == 0 ||
        len >= sizeof(job->name)) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "picking_name is missing, empty or too long");
        return false;
    }
    memcpy(job->name, s, len);
    job->name[len] = '\0';
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
        if (avro_value_get_by_index(&lines, i, &line, NULL) != 0 ||
            lgx_avro_get_str(&line, "product_code", &job->lines[i].code,
                             &len) != LGX_OK ||
            lgx_avro_get_double(&line, "quantity", &job->lines[i].qty) !=
                LGX_OK) {
            lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                            "line %zu lacks product_code or quantity", i + 1);
            return false;
        }
    }
    job->n_lines = n;
    return true;
}

static bool odoo_ok(lgx_err_t rc, const lgx_odoo_error_t *err, const char *what,
                    lgx_verdict_t *v)
{
    if (rc == LGX_OK) {
        return true;
    }
    lgx_verdict_from_odoo(v, err, what);
    return false;
}

static bool fetch_picking(picks_t *p, pick_job_t *job, lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    lgx_buf_reset(p->buf);
    if (lgx_buf_puts(p->buf, "[[\"name\",\"=\",") != LGX_OK ||
        lgx_buf_json_str(p->buf, job->name, strlen(job->name)) != LGX_OK ||
        lgx_buf_puts(p->buf, "]]") != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return false;
    }
    lgx_err_t rc = lgx_odoo_search_read(
        p->odoo, "stock.picking", lgx_buf_data(p->buf),
        "[\"id\",\"state\",\"picking_type_code\"]", 1, &job->picking, &err);
    if (!odoo_ok(rc, &err, "stock.picking search_read", v)) {
        return false;
    }
    yajl_val rec = lgx_json_at(job->picking, 0);
    int64_t id = 0;
    const char *state = lgx_json_get_str(rec, "state");
    if (!rec || !lgx_json_get_int(rec, "id", &id) || !state) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking named %s in Odoo", job->name);
        return false;
    }
    job->picking_id = id;
    snprintf(job->state, sizeof(job->state), "%s", state);
    return true;
}

static bool fetch_moves_and_products(picks_t *p, pick_job_t *job,
                                     lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    char domain[128];
    snprintf(domain, sizeof(domain), "[[\"picking_id\",\"=\",%lld]]",
             (long long)job->picking_id);
    lgx_err_t rc =
        lgx_odoo_search_read(p->odoo, "stock.move", domain,
                             "[\"id\",\"product_id\",\"quantity\",\"picked\"]",
                             0, &job->moves, &err);
    if (!odoo_ok(rc, &err, "stock.move search_read", v)) {
        return false;
    }
    const char *codes[MAX_LINES];
    for (size_t i = 0; i < job->n_lines; i++) {
        codes[i] = job->lines[i].code;
    }
    rc = lgx_lookup_ids(p->products, codes, job->n_lines, job->product_ids,
                        &err);
    return odoo_ok(rc, &err, "product.product search_read", v);
}

/* Writes quantity and picked, one call per distinct quantity. */
static bool write_moves(picks_t *p, const picks_write_t *w, size_t n,
                        lgx_verdict_t *v)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int64_t ids[256];
        size_t k = 0;
        while (j < n && w[j].qty == w[i].qty && k < 256) {
            ids[k++] = w[j++].move_id;
        }
        char kwargs[128];
        snprintf(kwargs, sizeof(kwargs),
                 "{\"vals\":{\"quantity\":%.15g,\"picked\":true}}", w[i].qty);
        lgx_odoo_error_t err;
        lgx_err_t rc = lgx_odoo_call(p->odoo, "stock.move", "write", ids, k,
                                     kwargs, NULL, &err);
        if (!odoo_ok(rc, &err, "stock.move write", v)) {
            return false;
        }
        i = j;
    }
    return true;
}

/* Validates the picking; follows the backorder wizard when Odoo asks. */
static bool validate(picks_t *p, pick_job_t *job, bool *backorder,
                     lgx_verdict_t *v)
{
    char kwargs[256];
    bool keep_rest = strcmp(p->conf->backorder, "create") == 0;
    if (keep_rest) {
        snprintf(kwargs, sizeof(kwargs), "{\"context\":{\"skip_sms\":true}}");
    } else {
        snprintf(kwargs, sizeof(kwargs),
                 "{\"context\":{\"skip_sms\":true,\"skip_backorder\":true,"
                 "\"picking_ids_not_to_backorder\":[%lld]}}",
                 (long long)job->picking_id);
    }
    lgx_odoo_error_t err;
    yajl_val res = NULL;
    lgx_err_t rc = lgx_odoo_call(p->odoo, "stock.picking", "button_validate",
                                 &job->picking_id, 1, kwargs, &res, &err);
    if (!odoo_ok(rc, &err, "stock.picking button_validate", v)) {
        return false;
    }
    bool ok = true;
    const char *wizard = lgx_json_get_str(res, "res_model");
    if (YAJL_IS_TRUE(res)) {
        *backorder = false;
    } else if (wizard && strcmp(wizard, "stock.backorder.confirmation") == 0) {
        /* Odoo asks whether to keep the rest: create the wizard with the
         * context it gave and process it (a backorder is created). */
        lgx_buf_reset(p->buf);
        yajl_val ctx = lgx_json_get(res, "context");
        yajl_val wid = NULL;
        ok = lgx_json_write(p->buf, ctx) == LGX_OK;
        rc = ok ? lgx_odoo_create(p->odoo, "stock.backorder.confirmation",
                                  "[{}]", lgx_buf_data(p->buf), &wid, &err)
                : LGX_ERR_NOMEM;
        ok = odoo_ok(rc, &err, "stock.backorder.confirmation create", v);
        int64_t id = lgx_json_m2o_id(lgx_json_at(wid, 0));
        if (ok && !id) {
            id = lgx_json_m2o_id(wid);
        }
        yajl_tree_free(wid);
        if (ok) {
            char pkw[256] = "{\"context\":";
            lgx_buf_reset(p->buf);
            ok = lgx_buf_puts(p->buf, pkw) == LGX_OK &&
                 lgx_json_write(p->buf, ctx) == LGX_OK &&
                 lgx_buf_puts(p->buf, "}") == LGX_OK;
            rc = lgx_odoo_call(p->odoo, "stock.backorder.confirmation",
                               "process", &id, 1, lgx_buf_data(p->buf), NULL,
                               &err);
            ok = ok &&
                 odoo_ok(rc, &err, "stock.backorder.confirmation process", v);
        }
        *backorder = true;
    } else {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unexpected_wizard",
                        "button_validate on %s asked for %s; not handled",
                        job->name, wizard ? wizard : "something unknown");
        ok = false;
    }
    yajl_tree_free(res);
    return ok;
}

/* Reads Odoo's moves and products into the planner's arrays. */
static bool plan(pick_job_t *job, picks_write_t **writes, size_t *n_writes,
                 lgx_verdict_t *v)
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
    }
    for (size_t i = 0; ok && i < np; i++) {
        products[i].id = job->product_ids[i];
        products[i].code = job->lines[i].code;
    }
    char reason[64], msg[256];
    if (!ok) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
    } else if (picks_plan(job->lines, job->n_lines, moves, nm, products, np,
                          *writes, n_writes, reason, sizeof(reason), msg,
                          sizeof(msg)) != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, reason, "%s: %s", job->name,
                        msg);
        ok = false;
    }
    free(moves);
    free(products);
    return ok;
}

static void apply(picks_t *p, pick_job_t *job, lgx_verdict_t *v)
{
    if (!fetch_picking(p, job, v)) {
        return;
    }
    if (strcmp(job->state, "done") == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "picking_already_done",
                        "%s is already done; nothing to change", job->name);
        return;
    }
    if (!picks_state_released(job->state)) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "picking_not_released",
                        "%s is %s: a pick applies only to a released picking",
                        job->name, job->state);
        return;
    }
    picks_write_t *writes = NULL;
    size_t n = 0;
    bool backorder = false;
    if (!fetch_moves_and_products(p, job, v) || !plan(job, &writes, &n, v) ||
        !write_moves(p, writes, n, v)) {
        free(writes);
        return;
    }
    free(writes);
    if (!job->complete || !p->conf->validate) {
        lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "", "%s: %zu move(s) updated%s",
                        job->name, n,
                        job->complete ? "; validation turned off" : "");
        return;
    }
    if (validate(p, job, &backorder, v)) {
        lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                        "%s: %zu move(s) updated, validated%s", job->name, n,
                        backorder ? " with a backorder for the rest" : "");
    }
}

void picks_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    picks_t *p = state;
    pick_job_t *job = calloc(1, sizeof(*job));
    if (!job) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return;
    }
    if (read_event(ev, job, v)) {
        apply(p, job, v);
    }
    yajl_tree_free(job->picking);
    yajl_tree_free(job->moves);
    free(job);
}
