#include "picks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_buf.h"
#include "lgx_clock.h"
#include "lgx_json.h"
#include "lgx_lookup.h"
#include "lgx_stock.h"
#include "picks_plan.h"

#define MAX_LINES 1000
#define EVENT_TYPE "pick_confirmed"

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
    lgx_buf_t *buf;
    lgx_lookup_t *products; /* product.product by default_code */
} picks_t;

/* One event's data, as read from the record and from Odoo. */
typedef struct pick_job {
    char name[256];
    int complete;
    picks_line_t lines[MAX_LINES];
    int64_t product_ids[MAX_LINES];
    size_t n_lines;
    const lgx_rule_t *rule;
    yajl_val picking; /* the picking record */
    int64_t picking_id;
    yajl_val moves;
} pick_job_t;

void *picks_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                 size_t size)
{
    (void)log;
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

/* The picking by name, then the rules: source, time, transition. */
static bool fetch_and_gate(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                           lgx_verdict_t *v)
{
    if (lgx_stock_domain_eq(p->buf, "name", job->name) != LGX_OK ||
        !lgx_stock_pickings(p->odoo, lgx_buf_data(p->buf), 1, &job->picking,
                            v)) {
        return false;
    }
    yajl_val rec = lgx_json_at(job->picking, 0);
    const char *state = lgx_json_get_str(rec, "state");
    if (!rec || !lgx_json_get_int(rec, "id", &job->picking_id) || !state) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking named %s in Odoo", job->name);
        return false;
    }
    int64_t last = lgx_clock_get(lgx_json_get_str(rec, "x_lgx_clock"),
                                 EVENT_TYPE, lgx_event_source(ev));
    return lgx_gate_event(ev, job->rule, last, v) &&
           lgx_gate_status(ev, job->rule, last, state, job->name, v);
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
    if (!lgx_stock_ok(rc, &err, "stock.move search_read", v)) {
        return false;
    }
    const char *codes[MAX_LINES];
    for (size_t i = 0; i < job->n_lines; i++) {
        codes[i] = job->lines[i].code;
    }
    rc = lgx_lookup_ids(p->products, codes, job->n_lines, job->product_ids,
                        &err);
    return lgx_stock_ok(rc, &err, "product.product search_read", v);
}

/* Plans the move writes from Odoo's moves and the event's lines. */
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

/* Writes quantity and picked, one call per distinct quantity. */
static bool write_moves(picks_t *p, const picks_write_t *w, size_t n,
                        lgx_verdict_t *v)
{
    for (size_t i = 0; i < n;) {
        int64_t ids[256];
        size_t k = 0, j = i;
        while (j < n && w[j].qty == w[i].qty && k < 256) {
            ids[k++] = w[j++].move_id;
        }
        char vals[96];
        snprintf(vals, sizeof(vals), "{\"quantity\":%.15g,\"picked\":true}",
                 w[i].qty);
        if (!lgx_stock_write(p->odoo, "stock.move", ids, k, vals, v)) {
            return false;
        }
        i = j;
    }
    return true;
}

/* Records the event's time in the picking's clock. */
static bool stamp(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                  lgx_verdict_t *v)
{
    const char *clock =
        lgx_json_get_str(lgx_json_at(job->picking, 0), "x_lgx_clock");
    lgx_buf_reset(p->buf);
    if (lgx_buf_puts(p->buf, "{") != LGX_OK ||
        lgx_clock_member(p->buf, clock, EVENT_TYPE, lgx_event_source(ev),
                         lgx_event_occurred_at(ev)) != LGX_OK ||
        lgx_buf_puts(p->buf, "}") != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return false;
    }
    return lgx_stock_write(p->odoo, "stock.picking", &job->picking_id, 1,
                           lgx_buf_data(p->buf), v);
}

static bool owned(const lgx_rule_t *rule, bool validate, lgx_verdict_t *v)
{
    return lgx_gate_write(rule, "stock.move", "quantity", v) &&
           lgx_gate_write(rule, "stock.move", "picked", v) &&
           lgx_gate_write(rule, "stock.picking", "x_lgx_clock", v) &&
           (!validate ||
            lgx_gate_call(rule, "stock.picking", "button_validate", v));
}

static void apply(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                  lgx_verdict_t *v)
{
    bool validate = job->complete && p->conf->validate;
    picks_write_t *writes = NULL;
    size_t n = 0;
    bool backorder = false;
    if (!owned(job->rule, validate, v) || !fetch_and_gate(p, ev, job, v) ||
        !fetch_moves_and_products(p, job, v) || !plan(job, &writes, &n, v) ||
        !write_moves(p, writes, n, v)) {
        free(writes);
        return;
    }
    free(writes);
    if (n == 0 && !validate) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "already_applied",
                        "%s: every move already holds these quantities",
                        job->name);
        return;
    }
    if (validate &&
        !lgx_stock_validate(p->odoo, job->picking_id, job->name,
                            strcmp(p->conf->backorder, "create") == 0,
                            &backorder, v)) {
        return;
    }
    if (!stamp(p, ev, job, v)) {
        return;
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "", "%s: %zu move(s) updated%s%s",
                    job->name, n, validate ? ", validated" : "",
                    backorder ? " with a backorder for the rest"
                    : job->complete && !validate ? "; validation turned off"
                                                 : "");
}

void picks_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    picks_t *p = state;
    pick_job_t *job = calloc(1, sizeof(*job));
    if (!job) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return;
    }
    job->rule = lgx_event_rule(ev, EVENT_TYPE, v);
    if (job->rule && read_event(ev, job, v)) {
        apply(p, ev, job, v);
    }
    yajl_tree_free(job->picking);
    yajl_tree_free(job->moves);
    free(job);
}
