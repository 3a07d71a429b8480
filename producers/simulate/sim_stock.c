#include "sim_stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_rand.h"

#define EPS 1e-9

/* An order's move (lot "", qty what Odoo reserved for it when the
 * product is untracked) or reserved move line (lot and qty). */
typedef struct row {
    size_t order;
    char code[32];
    char lot[SIM_NAME_MAX];
    sim_track_t tracking;
    int64_t location_id;
    double qty;
} row_t;

/* Rows as added; once rows_index ran, items[index[k]] for k from
 * start[o] to start[o + 1] are order o's, as added. */
typedef struct rows {
    row_t *items;
    size_t n, cap;
    size_t *index, *start;
    size_t n_orders;
} rows_t;

struct sim_stock {
    rows_t moves, rlines;
    sim_quant_t *quants;
    size_t n_quants, cap_quants;
    sim_pick_t *picks;
    size_t n_picks;
};

/* items with room for one more of n (capacity *cap): items itself, a
 * larger copy, or NULL (items unchanged) when out of memory. */
static void *room(void *items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return items;
    }
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(items, c * size);
    if (p) {
        *cap = c;
    }
    return p;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

sim_stock_t *sim_stock_new(void)
{
    return calloc(1, sizeof(sim_stock_t));
}

void sim_stock_destroy(sim_stock_t *s)
{
    if (!s) {
        return;
    }
    free(s->moves.items);
    free(s->moves.index);
    free(s->moves.start);
    free(s->rlines.items);
    free(s->rlines.index);
    free(s->rlines.start);
    free(s->quants);
    free(s->picks);
    free(s);
}

static lgx_err_t rows_add(rows_t *rows, const row_t *add)
{
    row_t *r = room(rows->items, &rows->cap, rows->n, sizeof(*r));
    if (!r) {
        return LGX_ERR_NOMEM;
    }
    rows->items = r;
    r = &rows->items[rows->n];
    *r = *add;
    rows->n++;
    return LGX_OK;
}

lgx_err_t sim_stock_add_move(sim_stock_t *s, size_t order, const char *code,
                             sim_track_t tracking, int64_t location_id,
                             double reserved)
{
    row_t r = {.order = order,
               .tracking = tracking,
               .location_id = location_id,
               .qty = reserved};
    copy(r.code, sizeof(r.code), code);
    return rows_add(&s->moves, &r);
}

lgx_err_t sim_stock_add_reserved(sim_stock_t *s, size_t order, const char *code,
                                 const char *lot, double qty)
{
    row_t r = {.order = order, .qty = qty};
    copy(r.code, sizeof(r.code), code);
    copy(r.lot, sizeof(r.lot), lot);
    return rows_add(&s->rlines, &r);
}

lgx_err_t sim_stock_add_quant(sim_stock_t *s, const char *code, const char *lot,
                              int64_t location_id, double quantity,
                              double reserved)
{
    lot = lot ? lot : "";
    for (size_t i = 0; i < s->n_quants; i++) {
        sim_quant_t *q = &s->quants[i];
        if (q->location_id == location_id && strcmp(q->code, code) == 0 &&
            strcmp(q->lot, lot) == 0) {
            q->quantity += quantity;
            q->reserved += reserved;
            return LGX_OK;
        }
    }
    sim_quant_t *q = room(s->quants, &s->cap_quants, s->n_quants, sizeof(*q));
    if (!q) {
        return LGX_ERR_NOMEM;
    }
    s->quants = q;
    q = &s->quants[s->n_quants++];
    copy(q->code, sizeof(q->code), code);
    copy(q->lot, sizeof(q->lot), lot);
    q->location_id = location_id;
    q->quantity = quantity;
    q->reserved = reserved;
    return LGX_OK;
}

size_t sim_stock_n_quants(const sim_stock_t *s)
{
    return s->n_quants;
}

const sim_quant_t *sim_stock_quant_at(const sim_stock_t *s, size_t i)
{
    return i < s->n_quants ? &s->quants[i] : NULL;
}

sim_track_t sim_stock_tracking(const sim_stock_t *s, const char *code)
{
    for (size_t i = 0; i < s->moves.n; i++) {
        if (strcmp(s->moves.items[i].code, code) == 0) {
            return s->moves.items[i].tracking;
        }
    }
    return SIM_TRACK_NONE;
}

