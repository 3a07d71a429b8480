#include "picks_plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QTY_EPSILON 1e-9

bool picks_state_released(const char *state)
{
    return state &&
           (strcmp(state, "assigned") == 0 || strcmp(state, "confirmed") == 0 ||
            strcmp(state, "waiting") == 0);
}

static int64_t product_by_code(const picks_product_t *p, size_t n,
                               const char *code)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i].code && strcmp(p[i].code, code) == 0) {
            return p[i].id;
        }
    }
    return 0;
}

static int cmp_write(const void *a, const void *b)
{
    const picks_write_t *x = a, *y = b;
    if (x->qty != y->qty) {
        return x->qty < y->qty ? -1 : 1;
    }
    return x->move_id < y->move_id ? -1 : x->move_id > y->move_id;
}

/* Index of the first move of product pid, or -1. */
static long move_of(const picks_move_t *moves, size_t n, int64_t pid)
{
    for (size_t i = 0; i < n; i++) {
        if (moves[i].product_id == pid) {
            return (long)i;
        }
    }
    return -1;
}

lgx_err_t picks_plan(const picks_line_t *lines, size_t n_lines,
                     const picks_move_t *moves, size_t n_moves,
                     const picks_product_t *products, size_t n_products,
                     picks_write_t *out, size_t *n_out, char *reason,
                     size_t rsize, char *msg, size_t msize)
{
    double *sum = calloc(n_moves ? n_moves : 1, sizeof(*sum));
    bool *touched = calloc(n_moves ? n_moves : 1, sizeof(*touched));
    lgx_err_t err = LGX_OK;
    if (!sum || !touched) {
        err = LGX_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_lines; i++) {
        const picks_line_t *l = &lines[i];
        if (!l->code || !l->code[0] || !isfinite(l->qty) || l->qty < 0) {
            snprintf(reason, rsize, "invalid_field");
            snprintf(msg, msize,
                     "line %zu: needs a product code and a "
                     "quantity >= 0",
                     i + 1);
            err = LGX_ERR_INVALID;
            goto done;
        }
        int64_t pid = product_by_code(products, n_products, l->code);
        if (!pid) {
            snprintf(reason, rsize, "unknown_product");
            snprintf(msg, msize, "no product with code %s in Odoo", l->code);
            err = LGX_ERR_INVALID;
            goto done;
        }
        long m = move_of(moves, n_moves, pid);
        if (m < 0) {
            snprintf(reason, rsize, "product_not_in_picking");
            snprintf(msg, msize, "product %s has no move in this picking",
                     l->code);
            err = LGX_ERR_INVALID;
            goto done;
        }
        sum[m] += l->qty;
        touched[m] = true;
    }
    size_t n = 0;
    for (size_t i = 0; i < n_moves; i++) {
        if (touched[i] && moves[i].tracking == PICKS_TRACK_NONE &&
            (!moves[i].picked ||
             fabs(moves[i].quantity - sum[i]) > QTY_EPSILON)) {
            out[n].move_id = moves[i].id;
            out[n].qty = sum[i];
            n++;
        }
    }
    qsort(out, n, sizeof(*out), cmp_write);
    *n_out = n;
done:
    free(sum);
    free(touched);
    return err;
}

static int64_t lot_of(const picks_lot_t *lots, size_t n, const char *name,
                      int64_t pid)
{
    for (size_t i = 0; i < n; i++) {
        if (lots[i].product_id == pid && lots[i].name &&
            strcmp(lots[i].name, name) == 0) {
            return lots[i].id;
        }
    }
    return 0;
}

/* A lot of a line not in Odoo: noted once per lot and product. */
static void note_missing(const picks_line_t *lines, const int64_t *pids,
                         size_t i, picks_lots_t *out)
{
    for (size_t k = 0; k < out->n_missing; k++) {
        size_t j = out->missing[k];
        if (pids[j] == pids[i] && strcmp(lines[j].lot, lines[i].lot) == 0) {
            return;
        }
    }
    out->missing[out->n_missing++] = i;
}

/* Adds qty of lot_id to the lines to create for move m (one per lot). */
static void want_lot(picks_lots_t *out, const picks_move_t *m, int64_t lot_id,
                     double qty)
{
    for (size_t k = 0; k < out->n_create; k++) {
        if (out->create[k].move_id == m->id &&
            out->create[k].lot_id == lot_id) {
            out->create[k].qty += qty;
            return;
        }
    }
    out->create[out->n_create++] =
        (picks_new_line_t){m->id, m->product_id, lot_id, qty};
}

