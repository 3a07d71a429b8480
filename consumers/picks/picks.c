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

/* One event's data, as read from the record and from Odoo. Its picking
 * and moves are views (arrays borrowing their rows) into the reads of its
 * batch. */
typedef struct pick_job {
    char name[256];
    int complete;
    picks_line_t lines[MAX_LINES];
    int64_t product_ids[MAX_LINES];
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

/* The rules on the picking read: source, time, transition. */
static bool gate(const lgx_event_t *ev, pick_job_t *job, lgx_verdict_t *v)
{
    yajl_val rec = lgx_json_at(job->picking, 0);
    const char *state = lgx_json_get_str(rec, "state");
    if (!rec || !lgx_json_get_int(rec, "id", &job->picking_id) || !state) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking named %s in Odoo", job->name);
        return false;
    }
    int64_t last = lgx_clock_get(lgx_stock_clock(rec, EVENT_TYPE), EVENT_TYPE,
                                 lgx_event_source(ev));
    return lgx_gate_event(ev, job->rule, last, v) &&
           lgx_gate_status(ev, job->rule, last, state, job->name, v);
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
        lgx_stock_clock(lgx_json_at(job->picking, 0), EVENT_TYPE);
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
           lgx_gate_write(rule, "stock.picking", "x_lgx_clock_picks", v) &&
           (!validate ||
            lgx_gate_call(rule, "stock.picking", "button_validate", v));
}

/* The product code of the event's line for move_id's product. */
static const char *code_of(const pick_job_t *job, int64_t move_id)
{
    for (size_t i = 0; i < lgx_json_len(job->moves); i++) {
        yajl_val m = lgx_json_at(job->moves, i);
        int64_t id = 0;
        if (!lgx_json_get_int(m, "id", &id) || id != move_id) {
            continue;
        }
        int64_t pid = lgx_json_m2o_id(lgx_json_get(m, "product_id"));
        for (size_t j = 0; j < job->n_lines; j++) {
            if (job->product_ids[j] == pid) {
                return job->lines[j].code;
            }
        }
    }
    return "?";
}

/* The quantity Odoo holds on move_id (0 when not read). */
static double qty_of(const pick_job_t *job, int64_t move_id)
{
    for (size_t i = 0; i < lgx_json_len(job->moves); i++) {
        yajl_val m = lgx_json_at(job->moves, i);
        int64_t id = 0;
        double q = 0;
        if (lgx_json_get_int(m, "id", &id) && id == move_id &&
            lgx_json_get_num(m, "quantity", &q)) {
            return q;
        }
    }
    return 0;
}

/* A pick for a picking already done. Validated with the quantities it
 * reports, it is a replay: stale. Validated with others (by an earlier
 * pick, or by a person in Odoo), the two disagree and lgx does not decide:
 * the picking stays as it is, the stock team gets an activity on it and
 * the event goes to the dead letters with both figures. */
static void judge_done(picks_t *p, pick_job_t *job, const picks_write_t *w,
                       size_t n, lgx_verdict_t *v)
{
    if (n == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "already_applied",
                        "%s is done with the quantities of this pick",
                        job->name);
        return;
    }
    char detail[700] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof(detail); i++) {
        int k = snprintf(detail + used, sizeof(detail) - used,
                         "%s%s picked %.15g, validated %.15g", i ? "; " : "",
                         code_of(job, w[i].move_id), w[i].qty,
                         qty_of(job, w[i].move_id));
        used += k > 0 ? (size_t)k : 0;
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
        !lgx_stock_todo(p->odoo, job->picking_id, summary, text, v)) {
        return;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "pick_after_validation",
                    "%s was validated with other quantities than this pick "
                    "reports: %s",
                    job->name, detail);
}

static bool picking_done(const pick_job_t *job)
{
    const char *state = lgx_json_get_str(lgx_json_at(job->picking, 0), "state");
    return state && strcmp(state, "done") == 0;
}

/* After the reads: the move writes, the validation, the clock. */
static void apply(picks_t *p, const lgx_event_t *ev, pick_job_t *job,
                  lgx_verdict_t *v)
{
    bool validate = job->complete && p->conf->validate;
    picks_write_t *writes = NULL;
    size_t n = 0;
    bool backorder = false;
    if (!plan(job, &writes, &n, v)) {
        free(writes);
        return;
    }
    if (picking_done(job)) {
        judge_done(p, job, writes, n, v);
        free(writes);
        return;
    }
    if (!write_moves(p, writes, n, v)) {
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
                    gate(evs[i], job, vs[i]);
    }
    return true;
}

/* The moves of every live job's picking (one search_read) and the
 * products of all their lines (one lookup at most). */
static bool read_moves(picks_t *p, pick_job_t **jobs, size_t n,
                       lgx_verdict_t *const *vs, yajl_val *rows)
{
    lgx_buf_t *d = p->buf;
    lgx_verdict_t v;
    lgx_odoo_error_t err;
    size_t k = 0, lines = 0;
    lgx_buf_reset(d);
    lgx_err_t rc = lgx_buf_puts(d, "[[\"picking_id\",\"in\",[");
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        if (jobs[i]->live) {
            rc = lgx_buf_printf(d, "%s%lld", k++ ? "," : "",
                                (long long)jobs[i]->picking_id);
            lines += jobs[i]->n_lines;
        }
    }
    rc = rc == LGX_OK ? lgx_buf_puts(d, "]]]") : rc;
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
        "[\"id\",\"product_id\",\"quantity\",\"picked\",\"picking_id\"]", 0,
        rows, &err);
    bool ok = lgx_stock_ok(rc, &err, "stock.move search_read", &v);
    const char **codes = calloc(lines ? lines : 1, sizeof(*codes));
    int64_t *ids = calloc(lines ? lines : 1, sizeof(*ids));
    ok = ok && ((codes && ids) || lgx_stock_nomem(&v));
    size_t c = 0;
    for (size_t i = 0; ok && i < n; i++) {
        for (size_t j = 0; jobs[i]->live && j < jobs[i]->n_lines; j++) {
            codes[c++] = jobs[i]->lines[j].code;
        }
    }
    if (ok) {
        rc = lgx_lookup_ids(p->products, codes, c, ids, &err);
        ok = lgx_stock_ok(rc, &err, "product.product search_read", &v);
    }
    c = 0;
    for (size_t i = 0; ok && i < n; i++) {
        pick_job_t *job = jobs[i];
        for (size_t j = 0; job->live && j < job->n_lines; j++) {
            job->product_ids[j] = ids[c++];
        }
        ok = !job->live || share_moves(job, *rows) || lgx_stock_nomem(&v);
    }
    free(codes);
    free(ids);
    if (!ok) {
        fail_live(jobs, n, vs, &v);
    }
    return ok;
}

void picks_handle_batch(void *state, const lgx_event_t *const *evs,
                        lgx_verdict_t *const *vs, size_t n)
{
    picks_t *p = state;
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
        read_moves(p, jobs, n, vs, &moves)) {
        for (size_t i = 0; i < n; i++) {
            if (jobs[i]->live) {
                apply(p, evs[i], jobs[i], vs[i]);
            }
        }
    }
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
