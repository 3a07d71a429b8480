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
        if (touched[i] && (!moves[i].picked ||
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