/* ---- looking up an order's move and reserved lines ---- */

/* Indexes rows by order (those of orders below n_orders): a counting
 * sort, which keeps each order's rows as they were added. False when out
 * of memory. */
static bool rows_index(rows_t *rows, size_t n_orders)
{
    size_t *start = calloc(n_orders + 2, sizeof(*start));
    size_t *index = calloc(rows->n + 1, sizeof(*index));
    free(rows->start);
    free(rows->index);
    rows->start = start;
    rows->index = index;
    rows->n_orders = start && index ? n_orders : 0;
    if (!start || !index) {
        return false;
    }
    /* start[o + 2] counts order o's rows, then start[o + 1] is where
     * they begin; placing them moves it to where they end, which is
     * where order o + 1's begin. */
    for (size_t i = 0; i < rows->n; i++) {
        if (rows->items[i].order < n_orders) {
            start[rows->items[i].order + 2]++;
        }
    }
    for (size_t o = 2; o < n_orders + 2; o++) {
        start[o] += start[o - 1];
    }
    for (size_t i = 0; i < rows->n; i++) {
        if (rows->items[i].order < n_orders) {
            index[start[rows->items[i].order + 1]++] = i;
        }
    }
    return true;
}

/* Order o's rows, as added: *n indexes into rows->items. */
static const size_t *rows_of(const rows_t *rows, size_t o, size_t *n)
{
    *n = o < rows->n_orders ? rows->start[o + 1] - rows->start[o] : 0;
    return *n ? rows->index + rows->start[o] : NULL;
}

static const row_t *move_of(const sim_stock_t *s, size_t order,
                            const char *code)
{
    size_t n = 0;
    const size_t *k = rows_of(&s->moves, order, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s->moves.items[k[i]].code, code) == 0) {
            return &s->moves.items[k[i]];
        }
    }
    return NULL;
}

/* What order's move of code reserved of lot. */
static double reserved_of(const sim_stock_t *s, size_t order, const char *code,
                          const char *lot)
{
    double sum = 0;
    size_t n = 0;
    const size_t *k = rows_of(&s->rlines, order, &n);
    for (size_t i = 0; i < n; i++) {
        const row_t *r = &s->rlines.items[k[i]];
        if (strcmp(r->code, code) == 0 && strcmp(r->lot, lot) == 0) {
            sum += r->qty;
        }
    }
    return sum;
}

/* ---- choosing the lots ---- */

typedef struct planner {
    sim_stock_t *s;
    double *budget; /* per quant: free, not yet promised beyond a
                       reservation */
    sim_pick_t *picks;
    size_t n, cap;
    size_t first; /* the current line's first pick */
    bool failed;
} planner_t;

/* Adds qty of lot to the current line (a lot named twice grows, a
 * serial never does). */
static void add_pick(planner_t *p, const char *lot, double qty, bool merge)
{
    if (qty <= EPS) {
        return;
    }
    for (size_t k = p->first; merge && k < p->n; k++) {
        if (strcmp(p->picks[k].lot, lot) == 0) {
            p->picks[k].qty += qty;
            return;
        }
    }
    sim_pick_t *grown = room(p->picks, &p->cap, p->n, sizeof(*grown));
    if (!grown) {
        p->failed = true;
        return;
    }
    p->picks = grown;
    sim_pick_t *k = &p->picks[p->n++];
    memset(k, 0, sizeof(*k));
    copy(k->lot, sizeof(k->lot), lot);
    k->qty = qty;
}

static bool lot_quant(const sim_quant_t *q, const row_t *m)
{
    return q->lot[0] && q->location_id == m->location_id &&
           strcmp(q->code, m->code) == 0;
}

/* The newest lot of m's product under its location (the last in), with
 * all of need free when free is set; -1 when none. */
static long newest_lot(const planner_t *p, const row_t *m, bool free,
                       double need)
{
    for (size_t i = p->s->n_quants; i-- > 0;) {
        if (lot_quant(&p->s->quants[i], m) &&
            (!free || p->budget[i] + EPS >= need)) {
            return (long)i;
        }
    }
    return -1;
}

/* need of m's product from the free lots, first in first out (serials
 * one unit each); returns what is left. */
