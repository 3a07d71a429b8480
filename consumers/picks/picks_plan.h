/*
 * picks_plan: the pure part of lgx-picks. From a pick confirmation and the
 * picking's moves as Odoo has them, decide which moves get which quantity.
 * No I/O: unit-tested without Odoo.
 */
#ifndef PICKS_PLAN_H
#define PICKS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

typedef struct picks_line {
    const char *code; /* product default_code */
    double qty;
} picks_line_t;

typedef struct picks_move {
    int64_t id;
    int64_t product_id;
    double quantity;
    bool picked;
} picks_move_t;

typedef struct picks_product {
    int64_t id;
    const char *code;
} picks_product_t;

typedef struct picks_write {
    int64_t move_id;
    double qty;
} picks_write_t;

/* Picking states in which a pick may be applied (released to the floor). */
bool picks_state_released(const char *state);

/* Plans the writes: every line's product must be known and have a move in
 * the picking; lines of one product add up and go to its first move. Moves
 * already holding that quantity and picked are left out (a replay costs no
 * write). out has room for n_moves entries; on success *n_out is set and
 * the writes are sorted by quantity, so that equal writes are adjacent.
 * On LGX_ERR_INVALID reason gets a reason code and msg the detail. */
lgx_err_t picks_plan(const picks_line_t *lines, size_t n_lines,
                     const picks_move_t *moves, size_t n_moves,
                     const picks_product_t *products, size_t n_products,
                     picks_write_t *out, size_t *n_out, char *reason,
                     size_t reason_size, char *msg,
                     size_t msg_size) LGX_MUST_CHECK;

#endif
