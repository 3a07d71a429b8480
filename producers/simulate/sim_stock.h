/*
 * sim_stock: what Odoo holds of the run's products, and what each pick
 * names and takes of it. Pure: sim_odoo reads the rows (products and
 * their tracking, the orders' moves and reserved move lines, the quants
 * under the moves' source locations), this decides.
 *
 * Lots. A pick of a tracked product names the lots Odoo reserved for its
 * move (first in, first out, when the order was confirmed), the rest from
 * the lots with stock free, first in first out: an order of more than
 * one lot's quantity picks from two. Now and then (a draw of the order's
 * own stream) the warehouse takes a lot-tracked line from the newest lot
 * that has all of it free instead, so that the pick names other lots
 * than Odoo reserved. A serial-tracked line names one serial per unit.
 * What no lot has free goes on the newest lot (a shortage of that lot);
 * a tracked product without any lot is picked without one (lot_required).
 *
 * Shortages. lgx-picks finds a pick line short when it is more than what
 * Odoo has for it: the move's reservation (for a lot, its lines of that
 * lot) plus what is free under the move's location (quants less their
 * reservations, of that lot; taken as 0 when below). Other picks change
 * that: a validation takes stock, and taking more than a move reserved
 * makes Odoo free other moves' reservations. What the run takes beyond
 * its reservations of a product (or lot) can only lower it, so a line
 * above the best case (its reservation plus the free stock now) is short
 * in every order the picks may be handled in (SIM_SHORT_YES); when all
 * the run takes beyond its reservations fits in the free stock no line
 * is (SIM_SHORT_NO); otherwise it depends on the order (SIM_SHORT_MAYBE).
 */
#ifndef SIM_STOCK_H
#define SIM_STOCK_H

#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"
#include "sim_plan.h"

typedef enum sim_track {
    SIM_TRACK_NONE = 0,
    SIM_TRACK_LOT,
    SIM_TRACK_SERIAL
} sim_track_t;

/* The stock of one product and lot under one location (its quants there
 * and below, summed). */
typedef struct sim_quant {
    char code[32];
    char lot[SIM_NAME_MAX]; /* "" for stock without a lot */
    int64_t location_id;
    double quantity;
    double reserved;
} sim_quant_t;

typedef struct sim_stock sim_stock_t;

/* An empty stock, or NULL when out of memory. */
sim_stock_t *sim_stock_new(void);

/* Frees s and the pick lines it made (the orders' lines point into them).
 * NULL does nothing. */
void sim_stock_destroy(sim_stock_t *s);

/* Order `order`'s move of product code: how Odoo tracks the product,
 * the move's source location and, for an untracked product, what Odoo
 * reserved for it (the move's quantity). An order line whose product
 * has no move here keeps its plain line. */
lgx_err_t sim_stock_add_move(sim_stock_t *s, size_t order, const char *code,
                             sim_track_t tracking, int64_t location_id,
                             double reserved) LGX_MUST_CHECK;

/* A reserved move line of a tracked product: qty of lot for the move of
 * order `order`; lines of one move in the order Odoo made them. */
lgx_err_t sim_stock_add_reserved(sim_stock_t *s, size_t order, const char *code,
                                 const char *lot, double qty) LGX_MUST_CHECK;

/* A quant of code (lot "" or NULL: none) under location_id, added to the
 * stock of that product, lot and location. Quants come first in, first
 * out (in_date, then id): the order of the lots. */
lgx_err_t sim_stock_add_quant(sim_stock_t *s, const char *code, const char *lot,
                              int64_t location_id, double quantity,
                              double reserved) LGX_MUST_CHECK;

/* Lot-tracked lines lgx-simulate has the warehouse take from the newest
 * lot with all of it free, rather than from what Odoo reserved. */
#define SIM_STOCK_OTHER_LOT_PCT 25

/* Makes the pick lines of every order line whose product and move s
 * knows (lots, quantities, shortage) and points the lines at them; the
 * lines stay valid until sim_stock_destroy. seed draws which lot-tracked
 * lines (other_lot_pct per cent) are taken from another lot than
 * reserved; the draws are made whatever the percentage. Lines of unknown
 * products keep picks NULL. LGX_ERR_NOMEM on failure (no line
 * changed). */
lgx_err_t sim_stock_plan(sim_stock_t *s, uint64_t seed, long other_lot_pct,
                         sim_order_t *orders, size_t n) LGX_MUST_CHECK;

/* The stock s knows, in the order it was added: n_quants entries. */
size_t sim_stock_n_quants(const sim_stock_t *s);
const sim_quant_t *sim_stock_quant_at(const sim_stock_t *s, size_t i);

/* How Odoo tracks code (SIM_TRACK_NONE when s has no move of it). */
sim_track_t sim_stock_tracking(const sim_stock_t *s, const char *code);

#endif