/* Checks a tracked line and adds its lot to out. */
static lgx_err_t lot_line(const picks_line_t *lines, const int64_t *pids,
                          size_t i, const picks_move_t *m,
                          const picks_lot_t *lots, size_t n_lots,
                          picks_lots_t *out, char *reason, size_t rsize,
                          char *msg, size_t msize)
{
    const picks_line_t *l = &lines[i];
    if (!l->lot || !l->lot[0]) {
        if (l->qty <= QTY_EPSILON) {
            return LGX_OK;
        }
        snprintf(reason, rsize, "lot_required");
        snprintf(msg, msize,
                 "line %zu: product %s is tracked by %s in Odoo: the line "
                 "needs its lot",
                 i + 1, l->code,
                 m->tracking == PICKS_TRACK_SERIAL ? "serial number" : "lot");
        return LGX_ERR_INVALID;
    }
    int64_t lot_id = lot_of(lots, n_lots, l->lot, pids[i]);
    if (!lot_id) {
        note_missing(lines, pids, i, out);
    } else if (l->qty > QTY_EPSILON) {
        want_lot(out, m, lot_id, l->qty);
    }
    return LGX_OK;
}

/* A serial is one unit: at most 1 of each. */
static lgx_err_t check_serials(const picks_move_t *moves, size_t n_moves,
                               const picks_lot_t *lots, size_t n_lots,
                               const picks_lots_t *out, char *reason,
                               size_t rsize, char *msg, size_t msize)
{
    for (size_t k = 0; k < out->n_create; k++) {
        const picks_new_line_t *c = &out->create[k];
        long m = -1;
        for (size_t j = 0; j < n_moves && m < 0; j++) {
            m = moves[j].id == c->move_id ? (long)j : -1;
        }
        if (m < 0 || moves[m].tracking != PICKS_TRACK_SERIAL ||
            fabs(c->qty - 1) <= QTY_EPSILON) {
            continue;
        }
        const char *name = "?";
        for (size_t j = 0; j < n_lots; j++) {
            name = lots[j].id == c->lot_id ? lots[j].name : name;
        }
        snprintf(reason, rsize, "invalid_field");
        snprintf(msg, msize,
                 "serial number %s picked %.15g times: a serial is one unit",
                 name, c->qty);
        return LGX_ERR_INVALID;
    }
    return LGX_OK;
}

/* Keeps the lines already as planned (dropping them from create) and
 * unlinks the other lines of the tracked moves named by the pick. */
static void match_lines(const bool *named, const picks_move_t *moves,
                        size_t n_moves, const picks_mline_t *ml, size_t n_ml,
                        picks_lots_t *out)
{
    for (size_t i = 0; i < n_ml; i++) {
        bool mine = false;
        for (size_t j = 0; j < n_moves && !mine; j++) {
            mine = named[j] && moves[j].id == ml[i].move_id;
        }
        if (!mine) {
            continue;
        }
        size_t k = 0;
        while (k < out->n_create &&
               !(out->create[k].move_id == ml[i].move_id &&
                 out->create[k].lot_id == ml[i].lot_id && ml[i].picked &&
                 fabs(out->create[k].qty - ml[i].qty) <= QTY_EPSILON)) {
            k++;
        }
        if (k == out->n_create) {
            out->unlink[out->n_unlink++] = ml[i].id;
        } else {
            out->create[k] = out->create[--out->n_create];
        }
    }
}

lgx_err_t picks_plan_lots(const picks_line_t *lines, const int64_t *pids,
                          size_t n_lines, const picks_move_t *moves,
                          size_t n_moves, const picks_mline_t *mlines,
                          size_t n_mlines, const picks_lot_t *lots,
                          size_t n_lots, picks_lots_t *out, char *reason,
                          size_t rsize, char *msg, size_t msize)
{
    bool *named = calloc(n_moves ? n_moves : 1, sizeof(*named));
    lgx_err_t err = named ? LGX_OK : LGX_ERR_NOMEM;
    out->n_create = out->n_unlink = out->n_missing = out->ignored = 0;
    for (size_t i = 0; err == LGX_OK && i < n_lines; i++) {
        long m = move_of(moves, n_moves, pids[i]);
        if (m < 0) {
            continue;
        }
        if (moves[m].tracking == PICKS_TRACK_NONE) {
            if (lines[i].lot && lines[i].lot[0] && !out->ignored++) {
                out->first_ignored = i;
            }
            continue;
        }
        named[m] = true;
        err = lot_line(lines, pids, i, &moves[m], lots, n_lots, out, reason,
                       rsize, msg, msize);
    }
    if (err == LGX_OK && out->n_missing) {
        const picks_line_t *l = &lines[out->missing[0]];
        snprintf(reason, rsize, "unknown_lot");
        snprintf(msg, msize, "lot %s of product %s is not in Odoo%s", l->lot,
                 l->code, out->n_missing > 1 ? " (nor are others)" : "");
        err = LGX_ERR_NOT_FOUND;
    }
    if (err == LGX_OK) {
        err = check_serials(moves, n_moves, lots, n_lots, out, reason, rsize,
                            msg, msize);
    }
    if (err == LGX_OK) {
        match_lines(named, moves, n_moves, mlines, n_mlines, out);
    }
    free(named);
    return err;
}

