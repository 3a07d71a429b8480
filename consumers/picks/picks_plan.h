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
    const char *lot; /* lot or serial number; NULL when the line has none */
} picks_line_t;

/* How Odoo traces a product (product.product tracking). */
typedef enum picks_tracking {
    PICKS_TRACK_NONE = 0,
    PICKS_TRACK_LOT,
    PICKS_TRACK_SERIAL
} picks_tracking_t;

typedef struct picks_move {
    int64_t id;
    int64_t product_id;
    double quantity;
    bool picked;
    picks_tracking_t tracking;
    int64_t location_id; /* where it takes the goods from */
    int64_t uom_id;      /* its unit (product_uom) */
    double lgx_qty;      /* what lgx-picks last wrote (x_lgx_quantity), 0 */
} picks_move_t;

/* A stock.move.line as Odoo has it (lot_id 0: none). */
typedef struct picks_mline {
    int64_t id;
    int64_t move_id;
    int64_t lot_id;
    double qty;
    bool picked;
} picks_mline_t;

/* A stock.lot: its name is borrowed. */
typedef struct picks_lot {
    int64_t id;
    int64_t product_id;
    const char *name;
} picks_lot_t;

/* A move line to create: lot_id's quantity picked on move_id. */
typedef struct picks_new_line {
    int64_t move_id;
    int64_t product_id;
    int64_t lot_id;
    double qty;
} picks_new_line_t;

/* What picks_plan_lots decided. The caller gives the room: create and
 * missing for n_lines entries, unlink for n_mlines. */
typedef struct picks_lots {
    picks_new_line_t *create;
    size_t n_create;
    int64_t *unlink; /* move lines of lots the warehouse did not pick */
    size_t n_unlink;
    size_t *missing; /* lines whose lot Odoo lacks, one per lot and product */
    size_t n_missing;
    size_t ignored; /* lines with a lot for an untracked product */
    size_t first_ignored;
} picks_lots_t;

typedef struct picks_product {
    int64_t id;
    const char *code;
} picks_product_t;

typedef struct picks_write {
    int64_t move_id;
    double qty;
} picks_write_t;

/* What Odoo has of a product (and lot; 0 for an untracked product) under
 * a move's source location, free of reservations: the quants' quantity
 * less their reserved_quantity. */
typedef struct picks_free {
    int64_t location_id; /* the move's location the quants were read under */
    int64_t product_id;
    int64_t lot_id;
    double qty;
} picks_free_t;

/* A quantity picked beyond what Odoo has for it: what the move reserved
 * (its quantity; for a lot, its lines of that lot) plus what is free. */
typedef struct picks_short {
    size_t line; /* the first line of the event for it */
    int64_t move_id, location_id, product_id, lot_id;
    double picked, available;
} picks_short_t;

/* A unit of measure (uom.uom): ratio is how many of its family's
 * reference unit one of it is (Odoo 19: factor; 17 and 18: 1 / factor);
 * units of one family convert (19: the same root in parent_path; 17 and
 * 18: the same category). Its name is borrowed. */
typedef struct picks_unit {
    int64_t id;
    const char *name;
    double ratio;
    int64_t family;
} picks_unit_t;

/* A planned write over a person's edit: lgx wrote lgx_qty on the move,
 * Odoo now has odoo_qty, and the pick says event_qty. */
typedef struct picks_edit {
    int64_t move_id;
    double lgx_qty, odoo_qty, event_qty;
} picks_edit_t;

/* The writes (from picks_plan) that would overwrite a quantity changed
 * in Odoo since lgx-picks wrote it: the move holds another quantity than
 * the one lgx last wrote (lgx_qty, when it wrote one) and the pick says a
 * third. A pick that agrees with the edit is no conflict (nothing to
 * write). out has room for n_writes; returns how many. */
size_t picks_plan_edits(const picks_write_t *writes, size_t n_writes,
                        const picks_move_t *moves, size_t n_moves,
                        picks_edit_t *out);

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

/* Plans the move lines of the tracked moves the pick names (moves with
 * tracking), after picks_plan accepted the lines: pids[i] is the product
 * of lines[i]. Each picked lot (found in lots by name and product) gets
 * one line with its quantity on the product's first move, picked; lines
 * already so are kept (a replay costs nothing), every other line of those
 * moves (a lot Odoo reserved and the warehouse did not pick, a line
 * without lot) is unlinked, so that validating records exactly the lots
 * picked. A serial is picked once, quantity 1. A line with a lot for an
 * untracked product is counted in ignored (its lot is not Odoo's
 * business). Errors (LGX_ERR_INVALID, reason and msg set): a tracked
 * line with a quantity and no lot (lot_required), a serial picked more
 * than once or by more than 1 (invalid_field). Lots not in Odoo: their
 * lines in missing and LGX_ERR_NOT_FOUND (reason unknown_lot, msg naming
 * the first); nothing else is planned then. */
lgx_err_t picks_plan_lots(const picks_line_t *lines, const int64_t *pids,
                          size_t n_lines, const picks_move_t *moves,
                          size_t n_moves, const picks_mline_t *mlines,
                          size_t n_mlines, const picks_lot_t *lots,
                          size_t n_lots, picks_lots_t *out, char *reason,
                          size_t reason_size, char *msg,
                          size_t msg_size) LGX_MUST_CHECK;

/* The shortages of a pick, after picks_plan and picks_plan_lots accepted
 * it (lots holds the lots of its tracked lines): per product, or per lot
 * of a tracked product, the quantity picked against what Odoo has for
 * its move (the move's own reservation plus free[] at the move's
 * location, summed and never below zero). With n_free 0 only the
 * reservation counts: what is left are the candidates whose free stock
 * must be read. Writes at most n_lines entries to out; returns how many. */
size_t picks_plan_shortage(const picks_line_t *lines, const int64_t *pids,
                           size_t n_lines, const picks_move_t *moves,
                           size_t n_moves, const picks_mline_t *mlines,
                           size_t n_mlines, const picks_lot_t *lots,
                           size_t n_lots, const picks_free_t *free_qty,
                           size_t n_free, picks_short_t *out);

/* Converts each line given in a unit (units[i] a unit name, NULL: the
 * move's unit) into the unit of its product's first move: qty becomes
 * qty * from.ratio / to.ratio. Errors (LGX_ERR_INVALID, reason and msg
 * set): a unit Odoo lacks (unknown_unit), units that do not convert
 * (unit_mismatch). Lines whose product has no move are left to
 * picks_plan. */
lgx_err_t picks_plan_units(picks_line_t *lines, const int64_t *pids,
                           const char *const *units, size_t n_lines,
                           const picks_move_t *moves, size_t n_moves,
                           const picks_unit_t *known, size_t n_known,
                           char *reason, size_t reason_size, char *msg,
                           size_t msg_size) LGX_MUST_CHECK;

#endif