static double take_free(planner_t *p, const row_t *m, bool serial, double need)
{
    for (size_t i = 0; i < p->s->n_quants && need > EPS; i++) {
        const sim_quant_t *q = &p->s->quants[i];
        double take = serial ? 1.0 : need;
        if (!lot_quant(q, m) || p->budget[i] < (serial ? 1.0 - EPS : EPS)) {
            continue;
        }
        take = take < p->budget[i] ? take : p->budget[i];
        take = take < need ? take : need;
        p->budget[i] -= take;
        add_pick(p, q->lot, take, !serial);
        need -= take;
    }
    return need;
}

/* The lots of one tracked line of order `order` (move m). */
static void pick_lots(planner_t *p, size_t order, const sim_line_t *l,
                      const row_t *m, bool other_lot)
{
    const sim_stock_t *s = p->s;
    bool serial = m->tracking == SIM_TRACK_SERIAL;
    double need = l->qty;
    long q = other_lot && !serial ? newest_lot(p, m, true, need) : -1;
    if (q >= 0) {
        p->budget[q] -= need;
        add_pick(p, s->quants[q].lot, need, true);
        return;
    }
    size_t n = 0;
    const size_t *k = rows_of(&s->rlines, order, &n);
    for (size_t i = 0; i < n && need > EPS; i++) {
        const row_t *r = &s->rlines.items[k[i]];
        double take = r->qty < need ? r->qty : need;
        if (strcmp(r->code, l->code) == 0 && r->lot[0]) {
            add_pick(p, r->lot, take, !serial);
            need -= take;
        }
    }
    need = take_free(p, m, serial, need);
    q = serial ? -1 : newest_lot(p, m, false, 0);
    if (need > EPS && q >= 0) {
        /* More than any lot has free: the newest lot goes below zero. */
        p->budget[q] -= need;
        add_pick(p, s->quants[q].lot, need, true);
    } else if (need > EPS) {
        add_pick(p, "", need, false);
    }
}

/* ---- shortages ---- */

/* What the run takes beyond its reservations of one product (any lot:
 * lot NULL) or lot under one location. */
typedef struct excess {
    const char *code, *lot;
    int64_t location_id;
    double qty;
} excess_t;

/* The pick's product, lot and location as lgx-picks counts its stock:
 * an untracked product's quants of any lot, a tracked one's of the lot. */
typedef struct where {
    const char *code, *lot;
    int64_t location_id;
} where_t;

/* What is free of w now: quants less their reservations. */
static double free_now(const sim_stock_t *s, const where_t *w)
{
    double sum = 0;
    for (size_t i = 0; i < s->n_quants; i++) {
        const sim_quant_t *q = &s->quants[i];
        if (q->location_id == w->location_id && strcmp(q->code, w->code) == 0 &&
            (!w->lot || strcmp(q->lot, w->lot) == 0)) {
            sum += q->quantity - q->reserved;
        }
    }
    return sum;
}

static excess_t *excess_of(excess_t *ex, size_t *n, const where_t *w)
{
    for (size_t i = 0; i < *n; i++) {
        if (ex[i].location_id == w->location_id &&
            strcmp(ex[i].code, w->code) == 0 &&
            (ex[i].lot == w->lot ||
             (ex[i].lot && w->lot && strcmp(ex[i].lot, w->lot) == 0))) {
            return &ex[i];
        }
    }
    ex[*n] = (excess_t){w->code, w->lot, w->location_id, 0};
    return &ex[(*n)++];
}

/* Per pick: where it counts, and its reservation (own). */
typedef struct judged {
    where_t w;
    double own;
    bool skip; /* a tracked line without a lot: refused before */
} judged_t;

static void judge_line(const sim_stock_t *s, size_t order, const row_t *m,
                       const sim_pick_t *picks, size_t n, judged_t *out)
{
    bool tracked = m->tracking != SIM_TRACK_NONE;
    for (size_t k = 0; k < n; k++) {
        out[k].w =
            (where_t){m->code, tracked ? picks[k].lot : NULL, m->location_id};
        out[k].skip = tracked && !picks[k].lot[0];
        out[k].own =
            tracked ? reserved_of(s, order, m->code, picks[k].lot) : m->qty;
    }
}