/* The entry of out for move m and lot_id, added when new. */
static picks_short_t *short_of(picks_short_t *out, size_t *n, size_t line,
                               const picks_move_t *m, int64_t lot_id,
                               const picks_mline_t *ml, size_t n_ml)
{
    for (size_t k = 0; k < *n; k++) {
        if (out[k].move_id == m->id && out[k].lot_id == lot_id) {
            return &out[k];
        }
    }
    double own = m->tracking == PICKS_TRACK_NONE ? m->quantity : 0;
    for (size_t i = 0; m->tracking != PICKS_TRACK_NONE && i < n_ml; i++) {
        own += ml[i].move_id == m->id && ml[i].lot_id == lot_id ? ml[i].qty : 0;
    }
    out[*n] = (picks_short_t){
        line, m->id, m->location_id, m->product_id, lot_id, 0, own};
    return &out[(*n)++];
}

/* What free[] holds for s (its location, product and lot). */
static double free_for(const picks_short_t *s, const picks_free_t *free_qty,
                       size_t n_free)
{
    double sum = 0;
    for (size_t i = 0; i < n_free; i++) {
        const picks_free_t *f = &free_qty[i];
        if (f->location_id == s->location_id &&
            f->product_id == s->product_id &&
            (!s->lot_id || f->lot_id == s->lot_id)) {
            sum += f->qty;
        }
    }
    return sum > 0 ? sum : 0;
}

size_t picks_plan_shortage(const picks_line_t *lines, const int64_t *pids,
                           size_t n_lines, const picks_move_t *moves,
                           size_t n_moves, const picks_mline_t *mlines,
                           size_t n_mlines, const picks_lot_t *lots,
                           size_t n_lots, const picks_free_t *free_qty,
                           size_t n_free, picks_short_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < n_lines; i++) {
        long m = move_of(moves, n_moves, pids[i]);
        bool tracked = m >= 0 && moves[m].tracking != PICKS_TRACK_NONE;
        int64_t lot_id = tracked && lines[i].lot
                             ? lot_of(lots, n_lots, lines[i].lot, pids[i])
                             : 0;
        if (m < 0 || (tracked && !lot_id) || lines[i].qty <= QTY_EPSILON) {
            continue;
        }
        short_of(out, &n, i, &moves[m], lot_id, mlines, n_mlines)->picked +=
            lines[i].qty;
    }
    size_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        out[k].available += free_for(&out[k], free_qty, n_free);
        if (out[k].picked > out[k].available + QTY_EPSILON) {
            out[kept++] = out[k];
        }
    }
    return kept;
}

static const picks_unit_t *unit_named(const picks_unit_t *u, size_t n,
                                      const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (u[i].name && strcmp(u[i].name, name) == 0) {
            return &u[i];
        }
    }
    return NULL;
}

static const picks_unit_t *unit_by_id(const picks_unit_t *u, size_t n,
                                      int64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (u[i].id == id) {
            return &u[i];
        }
    }
    return NULL;
}

lgx_err_t picks_plan_units(picks_line_t *lines, const int64_t *pids,
                           const char *const *units, size_t n_lines,
                           const picks_move_t *moves, size_t n_moves,
                           const picks_unit_t *known, size_t n_known,
                           char *reason, size_t rsize, char *msg, size_t msize)
{
    for (size_t i = 0; i < n_lines; i++) {
        long m = units[i] ? move_of(moves, n_moves, pids[i]) : -1;
        if (m < 0) {
            continue;
        }
        const picks_unit_t *from = unit_named(known, n_known, units[i]);
        const picks_unit_t *to = unit_by_id(known, n_known, moves[m].uom_id);
        if (!from) {
            snprintf(reason, rsize, "unknown_unit");
            snprintf(msg, msize,
                     "line %zu: no unit of measure named %s in Odoo", i + 1,
                     units[i]);
            return LGX_ERR_INVALID;
        }
        if (!to || from->family != to->family || !(from->ratio > 0) ||
            !(to->ratio > 0)) {
            snprintf(reason, rsize, "unit_mismatch");
            snprintf(msg, msize,
                     "line %zu: %s is counted in %s, its move in %s: the units "
                     "do not convert",
                     i + 1, lines[i].code, from->name,
                     to && to->name ? to->name : "an unknown unit");
            return LGX_ERR_INVALID;
        }
        /* Rounded to 1e-9 of a unit: 2 boxes of 12 are 24, not 23.99... */
        lines[i].qty =
            round(lines[i].qty * from->ratio / to->ratio * 1e9) / 1e9;
    }
    return LGX_OK;
}

/* Quantities of one move differ beyond float noise. */
static bool qty_differs(double a, double b)
{
    return fabs(a - b) > 1e-9 * (fabs(a) + fabs(b) + 1.0);
}

size_t picks_plan_edits(const picks_write_t *writes, size_t n_writes,
                        const picks_move_t *moves, size_t n_moves,
                        picks_edit_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < n_writes; i++) {
        for (size_t j = 0; j < n_moves; j++) {
            const picks_move_t *m = &moves[j];
            if (m->id != writes[i].move_id || m->lgx_qty <= 0 ||
                !qty_differs(m->quantity, m->lgx_qty) ||
                !qty_differs(m->quantity, writes[i].qty)) {
                continue;
            }
            out[n++] =
                (picks_edit_t){m->id, m->lgx_qty, m->quantity, writes[i].qty};
        }
    }
    return n;
}