/* Each pick's best case and shortage, once every line has its lots. */
static bool classify(planner_t *p, sim_order_t *orders, size_t n,
                     const size_t *first, const size_t *count)
{
    judged_t *j = calloc(p->n ? p->n : 1, sizeof(*j));
    excess_t *ex = calloc(p->n ? p->n : 1, sizeof(*ex));
    size_t n_ex = 0;
    if (!j || !ex) {
        free(j);
        free(ex);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < orders[i].n_lines; l++) {
            size_t at = i * SIM_MAX_LINES + l;
            const row_t *m = move_of(p->s, i, orders[i].lines[l].code);
            if (count[at]) {
                judge_line(p->s, i, m, &p->picks[first[at]], count[at],
                           &j[first[at]]);
            }
        }
    }
    for (size_t k = 0; k < p->n; k++) {
        double over = p->picks[k].qty - j[k].own;
        if (!j[k].skip && over > EPS) {
            excess_of(ex, &n_ex, &j[k].w)->qty += over;
        }
    }
    for (size_t k = 0; k < p->n; k++) {
        sim_pick_t *pk = &p->picks[k];
        if (j[k].skip) {
            continue;
        }
        double f = free_now(p->s, &j[k].w);
        f = f > 0 ? f : 0;
        pk->available = j[k].own + f;
        pk->shortage = pk->qty > pk->available + EPS ? SIM_SHORT_YES
                       : excess_of(ex, &n_ex, &j[k].w)->qty <= f + EPS
                           ? SIM_SHORT_NO
                           : SIM_SHORT_MAYBE;
    }
    free(j);
    free(ex);
    return true;
}

/* ---- the plan ---- */

/* The picks of order i's lines, each line's first pick and count. */
static void plan_order(planner_t *p, uint64_t seed, long pct, size_t i,
                       sim_order_t *o, size_t *first, size_t *count)
{
    sim_rand_t r;
    sim_rand_stream(&r, seed, SIM_STREAM_LOTS, i);
    for (size_t l = 0; l < o->n_lines && !p->failed; l++) {
        const sim_line_t *line = &o->lines[l];
        /* Drawn for every line, so that one line's product does not
         * shift another's draw. */
        bool other_lot = sim_rand_pct(&r, pct);
        const row_t *m = move_of(p->s, i, line->code);
        p->first = p->n;
        if (!m) {
            continue;
        }
        if (m->tracking == SIM_TRACK_NONE) {
            add_pick(p, "", line->qty, false);
        } else {
            pick_lots(p, i, line, m, other_lot);
        }
        first[i * SIM_MAX_LINES + l] = p->first;
        count[i * SIM_MAX_LINES + l] = p->n - p->first;
    }
}

lgx_err_t sim_stock_plan(sim_stock_t *s, uint64_t seed, long other_lot_pct,
                         sim_order_t *orders, size_t n)
{
    planner_t p = {s, NULL, NULL, 0, 0, 0, false};
    size_t slots = (n ? n : 1) * SIM_MAX_LINES;
    size_t *first = calloc(slots, sizeof(*first));
    size_t *count = calloc(slots, sizeof(*count));
    p.budget = calloc(s->n_quants ? s->n_quants : 1, sizeof(*p.budget));
    lgx_err_t rc = first && count && p.budget && rows_index(&s->moves, n) &&
                           rows_index(&s->rlines, n)
                       ? LGX_OK
                       : LGX_ERR_NOMEM;
    for (size_t i = 0; i < s->n_quants; i++) {
        p.budget[i] = s->quants[i].quantity - s->quants[i].reserved;
    }
    for (size_t i = 0; rc == LGX_OK && i < n && !p.failed; i++) {
        plan_order(&p, seed, other_lot_pct, i, &orders[i], first, count);
    }
    if (rc == LGX_OK && (p.failed || !classify(&p, orders, n, first, count))) {
        rc = LGX_ERR_NOMEM;
    }
    if (rc == LGX_OK) {
        free(s->picks);
        s->picks = p.picks;
        s->n_picks = p.n;
        p.picks = NULL;
        for (size_t i = 0; i < n; i++) {
            for (size_t l = 0; l < orders[i].n_lines; l++) {
                sim_line_t *line = &orders[i].lines[l];
                size_t at = i * SIM_MAX_LINES + l;
                const row_t *m = move_of(s, i, line->code);
                line->tracked = m && m->tracking != SIM_TRACK_NONE;
                line->picks = count[at] ? &s->picks[first[at]] : NULL;
                line->n_picks = count[at];
            }
        }
    }
    free(p.picks);
    free(p.budget);
    free(count);
    free(first);
    return rc;
}
